package token

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/resolve"
)

// RenameOptions are the inputs of `axero token rename`.
type RenameOptions struct {
	Factory *cmdutil.Factory
	Token   string // ID or exact name
	NewName string
}

// NewCmdRename builds `axero token rename`; runF, when set, runs instead of
// the command once the arguments are checked.
func NewCmdRename(f *cmdutil.Factory, runF func(context.Context, *RenameOptions) error) *cobra.Command {
	opts := &RenameOptions{Factory: f}
	c := &cobra.Command{
		Use:   "rename ID|NAME NEW-NAME",
		Short: "Rename a token",
		Long: `Rename a token, given by its ID or its exact name. A name that several tokens
share is refused with a list of their IDs; use the ID instead.

On a terminal, a shared name offers those tokens to choose from, and a
missing argument is asked for: with none, your tokens are offered and then
the new name is asked; with only ID|NAME, the new name is. In CI, without a
terminal or with AXERO_NO_PROMPT=1, both arguments are needed (exit 2).`,
		Example: `  $ axero token rename 1017 ci-deploy-prod
  $ axero token rename ci-deploy ci-deploy-staging
  $ axero token rename          # on a terminal: choose the token, then type the new name`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 2 && cmdutil.CanPick(f.IO) {
				return nil
			}
			return cobra.ExactArgs(2)(c, args)
		},
		ValidArgsFunction: cmdutil.CompleteFirstToken(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Token, opts.NewName = "", ""
			if len(args) > 0 {
				opts.Token = args[0]
			}
			if len(args) > 1 {
				opts.NewName = args[1]
				if err := resolve.ValidateName(opts.NewName); err != nil {
					return &cmdutil.FlagError{Err: fmt.Errorf("invalid new name: %w", err)}
				}
				opts.NewName = strings.TrimSpace(opts.NewName)
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return renameRun(c.Context(), opts)
		},
	}
	return c
}

func renameRun(ctx context.Context, opts *RenameOptions) error {
	f := opts.Factory
	c, err := f.Client()
	if err != nil {
		return err
	}
	tokens, err := cmdutil.ListTokens(ctx, c, "")
	if err != nil {
		return err
	}
	pick := cmdutil.TokenPick{Verb: "rename"}
	if opts.NewName == "" {
		// Only a terminal gets here (Args): the new name is asked for.
		pick.NewName = resolve.ValidateName
	}
	picked, err := f.PickToken(ctx, c, tokens, opts.Token, pick)
	defer picked.Done()
	if err != nil {
		return err
	}
	old, ctx, newName := picked.Token, picked.Ctx, opts.NewName
	if newName == "" {
		newName = picked.Name
	}
	renamed, err := c.RenameToken(ctx, old.TokenID, newName)
	if err != nil {
		return err
	}
	if f.IO.IsStdoutTTY() {
		fmt.Fprintf(f.IO.Out, "✓ Renamed token %d from %q to %q\n", renamed.TokenID, old.Name, renamed.Name)
	}
	return nil
}
