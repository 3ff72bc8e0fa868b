package token

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/credentials"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/nametemplate"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/output"
)

// RotateOptions are the inputs of `axero token rotate`.
type RotateOptions struct {
	Factory  *cmdutil.Factory
	Token    string // ID or exact name of the token to replace
	Expires  string
	KeepOld  bool
	Delivery TokenDelivery // its Out is NEW with --from

	// Many tokens: a bulk renewal (rotate_from.go).
	From             string
	IfExpiringWithin string
	NameTemplate     string
	Concurrency      int
	Resume           bool
	DryRun           bool

	// Parsed by validateFrom.
	within   time.Duration
	expires  *expiry.Spec
	template *nametemplate.Template
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

` + rotateFromHelp,
		Example: `  $ axero token rotate ci-deploy-prod
  $ axero token rotate 1017 --expires 90d --keep-old
  $ NEW=$(axero token rotate nightly-export)

  # Renew every impersonation token a create-for-user run wrote
  $ axero token rotate --from tokens.jsonl --out renewed.jsonl
  renewed 3, copied unchanged 0, failed 0, old tokens revoked 3, elapsed 0.3s

  # Only those that expire within 30 days; the rest are copied into NEW
  $ axero token rotate --from tokens.jsonl --out renewed.jsonl --if-expiring-within 30d`,
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
				args = []string{""} // no token named: a picker offers them (rotateRun)
			}
			if err := validateSingleRotate(c, args); err != nil {
				return err
			}
			opts.Token = args[0]
			if err := opts.Delivery.checkSecretOutput("token rotate"); err != nil {
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
	output.AddFlags(c, &opts.Delivery.Output, output.FormatTable, output.FormatJSON, output.FormatYAML)
	_ = c.RegisterFlagCompletionFunc("expires", cmdutil.CompleteExpires(f))
	return c
}

func rotateRun(ctx context.Context, opts *RotateOptions) error {
	f := opts.Factory
	ios := f.IO
	now := f.Now()
	var spec expiry.Spec
	if opts.Expires != "" {
		s, err := expiry.Parse(opts.Expires, now)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		spec = s
	}
	c, err := f.Client()
	if err != nil {
		return err
	}
	mine, err := cmdutil.ListTokens(ctx, c, "")
	if err != nil {
		return err
	}
	picked, err := f.PickToken(ctx, c, mine, opts.Token, cmdutil.TokenPick{Verb: "rotate"})
	defer picked.Done()
	if err != nil {
		return err
	}
	old, ctx := picked.Token, picked.Ctx
	policy, err := c.Policy(ctx)
	if err != nil {
		return err
	}
	if opts.Expires == "" {
		spec = expiry.FromToken(old, now).Clamp(now, policy)
	}
	minutes, err := spec.Minutes(now, policy)
	if err != nil {
		return err
	}

	site, err := f.SiteURL()
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	holders := profilesHolding(cfg, site, old.TokenID)
	d := opts.Delivery
	if d.Keychain {
		target := d.profileFor(old.Name)
		if _, isHolder := holders[target]; isHolder {
			// The profile holds the old token: replacing its credential is
			// the point of the rotation, and the delivery does it.
			delete(holders, target)
			d.replaceProfile = true
		}
	}
	if err := d.Preflight(f, old.Name); err != nil {
		return err
	}

	// 1. Mint the replacement. Until it is delivered, the old token is
	// untouched and keeps working.
	req := client.CreateTokenRequest{Name: old.Name, ExpiresInMinutes: minutes}
	// The tokens listed before minting (the old one among them) are never
	// taken for the orphan of a lost answer.
	m := withExisting(selfMint(c, req, ios.ErrOut), mine)
	if old.IsImpersonation {
		if m, err = snapshot(ctx, userMint(c, old.UserID, req, ios.ErrOut)); err != nil {
			return err
		}
	}
	ct, err := mintReconciled(ctx, m)
	if err != nil {
		return err
	}

	// 2. Prove it works. A replacement that does not is revoked at once.
	if err := proveToken(ctx, c, ct, old.UserID); err != nil {
		return revokeFailedReplacement(ctx, c, ct, old, err)
	}

	// 3. Store it wherever the old one was stored, then show it once.
	// From here on the new token is delivered.
	updated, holderErr := replaceInProfiles(f, cfg, holders, ct)
	for _, name := range updated {
		fmt.Fprintf(ios.ErrOut, "Profile %q now holds the new token %d.\n", name, ct.TokenID)
	}
	if err := deliverToken(f, ct, d); err != nil {
		return keepOld(old, err)
	}
	if holderErr != nil {
		return keepOld(old, holderErr)
	}

	// 4. Retire the old token.
	if opts.KeepOld {
		fmt.Fprintf(ios.ErrOut, "Kept the old token %d; revoke it with `axero token revoke %d` once nothing uses it.\n", old.TokenID, old.TokenID)
		return nil
	}
	if err := c.RevokeToken(ctx, old.TokenID); err != nil && !client.IsNotFound(err) {
		return cmdutil.Exit(failureCode(ctx), fmt.Errorf("the new token %d is delivered, but revoking the old token %d failed (%v); revoke it with `axero token revoke %d`", ct.TokenID, old.TokenID, err, old.TokenID)) //nolint:errorlint // not wrapped on purpose: a wrapped context.Canceled would shrink the message to "interrupted", and it must say which token is left where
	}
	fmt.Fprintf(ios.ErrOut, "Revoked the old token %d.\n", old.TokenID)
	if tok, source, err := f.Token(); err == nil && source == cmdutil.SourceEnv {
		if info, err := jwtinfo.Decode(tok); err == nil && info.TokenID == old.TokenID {
			fmt.Fprintln(ios.ErrOut, "! AXERO_TOKEN still holds the old token, which no longer works: replace it with the new one.")
		}
	}
	return nil
}

// proveToken checks that the new token authenticates as the old token's
// user, with GET users/me.
func proveToken(ctx context.Context, c *client.Client, ct *client.CreatedToken, userID int64) error {
	me, err := c.WithToken(ct.Secret).Me(ctx)
	if err != nil {
		return err
	}
	if userID != 0 && me.UserID != userID {
		return fmt.Errorf("it authenticates as user %d, not %d", me.UserID, userID)
	}
	return nil
}

// revokeFailedReplacement revokes a new token that failed its proof. It
// uses a context of its own so that it still runs after Ctrl-C.
func revokeFailedReplacement(ctx context.Context, c *client.Client, ct *client.CreatedToken, old client.Token, proofErr error) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reconcile.CleanupTimeout)
	defer cancel()
	if err := c.RevokeToken(cctx, ct.TokenID); err != nil && !client.IsNotFound(err) {
		return cmdutil.Exit(failureCode(ctx), fmt.Errorf("the new token %d did not work (%v), and revoking it failed too (%v): revoke it with `axero token revoke %d`; the old token %d is untouched", ct.TokenID, proofErr, err, ct.TokenID, old.TokenID)) //nolint:errorlint // not wrapped on purpose: a wrapped context.Canceled would shrink the message to "interrupted", and it must say which token is left where
	}
	return cmdutil.Exit(failureCode(ctx), fmt.Errorf("the new token %d did not work (%v), so it was revoked; the old token %d is untouched", ct.TokenID, proofErr, old.TokenID)) //nolint:errorlint // not wrapped on purpose: a wrapped context.Canceled would shrink the message to "interrupted", and it must say which token is left where
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

// keepOld wraps a storage failure after the new token was shown: the old
// token is not revoked, since something may still depend on it.
func keepOld(old client.Token, err error) error {
	return cmdutil.Exit(cmdutil.ExitFailure, fmt.Errorf("%v; the old token %d was not revoked", cmdutil.Message(err), old.TokenID))
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

// replaceInProfiles stores the new token where each holder keeps its token
// (keychain or file) and records it in the profile. A holder whose store
// fails keeps its old token and profile; the caller then keeps the old
// token unrevoked. It returns the profiles updated,
// in name order, and an error naming those that could not be.
func replaceInProfiles(f *cmdutil.Factory, cfg *config.Config, holders map[string]*config.Profile, ct *client.CreatedToken) ([]string, error) {
	names := make([]string, 0, len(holders))
	for name := range holders {
		names = append(names, name)
	}
	sort.Strings(names)
	creds := f.Credentials()
	var updated, failed []string
	for _, name := range names {
		p := holders[name]
		if err := creds.Store(name, p, ct.Secret); err != nil {
			failed = append(failed, fmt.Sprintf("profile %q: %v", name, err))
			continue
		}
		credentials.SetHeld(p, p.TokenStore, heldToken(ct), ct.Secret)
		updated = append(updated, name)
	}
	if len(updated) > 0 {
		if err := cfg.Save(); err != nil {
			failed = append(failed, "saving the config: "+err.Error())
		}
	}
	if len(failed) > 0 {
		return updated, fmt.Errorf("could not store the new token in %s", strings.Join(failed, "; "))
	}
	return updated, nil
}
