package cmdutil

import (
	"fmt"
	"strings"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/credentials"
	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/textsafe"
)

// Where the site in use comes from, as status and doctor report it.
const (
	SiteFromFlag    = "--url"
	SiteFromEnv     = "AXERO_URL"
	SiteFromProfile = "profile"
)

// Binding is the site a command talks to and the profile whose settings
// and stored token go with it. A stored token is bound to its profile's
// site: when --url or AXERO_URL names another site than the selected
// profile's, the profile logged in to that site is used instead, if there
// is exactly one and the selected profile was not named explicitly;
// otherwise Refusal says why no stored token may be sent there. AXERO_TOKEN is not bound: it goes wherever the site in use
// is, as the user who set both asked.
type Binding struct {
	// Site is the site in use: --url or AXERO_URL in canonical form, else
	// the profile's URL as stored; "" when none is known.
	Site     string
	SiteFrom string // SiteFromFlag, SiteFromEnv or SiteFromProfile
	// Profile is the profile in use, and Stored its configuration (nil
	// when the config has no such profile).
	Profile string
	Stored  *config.Profile
	// Switched: Site is another profile's site than the one selected
	// (--profile, AXERO_PROFILE or the default), so that profile is used.
	Switched bool
	// Refusal is why the stored token of no profile may be sent to Site;
	// nil when Stored's may (or there is none to send).
	Refusal *credentials.SiteError
}

// selectedProfile is the profile asked for before binding: --profile,
// else AXERO_PROFILE, else the configuration's default (`axero auth
// switch`), else "default". explicit is true for the first two. cfg may be
// nil.
func (f *Factory) selectedProfile(cfg *config.Config) (name string, explicit bool) {
	if f.ProfileFlag != "" {
		return f.ProfileFlag, true
	}
	if p := strings.TrimSpace(f.Getenv("AXERO_PROFILE")); p != "" {
		return p, true
	}
	if cfg != nil && cfg.DefaultProfile != "" {
		return cfg.DefaultProfile, false
	}
	return config.DefaultProfile, false
}

// Binding resolves the site in use and the profile that goes with it. It
// reads the configuration and checks --url/AXERO_URL (a usage error when
// malformed); it opens no keychain and sends nothing.
func (f *Factory) Binding() (*Binding, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	if err := f.CheckURL(); err != nil {
		return nil, err
	}
	name, explicit := f.selectedProfile(cfg)
	site, from := f.urlOverride(), SiteFromEnv
	if f.URLFlag != "" {
		from = SiteFromFlag
	}
	return bindSite(cfg, name, explicit, site, from), nil
}

// bindSite is the binding rule, on an already loaded configuration.
// override is --url or AXERO_URL ("" for none), from says which.
func bindSite(cfg *config.Config, name string, explicit bool, override, from string) *Binding {
	b := &Binding{Profile: name}
	b.Stored, _ = cfg.Profile(name)
	if override == "" {
		b.SiteFrom = SiteFromProfile
		if b.Stored != nil {
			b.Site = b.Stored.URL
		}
		return b
	}
	b.Site, b.SiteFrom = override, from
	if b.Stored == nil || client.SameSite(b.Stored.URL, override) {
		// Nothing is stored for the profile asked for (so there is no
		// stored token to misdirect, and login may create it for this
		// site), or it is this site's.
		return b
	}
	var onSite []string
	for _, n := range cfg.ProfileNames() {
		if p, _ := cfg.Profile(n); client.SameSite(p.URL, override) {
			onSite = append(onSite, n)
		}
	}
	refusal := &credentials.SiteError{Site: override, SiteFrom: from, Profile: name, ProfileSite: b.Stored.URL}
	switch {
	case !explicit && len(onSite) == 1:
		b.Profile, b.Stored, b.Switched = onSite[0], cfg.Profiles[onSite[0]], true
		return b
	case !explicit && len(onSite) > 1:
		refusal.Ambiguous = onSite
	case len(onSite) > 0:
		refusal.Suggest = onSite[0]
	}
	b.Refusal = refusal
	return b
}

// warnIfEnvTokenElsewhere says once, on stderr, that AXERO_TOKEN's iss
// names another site than the one in use. It only warns: a site may answer
// under two names, and whoever set both variables chose the pair.
func (f *Factory) warnIfEnvTokenElsewhere(token string) {
	info, err := jwtinfo.Decode(token)
	if err != nil || strings.TrimSpace(info.Issuer) == "" {
		return
	}
	b, err := f.Binding()
	if err != nil || b.Site == "" || client.SameSite(info.Issuer, b.Site) {
		return
	}
	from := b.SiteFrom
	if from == SiteFromProfile {
		from = fmt.Sprintf("profile %q", b.Profile)
	}
	f.issWarnOnce.Do(func() {
		fmt.Fprintf(f.IO.ErrOut, "warning: AXERO_TOKEN was issued by %s, but the site in use is %s (from %s); unless that is the same site under another name, the token is going to the wrong site\n",
			textsafe.Terminal(info.Issuer), textsafe.Terminal(b.Site), textsafe.Terminal(from))
	})
}
