package cmd

import (
	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// tokenArgCompletions names the commands whose positional arguments are
// tokens, by command path.
var tokenArgCompletions = map[string]func(*cmdutil.Factory) cobra.CompletionFunc{
	"axero token rename": completeFirstToken,
	"axero token rotate": completeFirstToken,
	"axero token revoke": completeTokens,
}

// wireCompletions gives every flag and argument of the tree whose values
// can be listed a completion, where its command did not register one
// itself: a command's own choice always wins. Keeping the shared ones here
// means a new command that uses --output or --expires completes them
// without any code of its own.
//
// Only registration happens here. Nothing is read until the shell asks for
// a completion, and then only what that one flag or argument needs.
func wireCompletions(root *cobra.Command, f *cmdutil.Factory) {
	flagDefaults := map[string]cobra.CompletionFunc{
		"profile":  completeProfiles(f),
		"keychain": completeProfiles(f),
		"output":   completeOutput(),
		"sort":     completeSort(),
		"expires":  completeExpires(),
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for name, fn := range flagDefaults {
			setFlagCompletion(c, name, fn)
		}
		if newFn, ok := tokenArgCompletions[c.CommandPath()]; ok && c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 {
			c.ValidArgsFunction = newFn(f)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// setFlagCompletion registers fn for a flag that c itself defines, unless
// a completion is already registered for it.
func setFlagCompletion(c *cobra.Command, name string, fn cobra.CompletionFunc) {
	if c.LocalFlags().Lookup(name) == nil {
		return
	}
	if _, exists := c.GetFlagCompletionFunc(name); exists {
		return
	}
	_ = c.RegisterFlagCompletionFunc(name, fn)
}
