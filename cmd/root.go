// Package cmd holds axero's commands: one file per command, each with an
// Options struct filled from its flags and a run function that does the work.
package cmd

import (
	"sort"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// NewRootCmd builds the whole command tree.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "axero",
		Short: "Manage Axero REST API bearer tokens",
		Long: `axero manages the lifecycle of Axero REST API bearer tokens: log in once,
create tokens for integrations and see them once, list, rename, rotate and
revoke them, mint impersonation tokens for many users from a CSV file, and
call any API endpoint. It works the same at a terminal and in CI.`,
		Example: `  $ axero login --url https://intranet.example.com
  $ axero token create --name ci-deploy --expires 90d
  # In CI, with the token in a masked secret:
  $ AXERO_TOKEN=$AXERO_CI_TOKEN axero token list --expiring-within 14d --exit-code`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       f.Version,
	}
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetIn(f.IO.In)
	root.SetVersionTemplate("axero {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &cmdutil.FlagError{Err: err}
	})

	pf := root.PersistentFlags()
	pf.StringVar(&f.ProfileFlag, "profile", "", "profile to use (env AXERO_PROFILE, default \"default\")")
	pf.StringVar(&f.URLFlag, "url", "", "site URL, e.g. https://intranet.example.com (env AXERO_URL)")
	pf.DurationVar(&f.Timeout, "timeout", f.Timeout, "timeout for each request")
	pf.BoolVar(&f.Debug, "debug", false, "log HTTP exchanges on stderr, token values redacted (env AXERO_DEBUG=1)")
	pf.BoolVar(&f.AllowHTTP, "allow-http", false, "allow plain http:// to a host other than loopback")

	root.AddGroup(
		&cobra.Group{ID: groupAuth, Title: "Authentication:"},
		&cobra.Group{ID: groupTokens, Title: "Tokens:"},
		&cobra.Group{ID: groupAPI, Title: "API:"},
		&cobra.Group{ID: groupOther, Title: "Other:"},
	)
	root.SetHelpCommandGroupID(groupOther)
	root.SetCompletionCommandGroupID(groupOther)

	root.AddCommand(newCmdToken(f))
	for _, r := range rootCommands {
		c := r.new(f)
		c.GroupID = r.group
		root.AddCommand(c)
	}
	wireCompletions(root, f)
	usageErrors(root)
	return root
}

func newCmdToken(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "token",
		Short: "Create, list, rename, rotate, revoke and inspect bearer tokens",
		Example: `  $ axero token list
  $ axero token create --name ci-deploy --expires 90d
  $ axero token rotate ci-deploy --expires 90d`,
		GroupID: groupTokens,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return c.Help()
		},
	}
	subs := make([]*cobra.Command, 0, len(tokenCommands))
	for _, ctor := range tokenCommands {
		subs = append(subs, ctor(f))
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].Name() < subs[j].Name() })
	c.AddCommand(subs...)
	return c
}

// usageErrors makes every positional-argument error a usage error (exit 2),
// as Cobra's own validators return plain errors.
func usageErrors(c *cobra.Command) {
	if c.Args != nil {
		validate := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := validate(cmd, args); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		usageErrors(sub)
	}
}
