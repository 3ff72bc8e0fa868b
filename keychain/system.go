package keychain

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// backend is the part of go-keyring that System uses; tests swap it for a
// fake that blocks or fails on demand.
type backend interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// goKeyring calls the package-level go-keyring functions, which use the
// platform's provider (or the mock after keyring.MockInit).
type goKeyring struct{}

func (goKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (goKeyring) Set(service, user, pw string) error       { return keyring.Set(service, user, pw) }
func (goKeyring) Delete(service, user string) error        { return keyring.Delete(service, user) }

// System returns the OS keychain with each call bounded by timeout.
// AXERO_KEYCHAIN=off makes it always unavailable.
func System(timeout time.Duration) Store {
	return SystemSwitch(os.Getenv("AXERO_KEYCHAIN"), timeout)
}

// SystemSwitch is System with the value of AXERO_KEYCHAIN given by the
// caller, which may read it from somewhere other than the process
// environment.
func SystemSwitch(value string, timeout time.Duration) Store {
	if disabled(value) {
		return Unavailable("disabled by AXERO_KEYCHAIN=off")
	}
	return newBounded(goKeyring{}, timeout)
}

// WithTimeout bounds each call of s by timeout the way System bounds the OS
// keychain: a call that does not return in time fails with an
// *UnavailableError, and every later call fails at once.
func WithTimeout(s Store, timeout time.Duration) Store {
	return newBounded(storeBackend{s}, timeout)
}

// storeBackend adapts a Store to the backend that bounded wraps.
type storeBackend struct{ s Store }

func (b storeBackend) Get(_, user string) (string, error) { return b.s.Get(user) }
func (b storeBackend) Set(_, user, pw string) error       { return b.s.Set(user, pw) }
func (b storeBackend) Delete(_, user string) error        { return b.s.Delete(user) }

func disabled(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "off", "0", "false", "no", "none", "disabled":
		return true
	}
	return false
}

// bounded runs each backend call in its own goroutine and gives up after
// timeout. A call that timed out may still be blocked (an unlock prompt
// nobody answers); later calls then fail at once with the same error rather
// than queueing up behind it, so that `axero status` over many profiles
// waits for the keychain once, not once per profile.
type bounded struct {
	b       backend
	timeout time.Duration

	mu      sync.Mutex
	stalled *UnavailableError
}

func newBounded(b backend, timeout time.Duration) *bounded {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &bounded{b: b, timeout: timeout}
}

type result struct {
	secret string
	err    error
}

func (s *bounded) call(fn func() (string, error)) (string, error) {
	s.mu.Lock()
	stalled := s.stalled
	s.mu.Unlock()
	if stalled != nil {
		return "", stalled
	}
	// Buffered, so that a call that finishes after the timeout does not
	// leave its goroutine blocked on the send forever.
	done := make(chan result, 1)
	go func() {
		secret, err := fn()
		done <- result{secret, err}
	}()
	timer := time.NewTimer(s.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.secret, classify(r.err)
	case <-timer.C:
		err := &UnavailableError{Cause: fmt.Sprintf("timed out after %s waiting for the keychain (is it locked?)", formatTimeout(s.timeout))}
		s.mu.Lock()
		s.stalled = err
		s.mu.Unlock()
		return "", err
	}
}

func (s *bounded) Get(account string) (string, error) {
	return s.call(func() (string, error) { return s.b.Get(Service, account) })
}

func (s *bounded) Set(account, secret string) error {
	_, err := s.call(func() (string, error) { return "", s.b.Set(Service, account, secret) })
	return err
}

func (s *bounded) Delete(account string) error {
	_, err := s.call(func() (string, error) { return "", s.b.Delete(Service, account) })
	return err
}

// formatTimeout prints whole seconds as "60s" rather than "1m0s".
func formatTimeout(d time.Duration) string {
	if d >= time.Second && d%time.Second == 0 {
		return fmt.Sprintf("%ds", int64(d/time.Second))
	}
	return d.String()
}
