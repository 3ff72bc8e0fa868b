package token

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// refuseEmptyExpires makes an empty --expires a usage error in c, when c
// has the flag, before c runs. `--expires "$LIFETIME"` with the variable
// unset would otherwise mint a token with the site's default lifetime,
// which nobody chose; leaving the flag out is how to ask for that default.
// It wraps RunE rather than adding a pre-run hook, which would also run on
// every TAB.
func refuseEmptyExpires(c *cobra.Command) {
	fl := c.Flags().Lookup("expires")
	run := c.RunE
	if fl == nil || run == nil {
		return
	}
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if fl.Changed && strings.TrimSpace(fl.Value.String()) == "" {
			return cmdutil.FlagErrorf("--expires is empty (an unset variable?): give a duration (90m, 12h, 30d, 26w, 1y), a date, an RFC 3339 time or never, or leave --expires out for the default")
		}
		return run(cmd, args)
	}
}
