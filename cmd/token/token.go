// Package token holds `axero token` and its subcommands: create,
// create-for-user, audit, inspect, list, rename, revoke and rotate, one file
// each (the bulk --from forms of create-for-user, revoke and rotate in a
// _from file beside), how a newly minted token is delivered (deliver.go),
// and what the bulk runs share on the command side (bulkrun.go).
package token

import (
	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// NewCmdToken builds `axero token` with its subcommands.
func NewCmdToken(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "token",
		Short: "Create, list, rename, rotate, revoke and inspect bearer tokens",
		Example: `  $ axero token list
  $ axero token create --name ci-deploy --expires 90d
  $ axero token rotate ci-deploy --expires 90d`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return c.Help()
		},
	}
	c.AddCommand(
		NewCmdCreate(f, nil),
		NewCmdAudit(f, nil),
		NewCmdCreateForUser(f, nil),
		NewCmdInspect(f, nil),
		NewCmdList(f, nil),
		NewCmdRename(f, nil),
		NewCmdRevoke(f, nil),
		NewCmdRotate(f, nil),
	)
	for _, sub := range c.Commands() {
		refuseEmptyExpires(sub)
	}
	return c
}
