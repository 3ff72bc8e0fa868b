package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/credentials"
	"github.com/axero-cli/axero/internal/jwtinfo"
)

// LogoutOptions are the inputs of `axero logout`.
type LogoutOptions struct {
	Factory *cmdutil.Factory
	Revoke  bool
}

// NewCmdLogout builds `axero logout`; runF, when set, runs instead of the
// command so that tests can check the parsed options.
func NewCmdLogout(f *cmdutil.Factory, runF func(context.Context, *LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{Factory: f}
	c := &cobra.Command{
		Use:   "logout [--revoke]",
		Short: "Forget the profile's token; --revoke also revokes it on the server",
		Long: `Forget the token of the profile in use (--profile, AXERO_PROFILE, else
the default that axero auth switch chose, else "default"; with --url or
AXERO_URL, the profile logged in to that site): its OS keychain entry or
--insecure-storage file, and the profile. A profile that was the default
stops being it.

With --revoke the token is first revoked on the server, so that a copy of it
anywhere else stops working too. A token the server no longer knows (already
revoked) or no longer accepts (expired) is forgotten all the same. If the
server cannot be reached, nothing is forgotten, so that you can try again.`,
		Example: `  $ axero logout
  $ axero logout --profile ci --revoke`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return logoutRun(c.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.Revoke, "revoke", false, "revoke the token on the server before forgetting it")
	return c
}

func logoutRun(ctx context.Context, opts *LogoutOptions) error {
	f := opts.Factory
	// The profile in use is the one bound to the site in use: with
	// --url/AXERO_URL naming a site no profile is logged in to, which
	// profile to forget is not clear, so nothing is.
	b, err := f.Binding()
	if err != nil {
		return err
	}
	if b.Refusal != nil {
		return b.Refusal
	}
	name := b.Profile
	if err := config.ValidateProfileName(name); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	stored, ok := cfg.Profile(name)
	if !ok {
		return cmdutil.Exit(cmdutil.ExitAuth, fmt.Errorf("not logged in: there is no profile %q", name))
	}
	p := *stored

	revoked := ""
	if opts.Revoke {
		revoked, err = revokeProfileToken(ctx, f, name, &p)
		if err != nil {
			return err
		}
	}
	if err := f.Credentials().Forget(name, &p); err != nil {
		return fmt.Errorf("%w; profile %q was kept", err, name)
	}
	cfg.DeleteProfile(name)
	if err := cfg.Save(); err != nil {
		return err
	}
	if revoked != "" {
		fmt.Fprintln(f.IO.ErrOut, revoked)
	}
	fmt.Fprintf(f.IO.ErrOut, "Logged out of %s (profile %q)\n", p.URL, name)
	return nil
}

// revokeProfileToken revokes the profile's token on its own site (never on
// an --url/AXERO_URL override: the token belongs to the profile's site) and
// returns what to tell the user. It fails only when the token may still
// work and could not be revoked, so that nothing is forgotten that the user
// would still want to revoke.
func revokeProfileToken(ctx context.Context, f *cmdutil.Factory, name string, p *config.Profile) (string, error) {
	token, _, err := f.Credentials().Get(name, p)
	if errors.Is(err, cmdutil.ErrNotLoggedIn) {
		fmt.Fprintf(f.IO.ErrOut, "warning: profile %q holds no token, so there is nothing to revoke\n", name)
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cannot read the token to revoke it; nothing was changed: %w", err)
	}
	if err := credentials.CheckSite(name, p, token); err != nil {
		return "", fmt.Errorf("cannot revoke the token, so nothing was changed; run `axero logout` without --revoke to forget it: %w", err)
	}
	id := p.TokenID
	if info, err := jwtinfo.Decode(token); err == nil && info.TokenID != 0 {
		id = info.TokenID
	}
	if id == 0 {
		return "", errors.New("cannot tell which token to revoke: it carries no token ID (jti); nothing was changed. Revoke it in Axero, then run `axero logout` without --revoke")
	}
	c, err := f.ProfileClient(p, token)
	if err != nil {
		return "", err
	}
	err = c.RevokeToken(ctx, id)
	switch {
	case err == nil:
		return fmt.Sprintf("Revoked token %d", id), nil
	case client.IsNotFound(err):
		return fmt.Sprintf("Token %d was already revoked", id), nil
	case client.IsAuth(err):
		fmt.Fprintf(f.IO.ErrOut, "warning: the server refused the token (%v); it is probably expired or revoked already; forgetting it anyway\n", err)
		return "", nil
	}
	return "", fmt.Errorf("could not revoke token %d, so nothing was forgotten; try again, or run `axero logout` without --revoke: %w", id, err)
}
