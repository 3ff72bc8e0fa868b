package cmd

import (
	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// Command groups in the root help.
const (
	groupAuth   = "auth"
	groupTokens = "tokens"
	groupAPI    = "api"
	groupOther  = "other"
)

type constructor func(f *cmdutil.Factory) *cobra.Command

type registration struct {
	group string
	new   constructor
}

var (
	rootCommands  []registration
	tokenCommands []constructor
)

// register adds a top-level command. Each command file registers itself in
// an init function, so that adding a command touches no shared file.
func register(group string, c constructor) {
	rootCommands = append(rootCommands, registration{group: group, new: c})
}

// registerToken adds a subcommand of `axero token`.
func registerToken(c constructor) {
	tokenCommands = append(tokenCommands, c)
}
