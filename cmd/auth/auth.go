// Package auth holds the commands that log in and out, show the profiles
// and choose the default one: login, logout and status at the top level,
// and the same under `axero auth` with switch, as gh users look for them.
package auth

import (
	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// NewCmdAuth builds `axero auth`: login, logout and status (the same
// commands as at the top level) and switch.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "auth",
		Short: "Log in and out, show the profiles, and choose the default one",
		Long: `Log in and out, show the profiles, and choose the default one.

axero auth login, logout and status are the same commands as axero login,
logout and status; axero auth switch chooses the profile commands use when
neither --profile nor AXERO_PROFILE names one.`,
		Example: `  $ axero auth login --url https://intranet.example.com
  $ axero auth switch staging
  $ axero auth status`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return c.Help()
		},
	}
	c.AddCommand(
		NewCmdLogin(f, nil),
		NewCmdLogout(f, nil),
		NewCmdStatus(f, nil),
		NewCmdSwitch(f, nil),
	)
	return c
}
