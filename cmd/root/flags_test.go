// Flag parsing of version and docs, apart from what they do.
package root_test

import (
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/cmd/root"
)

func TestRootCommandFlags(t *testing.T) {
	t.Parallel()
	cmdtest.FlagCases(t, root.NewCmdVersion, []cmdtest.FlagCase[root.VersionOptions]{
		{Args: "-o json", Check: func(o *root.VersionOptions) bool { return o.Output.Format == "json" }},
		{Args: "--jq .goVersion", Check: func(o *root.VersionOptions) bool { return o.Output.JQ == ".goVersion" }},
		{Args: "extra", Err: "unknown command"},
	})
	cmdtest.FlagCases(t, root.NewCmdDocs, []cmdtest.FlagCase[root.DocsOptions]{
		{Args: "--man m --markdown d", Check: func(o *root.DocsOptions) bool { return o.ManDir == "m" && o.MarkdownDir == "d" }},
	})
}
