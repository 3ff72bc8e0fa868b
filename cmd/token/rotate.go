package token

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/nametemplate"
	"github.com/axero-cli/axero/output"
)

// RotateOptions are the inputs of `axero token rotate`.
type RotateOptions struct {
	Factory  *cmdutil.Factory
	Token    string // ID or exact name of the token to replace
	Expires  string
	KeepOld  bool
	Delivery TokenDelivery // its Out is NEW with --from
	Sinks    SinkFlags     // --to, --sinks, --grace, --abandon (rotate_one.go)

	// Many tokens: a bulk renewal (rotate_from.go).
	From             string
	IfExpiringWithin string
	NameTemplate     string
	Concurrency      int // 0: auto
	MaxConcurrency   int
	Resume           bool
	DryRun           bool

	// Parsed by validateFrom.
	within   time.Duration
	expires  *expiry.Spec
	template *nametemplate.Template
	grace    time.Duration
}

// NewCmdRotate builds `axero token rotate`; runF, when set, runs instead of
// the command once the arguments are checked.
func NewCmdRotate(f *cmdutil.Factory, runF func(context.Context, *RotateOptions) error) *cobra.Command {
	opts := &RotateOptions{Factory: f}
	c := &cobra.Command{
		Use:   "rotate (ID|NAME | --from OLD --out NEW) [flags]",
		Short: "Replace a token (or every token of a bulk output) with a new one, then revoke the old one",
		Long: `Replace a token: mint a new one with the same name (and, without --expires,
the same lifetime as the old one, within the site's current policy), prove it
works with GET /api/users/me, store it wherever the old one was stored (any
profile whose keychain entry or file held the old token now holds the new
one), show it once as create does, and only then revoke the old one, unless
--keep-old.

If the proof fails, the new token is revoked and the old one is left
untouched. The steps run in that order so that an interruption at any point
leaves either the old token working or the new one delivered. As for create,
--jq is refused unless --out or --keychain keeps the new token.

On a terminal, a name that several tokens share, or no ID|NAME at all,
offers the tokens to choose from; elsewhere ID|NAME is needed.

` + rotateOneHelp + `

` + rotateFromHelp,
		Example: `  $ axero token rotate ci-deploy-prod
  $ axero token rotate 1017 --expires 90d --keep-old
  $ NEW=$(axero token rotate nightly-export)

  # Deliver the new token to a GitHub secret and a Vault entry, then revoke the old one
  $ axero token rotate ci-deploy --to github:acme/api#AXERO_TOKEN --to vault:secret/ci/axero#token
  $ axero token rotate ci-deploy --resume      # after fixing a sink that failed

  # Keep the old token for a week, then revoke every superseded token past its time
  $ axero token rotate ci-deploy --to vault:secret/ci/axero#token --grace 7d
  $ axero token revoke --superseded --yes

  # Renew every impersonation token a create-for-user run wrote
  $ axero token rotate --from tokens.jsonl --out renewed.jsonl
  renewed 3, copied unchanged 0, failed 0, old tokens revoked 3, elapsed 0.3s

  # Only those that expire within 30 days; the rest are copied into NEW
  $ axero token rotate --from tokens.jsonl --out renewed.jsonl --if-expiring-within 30d

  # Put each replacement at its user's Vault path; revoke an old token only once its path holds the new one
  $ axero token rotate --from tokens.jsonl --out renewed.jsonl --to 'vault:secret/axero/{{.UserName}}#token'`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: cmdutil.CompleteFirstToken(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Delivery.normalize(c)
			if c.Flags().Changed("from") || opts.From != "" {
				if err := opts.validateFrom(c, args); err != nil {
					return err
				}
				if runF != nil {
					return runF(c.Context(), opts)
				}
				return rotateFromRun(c.Context(), opts)
			}
			if len(args) == 0 && cmdutil.CanPick(f.IO) {
				args = []string{""} // no token named: a picker offers them (rotateOneRun)
			}
			if err := validateRotateOne(c, args, opts); err != nil {
				return err
			}
			opts.Token = args[0]
			if err := opts.Sinks.checkJQ(&opts.Delivery, "token rotate"); err != nil {
				return err
			}
			if err := opts.Delivery.Output.Validate(output.FormatTable, output.FormatJSON, output.FormatYAML); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			ctx, cancel, err := f.WithDeadline(c.Context())
			if err != nil {
				return err
			}
			defer cancel()
			return rotateRun(ctx, opts)
		},
	}
	// One token: one deadline. --from: the checks before the first record
	// get one, and each record its own (rotate_from.go).
	cmdutil.SelfDeadline(c)
	c.Flags().StringVar(&opts.Expires, "expires", "", "when the new token expires, `E` as for create: 90m, 12h, 30d, 26w, 1y, a date, an RFC 3339 time or never (default: the old token's lifetime, within the policy)")
	c.Flags().BoolVar(&opts.KeepOld, "keep-old", false, "do not revoke the old token")
	addDeliveryFlags(c, f, &opts.Delivery)
	addRotateFromFlags(c, opts)
	addSinkFlags(c, &opts.Sinks, true)
	c.Flags().Lookup("resume").Usage = "finish an unfinished rotation (of this token, or with --from the run whose output is --out)"
	c.Flags().Lookup("to").Usage += "; with --from, a template over each record's user, e.g. 'vault:secret/axero/{{.UserName}}#token'"
	c.Flags().Lookup("dry-run").Usage = "with --to, check every sink and stop; with --from, print the plan as CSV; nothing changes"
	output.AddFlags(c, &opts.Delivery.Output, output.FormatTable, output.FormatJSON, output.FormatYAML)
	_ = c.RegisterFlagCompletionFunc("expires", cmdutil.CompleteExpires(f))
	return c
}

func rotateRun(ctx context.Context, opts *RotateOptions) error {
	return rotateOneRun(ctx, opts)
}

// failureCode is 130 after Ctrl-C and 1 otherwise. Rotation failures carry
// their code explicitly so that the message saying which token is left
// where is printed even when interrupted.
func failureCode(ctx context.Context) int {
	if ctx.Err() != nil {
		return cmdutil.ExitInterrupted
	}
	return cmdutil.ExitFailure
}

// profilesHolding returns the profiles on site whose stored token is
// tokenID, by name.
func profilesHolding(cfg *config.Config, site string, tokenID int64) map[string]*config.Profile {
	out := map[string]*config.Profile{}
	for name, p := range cfg.Profiles {
		if p == nil || p.TokenID != tokenID || p.TokenStore == "" {
			continue
		}
		if !client.SameSite(p.URL, site) {
			continue
		}
		out[name] = p
	}
	return out
}
