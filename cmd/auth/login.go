package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/credentials"
	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/keychain"
)

// LoginOptions are the inputs of `axero login`.
type LoginOptions struct {
	Factory         *cmdutil.Factory
	WithToken       bool // read the token from stdin
	InsecureStorage bool // keep the token in a 0600 file instead of the keychain
}

// NewCmdLogin builds `axero login`; runF, when set, runs instead of the
// command so that tests can check the parsed options.
func NewCmdLogin(f *cmdutil.Factory, runF func(context.Context, *LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{Factory: f}
	c := &cobra.Command{
		Use:   "login [--url URL] [--with-token] [--insecure-storage]",
		Short: "Verify a bearer token and keep it in the OS keychain",
		Long: `Log in to an Axero site with a bearer token you created in Axero.

The token is read from a hidden prompt on a terminal, or from stdin with
--with-token; never from an argument, where other users could see it in the
process list and it would end up in your shell history. It is checked with
GET /api/users/me; only a token the server accepts is kept.

The site URL comes from --url, AXERO_URL, or the profile's earlier login.
The profile (--profile, AXERO_PROFILE, else the default that axero auth
switch chose, else "default") records the site and the user; the token
itself goes to the OS keychain. Where there is none (a
headless Linux host has no Secret Service), --insecure-storage keeps it in a
file with mode 0600 under the configuration directory instead, unencrypted;
in CI, prefer setting AXERO_TOKEN and not logging in at all. Login checks the
keychain before it asks for the token: at a terminal it then offers that
file (the default is no); with --with-token it stops without reading stdin
and says what to add (exit 1).

A site whose certificate comes from a private certificate authority needs
that authority's PEM bundle: login --ca-file PATH checks the token with it
and records its absolute path in the profile (ca_file), so that later
commands trust it without the flag.`,
		Example: `  $ axero login --url https://intranet.example.com
  $ axero login --url https://intranet.example.com --with-token < token.txt
  $ pass show axero/ci | axero login --profile ci --with-token
  $ axero login --with-token --insecure-storage < token.txt
  $ axero login --url https://intranet.corp.example --ca-file /etc/ssl/corp-root.pem`,
		Args: func(c *cobra.Command, args []string) error {
			// Cobra's own message would repeat the argument, which may
			// well be a token pasted in the wrong place.
			if len(args) > 0 {
				return cmdutil.FlagErrorf("login takes no arguments, and a token is never passed as an argument: paste it at the prompt, or pipe it in with --with-token")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return loginRun(c.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.WithToken, "with-token", false, "read the token from stdin")
	c.Flags().BoolVar(&opts.InsecureStorage, "insecure-storage", false, "keep the token unencrypted in a 0600 file instead of the OS keychain")
	return c
}

func loginRun(ctx context.Context, opts *LoginOptions) error {
	f := opts.Factory
	name := f.ProfileName()
	if err := config.ValidateProfileName(name); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	prof, _, err := f.Profile()
	if err != nil {
		return err
	}
	site, err := normalizeSiteURL(prof.URL)
	if err != nil {
		return err
	}
	if site == "" {
		return cmdutil.FlagErrorf("no site to log in to: pass --url URL (e.g. https://intranet.example.com) or set AXERO_URL")
	}

	// Whether the token can be read, and then kept, is known before anyone
	// is asked for it: a token read and then refused is a token pasted
	// for nothing.
	if err := canReadLoginToken(f.IO, opts.WithToken); err != nil {
		return err
	}
	if !opts.InsecureStorage {
		if opts.InsecureStorage, err = keychainOrFile(f, cfg.FileTokenPath(name), opts.WithToken); err != nil {
			return err
		}
	}

	token, err := readLoginToken(ctx, f.IO, opts.WithToken)
	if err != nil {
		return err
	}
	// The time taken to paste a token is not the server's: --timeout
	// starts again once it is read.
	ctx, cancel := f.RestartDeadline(ctx)
	defer cancel()

	me, err := verifyToken(ctx, f, prof, site, token)
	if err != nil {
		return err
	}

	newProf := loginProfile(prof, site, me, token)
	if f.CAFileFlag != "" {
		// Only an explicit --ca-file is recorded: AXERO_CA_FILE stays a
		// setting of the environment it is set in.
		if newProf.CAFile, err = f.AbsCAFile(nil); err != nil {
			return fmt.Errorf("--ca-file: %w", err)
		}
	}
	newProf.TokenStore = config.StoreKeychain
	if opts.InsecureStorage {
		newProf.TokenStore = config.StoreFile
	}
	var old *config.Profile
	if p, ok := cfg.Profile(name); ok {
		cp := *p
		old = &cp
	}
	// The secret is stored before the profile that points at it, so that
	// a failure leaves the previous login as it was or fully replaced.
	creds := f.Credentials()
	if err := storeLoginToken(creds, name, newProf, token); err != nil {
		return err
	}
	cfg.SetProfile(name, newProf)
	if err := cfg.Save(); err != nil {
		_ = creds.Forget(name, newProf)
		if old != nil {
			cfg.SetProfile(name, old)
		} else {
			cfg.DeleteProfile(name)
		}
		return err
	}
	if old != nil {
		// The previous login's secret goes when it lived somewhere this
		// one did not overwrite. A failure is ignored: the new login is
		// complete, and logout would meet the same keychain.
		_ = creds.ForgetReplaced(name, old, newProf)
	}

	if newProf.TokenStore == config.StoreFile {
		fmt.Fprintf(f.IO.ErrOut, "warning: the token is stored unencrypted in %s (mode 0600); anyone who can read that file can act as %s\n",
			cfg.FileTokenPath(name), textsafe.Terminal(me.UserName))
	}
	fmt.Fprintf(f.IO.ErrOut, "Logged in to %s as %s\n", textsafe.Terminal(site), textsafe.Terminal(describeUser(me)))
	if strings.TrimSpace(f.Getenv("AXERO_TOKEN")) != "" {
		fmt.Fprintln(f.IO.ErrOut, "warning: AXERO_TOKEN is set; it takes precedence over the token stored for this profile")
	}
	return nil
}

// normalizeSiteURL accepts what people paste: a bare host gets https://, and
// a trailing slash or /api is dropped, since the site URL is the part
// before /api.
func normalizeSiteURL(raw string) (string, error) {
	u := strings.TrimSpace(raw)
	if u == "" {
		return "", nil
	}
	if !strings.Contains(u, "://") {
		u = "https://" + u
	}
	u = strings.TrimRight(u, "/")
	if strings.HasSuffix(strings.ToLower(u), "/api") {
		u = strings.TrimRight(u[:len(u)-len("/api")], "/")
	}
	if strings.ContainsAny(u, " \t\r\n") {
		return "", cmdutil.FlagErrorf("invalid site URL %q", raw)
	}
	return u, nil
}

// verifyToken asks the site who the token belongs to. A token the server
// refuses is an authentication error (exit 3); its message says when the
// JWT expired if it did, since that is the usual reason.
func verifyToken(ctx context.Context, f *cmdutil.Factory, prof config.Profile, site, token string) (*client.User, error) {
	target := prof
	target.URL = site
	c, err := f.ProfileClient(&target, token)
	if err != nil {
		return nil, err
	}
	me, err := c.Me(ctx)
	if err != nil {
		if client.KindOf(err) == client.KindUnauthorized {
			if exp, ok := jwtinfo.Expiry(token); ok && exp.Before(f.Now()) {
				return nil, fmt.Errorf("the token expired on %s; nothing was stored: %w", exp.UTC().Format(time.RFC3339), err)
			}
		}
		if client.IsAuth(err) {
			return nil, fmt.Errorf("the token was not accepted; nothing was stored: %w", err)
		}
		return nil, err
	}
	return me, nil
}

// loginProfile is the profile to save: the site and user just verified, the
// token's metadata from its claims, and the site settings (endpoint paths,
// plain http) of the profile in use.
func loginProfile(prof config.Profile, site string, me *client.User, token string) *config.Profile {
	p := &config.Profile{
		URL:       site,
		User:      me.UserName,
		UserID:    me.UserID,
		AllowHTTP: prof.AllowHTTP,
		Paths:     prof.Paths,
		CAFile:    prof.CAFile,
	}
	if info, err := jwtinfo.Decode(token); err == nil {
		p.TokenID = info.TokenID
		p.TokenName = info.Name
		p.TokenExpires = info.ExpiresAt
	}
	// The site has just accepted the token under this URL.
	credentials.BindToSite(p, token)
	return p
}

// storeLoginToken keeps the token where p.TokenStore says: the keychain,
// or a 0600 file with --insecure-storage. Its errors say that nothing was
// stored and what to do instead.
func storeLoginToken(creds *credentials.Credentials, name string, p *config.Profile, token string) error {
	err := creds.Store(name, p, token)
	var unavailable *keychain.UnavailableError
	switch {
	case err == nil:
		return nil
	case p.TokenStore == config.StoreFile:
		return fmt.Errorf("cannot store the token: %w", err)
	case errors.As(err, &unavailable):
		return fmt.Errorf("cannot store the token: the OS keychain is unavailable (%s); nothing was stored. Pass --insecure-storage to keep it in a 0600 file, or set AXERO_TOKEN instead of logging in", unavailable.Cause)
	case errors.Is(err, keychain.ErrTooBig):
		return fmt.Errorf("cannot store the token: it is too large for this OS keychain; nothing was stored. Pass --insecure-storage to keep it in a 0600 file, or set AXERO_TOKEN instead of logging in")
	}
	return fmt.Errorf("cannot store the token in the OS keychain: %w", err)
}

// keychainOrFile checks that the OS keychain answers, within the
// keychain's timeout, before the token is read. When it does not, a person
// at the token prompt may choose the 0600 file at path instead (the
// default is no); with --with-token login stops here, without reading
// stdin, and says what to add. It reports whether the file was chosen.
func keychainOrFile(f *cmdutil.Factory, path string, withToken bool) (file bool, err error) {
	err = keychain.Check(f.Keychain())
	if err == nil {
		return false, nil
	}
	var unavailable *keychain.UnavailableError
	if !errors.As(err, &unavailable) {
		return false, fmt.Errorf("cannot use the OS keychain (%w); nothing was read or stored. Pass --insecure-storage to keep the token in a 0600 file, or set AXERO_TOKEN instead of logging in", err)
	}
	ios := f.IO
	if withToken {
		return false, fmt.Errorf("the OS keychain is unavailable (%s); nothing was read or stored. Add --insecure-storage to keep the token in %s (mode 0600), or set AXERO_TOKEN instead of logging in", unavailable.Cause, path)
	}
	fmt.Fprintf(ios.ErrOut, "The OS keychain is unavailable (%s).\n", textsafe.Terminal(unavailable.Cause))
	yes, err := cmdutil.Confirm(ios, fmt.Sprintf("Keep the token unencrypted in %s (mode 0600) instead? [y/N] ", textsafe.Terminal(path)))
	if err != nil {
		return false, err
	}
	if !yes {
		return false, fmt.Errorf("nothing was stored: without the OS keychain, pass --insecure-storage to keep the token in %s (mode 0600), or set AXERO_TOKEN instead of logging in", path)
	}
	return true, nil
}

// describeUser is "Jane Doe (jdoe)", or just the user name.
func describeUser(u *client.User) string {
	switch {
	case u.DisplayName != "" && u.UserName != "" && u.DisplayName != u.UserName:
		return u.DisplayName + " (" + u.UserName + ")"
	case u.UserName != "":
		return u.UserName
	case u.DisplayName != "":
		return u.DisplayName
	}
	return fmt.Sprintf("UserID %d", u.UserID)
}
