// Package keychain keeps tokens in the OS keychain (macOS Keychain, Windows
// Credential Manager, the Secret Service on Linux) through go-keyring.
//
// go-keyring has no timeouts and reports a missing keychain through a zoo of
// unrelated errors, so this package bounds every call and turns every
// failure into one of three answers: ErrNotFound, ErrTooBig, or an
// *UnavailableError whose Cause is one short line a person can act on.
package keychain

import (
	"errors"
	"time"
)

// Service is the keychain service name under which axero stores tokens.
const Service = "axero"

// DefaultTimeout bounds each keychain call: long enough for a person to type
// a password at an unlock prompt, short enough that nothing hangs forever.
const DefaultTimeout = 60 * time.Second

// Store is the small surface axero needs from a keychain.
type Store interface {
	Get(account string) (string, error)
	Set(account, secret string) error
	Delete(account string) error
}

// ErrNotFound: no entry for that account.
var ErrNotFound = errors.New("no token in the OS keychain for this profile")

// ErrTooBig: the platform refuses a secret that large. Set returns a
// *TooBigError, which matches it and names the size and the limit.
var ErrTooBig = errors.New("the token is too large for this OS keychain; use --out or --insecure-storage")

// UnavailableError: no usable keychain (no D-Bus session, no Secret Service,
// locked collection, unsupported platform, timed out).
type UnavailableError struct{ Cause string }

func (e *UnavailableError) Error() string {
	return "the OS keychain is unavailable (" + e.Cause + "); use AXERO_TOKEN, --out FILE or --insecure-storage instead"
}

// IsUnavailable reports whether err says that there is no usable keychain.
func IsUnavailable(err error) bool {
	var u *UnavailableError
	return errors.As(err, &u)
}

// Account names the keychain entry of a profile on a site.
func Account(profile, siteURL string) string { return profile + "@" + siteURL }
