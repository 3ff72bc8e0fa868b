package keychain

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// ProbeAccount is the entry a Check looks up: nothing is ever stored
// under it, so finding nothing proves that the keychain answers.
const ProbeAccount = "axero-probe"

// Check reports whether s answers, before anything is asked of a user or
// minted on a server that would then need it: nil when a lookup works
// (finding nothing is fine), else the error that explains why not (an
// *UnavailableError for a keychain that is missing, locked or disabled).
// It takes as long as one call of s, which System bounds by its timeout.
func Check(s Store) error {
	_, err := s.Get(ProbeAccount)
	if err == nil || errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// Probe reports whether the OS keychain answers, whatever AXERO_KEYCHAIN
// says: nil when a lookup works (finding nothing is fine), else the
// *UnavailableError that explains why not. Tests use it to decide whether
// to run against the real keychain.
func Probe(timeout time.Duration) error {
	s := newBounded(goKeyring{}, timeout)
	_, err := s.Get(fmt.Sprintf("axero-probe-%d", os.Getpid()))
	if err == nil || errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
