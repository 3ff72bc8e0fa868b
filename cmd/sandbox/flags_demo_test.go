package sandbox_test

import (
	"context"
	"testing"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/cmd/sandbox"
)

// Flag parsing of demo, apart from what it does.
func TestDemoFlags(t *testing.T) {
	t.Parallel()
	build := func(f *cmdutil.Factory, runF func(context.Context, *sandbox.DemoOptions) error) *cobra.Command {
		return sandbox.NewCmdDemo(f, nil, runF)
	}
	cmdtest.FlagCases(t, build, []cmdtest.FlagCase[sandbox.DemoOptions]{
		{Args: "", Check: func(o *sandbox.DemoOptions) bool { return o.Factory != nil }},
		{Args: "extra", Err: "unknown command"},
	})
}
