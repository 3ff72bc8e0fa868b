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
share is refused with a list of their IDs; use the ID instead.`,
		Example: `  $ axero token rename 1017 ci-deploy-prod
  $ axero token rename ci-deploy ci-deploy-staging`,
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: cmdutil.CompleteFirstToken(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Token, opts.NewName = args[0], args[1]
			if err := resolve.ValidateName(opts.NewName); err != nil {
				return &cmdutil.FlagError{Err: fmt.Errorf("invalid new name: %w", err)}
			}
			opts.NewName = strings.TrimSpace(opts.NewName)
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
	old, err := cmdutil.FindToken(ctx, c, "", opts.Token)
	if err != nil {
		return err
	}
	renamed, err := c.RenameToken(ctx, old.TokenID, opts.NewName)
	if err != nil {
		return err
	}
	if f.IO.IsStdoutTTY() {
		fmt.Fprintf(f.IO.Out, "✓ Renamed token %d from %q to %q\n", renamed.TokenID, old.Name, renamed.Name)
	}
	return nil
}
