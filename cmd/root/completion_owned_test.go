package root

import (
	"testing"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// Every flag whose values can be listed completes them, registered where
// the flag is defined (the command, or the helper that adds the flag):
// nothing registers them a second time for the whole tree.
func TestEveryListableFlagCompletes(t *testing.T) {
	root := NewCmdRoot(cmdutil.New("test"))
	listable := []string{"profile", "keychain", "output", "sort", "expires"}
	seen := map[string]int{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, name := range listable {
			if c.LocalFlags().Lookup(name) == nil {
				continue
			}
			seen[name]++
			if _, ok := c.GetFlagCompletionFunc(name); !ok {
				t.Errorf("%s --%s: no completion", c.CommandPath(), name)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for _, name := range listable {
		if seen[name] == 0 {
			t.Errorf("no command has --%s any more: update this test", name)
		}
	}
}

// --keychain=TAB offers the profiles of the config file on every command
// that delivers a token.
func TestCompleteKeychainProfiles(t *testing.T) {
	t.Parallel()
	f, out, _ := isolatedFactory(t, nil, false)
	saveProfiles(t, f, map[string]string{"work": "https://intranet.example.com"})
	for _, cmd := range [][]string{{"token", "create"}, {"token", "create-for-user"}, {"token", "rotate", "x"}} {
		c := tab(t, f, out, append(cmd, "--keychain=w")...)
		wantValues(t, c, "work")
	}
}
