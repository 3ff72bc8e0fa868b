// Package credentials is the one place that knows where a profile's token
// lives and how to get, store and forget it there.
//
// A request uses AXERO_TOKEN when it is set, else the token of the profile
// in use: in the OS keychain under the entry "profile@site", or, after
// `login --insecure-storage`, in a 0600 file under the configuration
// directory. The profile's TokenStore field says which; the configuration
// itself never holds a token. A stored token is only ever sent to its
// profile's own site (see SiteError and CheckSite).
//
// Callers that replace a credential store the new secret first and only then
// change anything that cannot be undone (save the profile that points at it,
// revoke the token it replaces), so that a failure to store leaves the old
// credential working.
package credentials

import (
	"errors"
	"fmt"
	"strings"

	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/keychain"
)

// Sources of a token, as `status` reports them.
const (
	SourceEnv      = "env"                // AXERO_TOKEN
	SourceKeychain = config.StoreKeychain // the OS keychain
	SourceFile     = config.StoreFile     // login --insecure-storage
)

// EnvVar is the environment variable whose token overrides every profile's.
const EnvVar = "AXERO_TOKEN"

// ErrNotLoggedIn is returned when no token can be found for a request.
var ErrNotLoggedIn = errors.New("not logged in: run `axero login` or set AXERO_TOKEN")

// Credentials reads and writes tokens for profiles. Its fields are read on
// each call, so that a command that never needs a token never opens the
// keychain or reads the configuration.
type Credentials struct {
	// Getenv reads the environment (AXERO_TOKEN).
	Getenv func(string) string
	// Config loads the configuration: profiles and the token files.
	Config func() (*config.Config, error)
	// Keychain opens the OS keychain (or a test double).
	Keychain func() keychain.Store
}

// Location is where one profile's token lives. Two profiles, or two
// versions of one profile, share a token's storage exactly when their
// Locations are equal.
type Location struct {
	// Store is config.StoreKeychain, config.StoreFile or "" (nowhere).
	Store string
	// Key names the entry in Store: the keychain account
	// (keychain.Account) or the profile whose file holds the token.
	Key string
}

// Where says where profile name, as p describes it, keeps its token. The
// keychain entry is keyed by the URL the profile was saved with, never by
// an --url/AXERO_URL override that may be spelled differently.
func Where(name string, p *config.Profile) Location {
	switch p.TokenStore {
	case config.StoreKeychain:
		return Location{Store: config.StoreKeychain, Key: keychain.Account(name, p.URL)}
	case config.StoreFile:
		return Location{Store: config.StoreFile, Key: name}
	}
	return Location{}
}

// Env is the token in AXERO_TOKEN, if one is set.
func (c *Credentials) Env() (string, bool) {
	t := strings.TrimSpace(c.Getenv(EnvVar))
	return t, t != ""
}

// Get reads the token stored for profile name, as p describes it, and says
// where it came from (SourceKeychain or SourceFile). A token that is not
// there is ErrNotLoggedIn; a keychain that cannot be used is a
// *keychain.UnavailableError.
func (c *Credentials) Get(name string, p *config.Profile) (token, source string, err error) {
	loc := Where(name, p)
	switch loc.Store {
	case config.StoreKeychain:
		t, err := c.Keychain().Get(loc.Key)
		if errors.Is(err, keychain.ErrNotFound) {
			return "", "", ErrNotLoggedIn
		}
		if err != nil {
			return "", "", err
		}
		return t, SourceKeychain, nil
	case config.StoreFile:
		cfg, err := c.Config()
		if err != nil {
			return "", "", err
		}
		t, err := cfg.ReadFileToken(loc.Key)
		if errors.Is(err, config.ErrNoToken) {
			return "", "", ErrNotLoggedIn
		}
		if err != nil {
			return "", "", err
		}
		return t, SourceFile, nil
	}
	return "", "", ErrNotLoggedIn
}

// Store keeps token where p.TokenStore says, for profile name on p.URL,
// replacing what was there. It does not save the profile: callers store
// first and save the profile that points at the token afterwards, so that a
// profile never points at a token that is not there. The error is the
// keychain's or the file's own (keychain.ErrTooBig, *keychain.UnavailableError,
// ...), for the caller to put in context; it never holds the token.
func (c *Credentials) Store(name string, p *config.Profile, token string) error {
	loc := Where(name, p)
	switch loc.Store {
	case config.StoreKeychain:
		return c.Keychain().Set(loc.Key, token)
	case config.StoreFile:
		cfg, err := c.Config()
		if err != nil {
			return err
		}
		return cfg.WriteFileToken(loc.Key, token)
	}
	return fmt.Errorf("profile %q has no token store to keep a token in", name)
}

// Forget deletes the token stored for profile name, as p describes it. A
// token that is already gone is not an error; a keychain that cannot be
// reached is, since forgetting the profile would then leave the secret
// behind with nothing pointing at it.
func (c *Credentials) Forget(name string, p *config.Profile) error {
	loc := Where(name, p)
	switch loc.Store {
	case config.StoreKeychain:
		err := c.Keychain().Delete(loc.Key)
		if err != nil && !errors.Is(err, keychain.ErrNotFound) {
			return fmt.Errorf("cannot remove the token from the OS keychain: %w", err)
		}
	case config.StoreFile:
		cfg, err := c.Config()
		if err != nil {
			return err
		}
		return cfg.DeleteFileToken(loc.Key)
	}
	return nil
}

// ForgetReplaced deletes the token of old, an earlier version of profile
// name, when it lived somewhere that cur, the version that replaced it, does
// not: another site's keychain entry, or the file of an earlier
// --insecure-storage login. The token cur stored is never touched.
func (c *Credentials) ForgetReplaced(name string, old, cur *config.Profile) error {
	if Where(name, old) == Where(name, cur) {
		return nil
	}
	return c.Forget(name, old)
}
