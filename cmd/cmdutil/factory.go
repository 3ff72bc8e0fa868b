package cmdutil

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/buildinfo"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/credentials"
	"github.com/axero-cli/axero/internal/envflag"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/limit"
	"github.com/axero-cli/axero/internal/timefmt"
	"github.com/axero-cli/axero/keychain"
	"github.com/axero-cli/axero/output"
)

// Token sources, as `status` reports them.
const (
	SourceEnv      = credentials.SourceEnv      // AXERO_TOKEN
	SourceKeychain = credentials.SourceKeychain // the OS keychain
	SourceFile     = credentials.SourceFile     // login --insecure-storage
)

// Factory builds what commands need, lazily, so that a command that never
// talks to the server never reads the keychain, and tests can swap any part.
type Factory struct {
	IO *iostreams.IOStreams
	// Version is the version in the User-Agent and `axero --version`.
	Version string
	// Build is what `axero version` reports; New sets its Version.
	Build buildinfo.Info

	// Global flag values, filled by the root command.
	ProfileFlag string // --profile, else AXERO_PROFILE, else the config's default, else "default"
	URLFlag     string // --url, else AXERO_URL
	Timeout     time.Duration
	Debug       bool
	AllowHTTP   bool
	CAFileFlag  string // --ca-file, else AXERO_CA_FILE, else the profile's ca_file

	// Getenv reads the environment; tests replace it.
	Getenv func(string) string
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Keychain returns the keychain store; built on first use.
	Keychain func() keychain.Store
	// Transport, when set, is used by every client (tests).
	Transport http.RoundTripper
	// IdleConnsPerHost and Limiter, when set, are the connection pool and
	// the bound on requests in flight of every client built from now on:
	// a bulk run sets both from its --concurrency.
	IdleConnsPerHost int
	Limiter          limit.Limiter

	cfgOnce sync.Once
	cfg     *config.Config
	cfgErr  error

	warnOnce    sync.Once
	issWarnOnce sync.Once

	urlCanon string // --url or AXERO_URL as CheckURL accepted it
}

// New returns a Factory bound to the real process environment.
func New(version string) *Factory {
	f := &Factory{
		IO:      iostreams.System(),
		Version: version,
		Build:   buildinfo.Info{Version: version},
		Getenv:  os.Getenv,
		Now:     time.Now,
		Timeout: 30 * time.Second,
	}
	var ks keychain.Store
	var once sync.Once
	// AXERO_KEYCHAIN is read through Getenv when the keychain is first
	// used, so that a factory with an environment of its own (demo, tests)
	// decides for itself.
	f.Keychain = func() keychain.Store {
		once.Do(func() { ks = keychain.SystemSwitch(f.Getenv("AXERO_KEYCHAIN"), keychain.DefaultTimeout) })
		return ks
	}
	return f
}

// Config loads the configuration once, from the directory that
// AXERO_CONFIG_DIR (read through Getenv) or the OS names.
func (f *Factory) Config() (*config.Config, error) {
	f.cfgOnce.Do(func() {
		dir, err := config.DirFrom(f.Getenv)
		if err != nil {
			f.cfgErr = err
			return
		}
		f.cfg, f.cfgErr = config.Load(dir)
	})
	return f.cfg, f.cfgErr
}

// ProfileName is the profile in use: the one --profile, AXERO_PROFILE, the
// configuration's default or "default" selects, unless --url or AXERO_URL
// names the site of another profile, which is then used (see Binding).
func (f *Factory) ProfileName() string {
	if b, err := f.Binding(); err == nil {
		return b.Profile
	}
	cfg, _ := f.Config()
	name, _ := f.selectedProfile(cfg)
	return name
}

// Profile returns the profile in use (see Binding), with --url/AXERO_URL
// applied over its stored URL. The returned profile is a copy; ok is false
// when the config has no such profile (the copy then holds only the URL
// override).
func (f *Factory) Profile() (p config.Profile, ok bool, err error) {
	b, err := f.Binding()
	if err != nil {
		return p, false, err
	}
	if b.Stored != nil {
		p, ok = *b.Stored, true
	}
	if b.SiteFrom != SiteFromProfile {
		p.URL = b.Site
	}
	if f.AllowHTTP {
		p.AllowHTTP = true
	}
	return p, ok, nil
}

func (f *Factory) urlOverride() string {
	if f.urlCanon != "" {
		return f.urlCanon
	}
	if f.URLFlag != "" {
		return f.URLFlag
	}
	return strings.TrimSpace(f.Getenv("AXERO_URL"))
}

// SiteURL is the URL of the site in use, or an error that says how to set one.
func (f *Factory) SiteURL() (string, error) {
	p, _, err := f.Profile()
	if err != nil {
		return "", err
	}
	if p.URL == "" {
		return "", ErrNotLoggedIn
	}
	return strings.TrimRight(p.URL, "/"), nil
}

// Credentials gets, stores and forgets the tokens of this factory's
// profiles, with its environment, configuration and keychain.
func (f *Factory) Credentials() *credentials.Credentials {
	return &credentials.Credentials{
		Getenv:   func(k string) string { return f.Getenv(k) },
		Config:   f.Config,
		Keychain: func() keychain.Store { return f.Keychain() },
	}
}

