package cmdtest

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/iostreams"
)

// Parse builds a command with build, runs it with args on a factory that
// reaches nothing (no environment, no site, no keychain), and returns the
// options its runF received, or the error its flags and arguments gave:
// how gh-style tests check a command's flag parsing apart from what the
// command does.
func Parse[T any](t *testing.T, build func(*cmdutil.Factory, func(context.Context, *T) error) *cobra.Command, args ...string) (*T, error) {
	t.Helper()
	f := cmdutil.New("test")
	f.IO, _, _, _ = iostreams.Test()
	f.Getenv = func(string) string { return "" }
	var got *T
	c := build(f, func(_ context.Context, o *T) error { got = o; return nil })
	c.SetArgs(args)
	c.SetOut(io.Discard)
	c.SetErr(io.Discard)
	c.SilenceUsage, c.SilenceErrors = true, true
	err := c.ExecuteContext(context.Background())
	return got, err
}

// FlagCase is one command line for FlagCases: the options it must give
// runF (Check), or the error it must be refused with before runF (Err, a
// fragment of the message). In Args, ” stands for an empty argument.
type FlagCase[T any] struct {
	Args  string
	Check func(*T) bool
	Err   string
}

// FlagCases runs each case through Parse: gh-style flag-parsing table
// tests.
func FlagCases[T any](t *testing.T, build func(*cmdutil.Factory, func(context.Context, *T) error) *cobra.Command, cases []FlagCase[T]) {
	t.Helper()
	for _, c := range cases {
		args := strings.Fields(c.Args)
		for i, a := range args {
			if a == "''" {
				args[i] = ""
			}
		}
		opts, err := Parse(t, build, args...)
		switch {
		case c.Err != "":
			if err == nil || !strings.Contains(err.Error(), c.Err) || opts != nil {
				t.Errorf("%q: err %v, want a refusal with %q before runF", c.Args, err, c.Err)
			}
		case err != nil:
			t.Errorf("%q: %v", c.Args, err)
		case opts == nil || !c.Check(opts):
			t.Errorf("%q: options %+v", c.Args, opts)
		}
	}
}
