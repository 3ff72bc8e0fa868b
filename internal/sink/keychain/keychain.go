// Package keychain is the sink `keychain:PROFILE`: the token becomes the
// credential of a profile of this CLI on the site in use, kept in the OS
// keychain, as `token create --keychain=PROFILE` does. A profile that
// exists keeps its other settings; one that does not is created with the
// site's settings (path overrides, plain http on loopback, CA file).
package keychain

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"

	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/credentials"
	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/sink"
	oskeychain "github.com/axero-cli/axero/keychain"
)

// Scheme is the sink's prefix, without the colon.
const Scheme = "keychain"

// Home is where the profile lives and which site the token is for.
type Home struct {
	// Credentials reads and writes the configuration and the keychain
	// (each call bounded by the keychain's timeout).
	Credentials *credentials.Credentials
	// Site is the profile in use, with --url and friends applied: its URL
	// is the site the token belongs to; its Paths, AllowHTTP and CAFile
	// (absolute) carry over to the profile; its User and UserID name the
	// user signed in, recorded when the token is theirs.
	Site config.Profile
}

// Sink is one keychain sink.
type Sink struct {
	profile string
	home    Home
}

var _ sink.Sink = (*Sink)(nil)

// Parse reads the part of `keychain:PROFILE` after the scheme: a profile
// name (letters, digits, '.', '_' and '-', starting with a letter or
// digit).
func Parse(spec string, _ sink.Env, home Home) (sink.Sink, error) {
	s := &Sink{profile: spec, home: home}
	if err := config.ValidateProfileName(spec); err != nil {
		return nil, sink.ParseError(s.String(), err)
	}
	return s, nil
}

// String is the sink as written.
func (s *Sink) String() string { return Scheme + ":" + s.profile }

// site is the URL of the site, without a trailing slash.
func (s *Sink) site() string { return strings.TrimRight(s.home.Site.URL, "/") }

// Check makes sure the profile can hold a token of this site (a profile
// of another site cannot) and that the keychain answers.
func (s *Sink) Check(context.Context) error {
	if s.site() == "" {
		return sink.Errorf(s.String(), "check", sink.Invalid, "no site to bind the profile to: log in or pass --url")
	}
	cfg, err := s.home.Credentials.Config()
	if err != nil {
		return sink.Errorf(s.String(), "check", sink.Failed, "%v", err)
	}
	if p, ok := cfg.Profile(s.profile); ok && strings.TrimRight(p.URL, "/") != s.site() {
		return sink.Errorf(s.String(), "check", sink.Invalid, "profile %q belongs to %s, not to %s; choose another profile name", s.profile, p.URL, s.site())
	}
	_, err = s.home.Credentials.Keychain().Get(oskeychain.Account(s.profile, s.site()))
	if err != nil && !errors.Is(err, oskeychain.ErrNotFound) {
		return sink.Errorf(s.String(), "check", sink.Failed, "%v", err)
	}
	return nil
}

// Put stores the token in the keychain and saves the profile that points
// at it. Storing the same token again is harmless.
func (s *Sink) Put(_ context.Context, v sink.Value) error {
	to := credentials.NewHolder{Site: s.home.Site}
	to.Site.URL = s.site()
	// The token names its user; a secret that is not a JWT keeps the
	// user the profile had.
	if info, err := jwtinfo.Decode(v.Secret); err == nil && info.UserID != 0 {
		to.UserID = info.UserID
	} else if cfg, err := s.home.Credentials.Config(); err == nil {
		if p, ok := cfg.Profile(s.profile); ok {
			to.UserID = p.UserID
		}
	}
	if to.UserID != 0 && to.UserID == s.home.Site.UserID {
		to.UserName = s.home.Site.User
	}
	held := credentials.Held{TokenID: v.TokenID, Name: v.Name, Expires: v.Expires}
	if err := s.home.Credentials.StoreInKeychainProfile(s.profile, to, held, v.Secret); err != nil {
		kind := sink.Failed
		if errors.Is(err, oskeychain.ErrTooBig) {
			kind = sink.Invalid
		}
		return sink.Errorf(s.String(), "put", kind, "%s", jwtinfo.Redact(strings.ReplaceAll(err.Error(), v.Secret, jwtinfo.Redacted)))
	}
	return nil
}

// Verify reads the profile and its keychain entry back: the profile
// records this token, and the keychain holds it.
func (s *Sink) Verify(_ context.Context, v sink.Value) error {
	cfg, err := s.home.Credentials.Config()
	if err != nil {
		return sink.Errorf(s.String(), "verify", sink.Failed, "%v", err)
	}
	p, ok := cfg.Profile(s.profile)
	if !ok {
		return sink.Errorf(s.String(), "verify", sink.Failed, "there is no profile %q", s.profile)
	}
	if p.TokenID != v.TokenID || p.TokenStore != config.StoreKeychain {
		return sink.Errorf(s.String(), "verify", sink.Failed, "profile %q records token %d, not %d", s.profile, p.TokenID, v.TokenID)
	}
	cp := *p
	got, _, err := s.home.Credentials.Get(s.profile, &cp)
	if err != nil {
		return sink.Errorf(s.String(), "verify", sink.Failed, "reading the token back: %v", err)
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(v.Secret))
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		return sink.Errorf(s.String(), "verify", sink.Failed, "the OS keychain does not hold the new token for profile %q", s.profile)
	}
	return nil
}

// Commit does nothing: the profile uses the token from Put on.
func (s *Sink) Commit(context.Context, sink.Value) error { return nil }