// Token finds the token for a request: AXERO_TOKEN, else the token stored
// for the profile in use, which only ever goes to that profile's own site.
// A stored token that would go elsewhere (another site named by --url or
// AXERO_URL, or a token whose iss names another site) is refused with a
// *credentials.SiteError before anything is sent.
func (f *Factory) Token() (token, source string, err error) {
	creds := f.Credentials()
	if t, ok := creds.Env(); ok {
		f.warnIfEnvTokenElsewhere(t)
		return t, SourceEnv, nil
	}
	b, err := f.Binding()
	if err != nil {
		return "", "", err
	}
	if b.Refusal != nil {
		return "", "", b.Refusal
	}
	if b.Stored == nil {
		return "", "", ErrNotLoggedIn
	}
	p := *b.Stored
	token, source, err = creds.Get(b.Profile, &p)
	if err != nil {
		return "", "", err
	}
	if err := credentials.CheckSite(b.Profile, &p, token); err != nil {
		return "", "", err
	}
	return token, source, nil
}

// ClientConfig is the client configuration for the profile in use, without
// a token.
func (f *Factory) ClientConfig() (client.Config, error) {
	p, _, err := f.Profile()
	if err != nil {
		return client.Config{}, err
	}
	if p.URL == "" {
		return client.Config{}, ErrNotLoggedIn
	}
	cc := client.Config{
		BaseURL:   p.URL,
		Paths:     p.Paths,
		Timeout:   f.Timeout,
		AllowHTTP: p.AllowHTTP,
		UserAgent: "axero/" + f.Version,
		Transport: f.Transport,
		Network:   f.Network(&p),

		IdleConnsPerHost: f.IdleConnsPerHost,
		Limiter:          f.Limiter,
	}
	if f.Debug || envflag.Truthy(f.Getenv("AXERO_DEBUG")) {
		cc.Debug = f.IO.ErrOut
	}
	return cc, nil
}

// ProfileClientConfig is the client configuration for a stored profile
// that need not be the one in use (status checks every profile, logout
// revokes on the profile's own site), with the global settings (timeout,
// --debug, --allow-http) applied.
func (f *Factory) ProfileClientConfig(p *config.Profile, token string) client.Config {
	cc := client.Config{
		BaseURL:   p.URL,
		Token:     token,
		Paths:     p.Paths,
		Timeout:   f.Timeout,
		AllowHTTP: p.AllowHTTP || f.AllowHTTP,
		UserAgent: "axero/" + f.Version,
		Transport: f.Transport,
		Network:   f.Network(p),

		IdleConnsPerHost: f.IdleConnsPerHost,
	}
	if f.Debug || envflag.Truthy(f.Getenv("AXERO_DEBUG")) {
		cc.Debug = f.IO.ErrOut
	}
	return cc
}

// ProfileClient talks to a stored profile's own site with token.
func (f *Factory) ProfileClient(p *config.Profile, token string) (*client.Client, error) {
	return client.New(f.ProfileClientConfig(p, token))
}

// Client returns a client for the profile in use, authenticated with the
// token that Token finds. It warns once on stderr when that token expires
// within 7 days.
func (f *Factory) Client() (*client.Client, error) {
	cc, err := f.ClientConfig()
	if err != nil {
		return nil, err
	}
	tok, _, err := f.Token()
	if err != nil {
		return nil, err
	}
	cc.Token = tok
	c, err := client.New(cc)
	if err != nil {
		return nil, err
	}
	f.WarnIfExpiringSoon(tok)
	return c, nil
}

// ExpiryWarningWindow is how close to its expiry a token in use must be
// for commands to warn about it.
const ExpiryWarningWindow = output.ExpirySoon

// WarnIfExpiringSoon says once, on stderr, that the token in use expires
// within ExpiryWarningWindow, naming the command that rotates it (its jti
// is its TokenID). It decodes the JWT offline; a token it cannot decode is
// not warned about.
func (f *Factory) WarnIfExpiringSoon(token string) {
	info, err := jwtinfo.Decode(token)
	if err != nil || info.ExpiresAt == nil {
		return
	}
	exp, now := *info.ExpiresAt, f.Now()
	if exp.Sub(now) > ExpiryWarningWindow {
		return
	}
	rotate := "axero token rotate ID"
	if info.TokenID > 0 {
		rotate = fmt.Sprintf("axero token rotate %d", info.TokenID)
	}
	f.warnOnce.Do(func() {
		if exp.Before(now) {
			fmt.Fprintf(f.IO.ErrOut, "warning: the token in use expired on %s\n", exp.UTC().Format(time.RFC3339))
			return
		}
		fmt.Fprintf(f.IO.ErrOut, "warning: the token in use expires in %s (%s); rotate it with `%s`\n",
			timefmt.Duration(exp.Sub(now)), exp.UTC().Format(time.RFC3339), rotate)
	})
}

// CheckURL checks --url (or AXERO_URL) before the first request, so that a
// URL no request could use is a usage error (exit 2) rather than a failure
// found later. Profile calls it; commands that never use the site (version,
// sandbox) never do, so a stray AXERO_URL does not stop them. A bare host (intranet.example.com, host:8443) means https,
// as login has always taken it; the URL is then used in canonical form.
// Whether plain http is allowed is decided later, with the profile's
// settings at hand.
func (f *Factory) CheckURL() error {
	raw, what := f.URLFlag, "--url"
	if raw == "" {
		raw, what = strings.TrimSpace(f.Getenv("AXERO_URL")), "AXERO_URL"
	}
	if raw == "" || f.urlCanon != "" {
		return nil
	}
	full := raw
	if !strings.Contains(full, "://") {
		full = "https://" + full
	}
	u, err := client.ParseSiteURL(full, true)
	if err != nil {
		return FlagErrorf("%s: %v", what, err)
	}
	f.urlCanon = u.String()
	return nil
}
