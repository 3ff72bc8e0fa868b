package credentials

import (
	"fmt"
	"strings"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/jwtinfo"
)

// A stored token belongs to the site its profile logged in to, and is
// never sent anywhere else: not to a site that --url or AXERO_URL names,
// and not to its profile's site when the token itself says it was issued
// by another one. A token for an arbitrary site comes from AXERO_TOKEN.

// SiteError refuses to send a stored token to a site that is not its own.
// It is an authentication-class failure (exit 3): there is no credential
// for the site in use, as when nobody logged in.
type SiteError struct {
	Site     string // the site in use
	SiteFrom string // where Site came from: "--url" or "AXERO_URL"

	Profile     string // the profile whose stored token was refused
	ProfileSite string // that profile's own site
	// Issuer is set when the token's iss names another site than its
	// profile's: the token, not the site in use, is what does not fit.
	Issuer string
	// Suggest is a profile logged in to Site, when the chosen profile was
	// named explicitly (--profile, AXERO_PROFILE) and so not replaced.
	Suggest string
	// Ambiguous lists the profiles logged in to Site when there are
	// several, none of them chosen.
	Ambiguous []string
}

// Denied marks the error as a missing credential: exit 3.
func (e *SiteError) Denied() bool { return true }

func (e *SiteError) Error() string {
	const rule = "a stored token is only sent to its own site"
	switch {
	case e.Issuer != "":
		return fmt.Sprintf("the token stored for profile %q was issued by %s, not by its site %s, and %s: log in again with `axero --profile %s login`, or set AXERO_TOKEN",
			e.Profile, e.Issuer, e.ProfileSite, rule, e.Profile)
	case len(e.Ambiguous) > 1:
		return fmt.Sprintf("%s (from %s) is the site of profiles %s: choose one with --profile",
			e.Site, e.SiteFrom, quoteList(e.Ambiguous))
	case e.Suggest != "":
		return fmt.Sprintf("profile %q is logged in to %s, not to %s (from %s), and %s: pass --profile %s, which is logged in to %s, or set AXERO_TOKEN",
			e.Profile, e.ProfileSite, e.Site, e.SiteFrom, rule, e.Suggest, e.Site)
	}
	return fmt.Sprintf("no profile is logged in to %s (from %s); profile %q is logged in to %s, and %s: log in with `axero --profile %s login --url %s`, or set AXERO_TOKEN",
		e.Site, e.SiteFrom, e.Profile, e.ProfileSite, rule, ProfileNameFor(e.Site), e.Site)
}

// Problem says in a few words, for a `status` line about Site, why no
// stored token is used there.
func (e *SiteError) Problem() string {
	switch {
	case e.Issuer != "":
		return fmt.Sprintf("its token was issued by %s, not by this site: log in again", e.Issuer)
	case len(e.Ambiguous) > 1:
		return fmt.Sprintf("profiles %s are logged in to this site: choose one with --profile", quoteList(e.Ambiguous))
	case e.Suggest != "":
		return fmt.Sprintf("profile %q is logged in to %s: pass --profile %s", e.Profile, e.ProfileSite, e.Suggest)
	}
	return fmt.Sprintf("no profile is logged in to this site: run `axero --profile %s login --url %s`, or set AXERO_TOKEN", ProfileNameFor(e.Site), e.Site)
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// ProfileNameFor suggests a profile name for a site: its host, with the
// port after a dash, e.g. "intranet.example.com" or "127.0.0.1-41257".
func ProfileNameFor(site string) string {
	host := site
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	if i := strings.IndexByte(host, '/'); i >= 0 {
		host = host[:i]
	}
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '-'
	}, host)
	name = strings.Trim(name, "-.")
	if len(name) > config.MaxProfileNameLen {
		name = name[:config.MaxProfileNameLen]
	}
	if config.ValidateProfileName(name) != nil {
		return "NAME"
	}
	return name
}

// BindToSite records in p, whose site has just accepted token (login) or
// minted it (token create --keychain, rotate) under p.URL, the token's iss
// when that spells the site otherwise, so that CheckSite accepts that
// spelling for this token: a site may answer under two names.
func BindToSite(p *config.Profile, token string) {
	p.TokenIssuer = ""
	if iss := issuer(token); iss != "" && !client.SameSite(iss, p.URL) {
		p.TokenIssuer = iss
	}
}

// CheckSite refuses token, stored for profile name as p describes it, when
// its iss names another site than the profile's own: such a token would
// go to a site that never issued it. A token without iss (or that is not
// a JWT) is bound by where it is stored, which is keyed by the site.
func CheckSite(name string, p *config.Profile, token string) error {
	iss := issuer(token)
	if iss == "" || client.SameSite(iss, p.URL) || (p.TokenIssuer != "" && iss == p.TokenIssuer) {
		return nil
	}
	return &SiteError{Profile: name, ProfileSite: p.URL, Issuer: iss}
}

func issuer(token string) string {
	info, err := jwtinfo.Decode(token)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(info.Issuer)
}
