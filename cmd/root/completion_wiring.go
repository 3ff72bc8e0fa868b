package root

import (
	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// wireCompletions gives every flag of the tree whose values can be listed
// a completion, where its command did not register one itself: a command's
// own choice always wins. Token arguments are completed by the commands
// that take them (rename, revoke, rotate). Keeping the shared ones here
// means a new command that uses --output or --expires completes them
// without any code of its own.
//
// Only registration happens here. Nothing is read until the shell asks for
// a completion, and then only what that one flag or argument needs.
func wireCompletions(root *cobra.Command, f *cmdutil.Factory) {
	flagDefaults := map[string]cobra.CompletionFunc{
		"profile":  cmdutil.CompleteProfiles(f),
		"keychain": cmdutil.CompleteProfiles(f),
		"output":   cmdutil.CompleteOutput(),
		"sort":     cmdutil.CompleteSort(),
		"expires":  cmdutil.CompleteExpires(),
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for name, fn := range flagDefaults {
			setFlagCompletion(c, name, fn)
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
