// Package keychain keeps tokens in the OS keychain (macOS Keychain, Windows
// Credential Manager, the Secret Service on Linux) through go-keyring.
//
// PLACEHOLDER bodies: the keychain implementation replaces them; the exported
// API below is the contract other packages compile against.
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

// ErrTooBig: the platform refuses a secret that large.
var ErrTooBig = errors.New("the token is too large for this OS keychain")

// UnavailableError: no usable keychain (no D-Bus session, no Secret Service,
// locked collection, unsupported platform, timed out).
type UnavailableError struct{ Cause string }

func (e *UnavailableError) Error() string {
	return "the OS keychain is unavailable (" + e.Cause + "); use AXERO_TOKEN, --out FILE or --insecure-storage instead"
}

// Account names the keychain entry of a profile on a site.
func Account(profile, siteURL string) string { return profile + "@" + siteURL }

// System returns the OS keychain with each call bounded by timeout.
// AXERO_KEYCHAIN=off makes it always unavailable.
func System(timeout time.Duration) Store { return nil }
