package root

import (
	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

var completionShells = []string{"bash", "zsh", "fish", "powershell"}

// NewCmdCompletion builds `axero completion`.
func NewCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	var noDescriptions bool
	c := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script for bash, zsh, fish or PowerShell",
		Long: `Print a script that makes your shell complete axero's commands, flags and
arguments: profile names for --profile, token IDs and names for
"token rename", "token revoke" and "token rotate", user names (emails once
you type an @, UserIDs for digits) for --user and --created-by, and the
values of --output, --sort and --expires.

Token IDs and names, and the users (for a site administrator), come from the
server when you press TAB on such an argument, with a two-second limit;
offline or logged out, nothing is offered, and never file names. --expires
leaves out what the site's policy forbids (never, where tokens must expire;
a lifetime beyond its maximum), and offline offers 30d, 90d, 1y and never.
Nothing else touches the network or the keychain.

Packages from a release (deb, rpm, Homebrew) install the scripts for you.
Bash needs the bash-completion package; zsh needs compinit in ~/.zshrc.`,
		Example: `  # Bash, for your user:
  $ echo 'eval "$(axero completion bash)"' >> ~/.bashrc
  # Bash, for every user:
  $ axero completion bash | sudo tee /usr/share/bash-completion/completions/axero >/dev/null
  # Zsh (a directory in $fpath):
  $ axero completion zsh > "${fpath[1]}/_axero"
  # Fish:
  $ axero completion fish > ~/.config/fish/completions/axero.fish
  # PowerShell (add the line to $PROFILE to keep it):
  PS> axero completion powershell | Out-String | Invoke-Expression`,
		ValidArgs:             completionShells,
		Args:                  cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		DisableFlagsInUseLine: true,
		RunE: func(c *cobra.Command, args []string) error {
			root := c.Root()
			out := f.IO.Out
			withDesc := !noDescriptions
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, withDesc)
			case "zsh":
				if withDesc {
					return root.GenZshCompletion(out)
				}
				return root.GenZshCompletionNoDesc(out)
			case "fish":
				return root.GenFishCompletion(out, withDesc)
			default:
				if withDesc {
					return root.GenPowerShellCompletionWithDesc(out)
				}
				return root.GenPowerShellCompletion(out)
			}
		},
	}
	c.Flags().BoolVar(&noDescriptions, "no-descriptions", false, "leave out the descriptions next to each completion")
	cmdutil.NoDeadline(c)
	return c
}

// userFlags name a user (a UserID, an email address or a user name)
// wherever they appear.
var userFlags = []string{"user", "created-by"}

// completeUserFlags makes every flag that names a user complete users
// (cmdutil.CompleteUsers), never file names, unless its command gave it a
// completion of its own. One rule for the whole tree, so that a new
// command's --user completes like the others.
func completeUserFlags(c *cobra.Command, f *cmdutil.Factory) {
	for _, name := range userFlags {
		if c.Flags().Lookup(name) == nil {
			continue
		}
		if _, ok := c.GetFlagCompletionFunc(name); !ok {
			_ = c.RegisterFlagCompletionFunc(name, cmdutil.CompleteUsers(f))
		}
	}
	for _, sub := range c.Commands() {
		completeUserFlags(sub, f)
	}
}
