package keychain

import (
	"errors"
	"fmt"
	"os"
	"time"
)

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
