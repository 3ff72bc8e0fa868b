package keychain

import "sync"

// Limited is an in-memory Store that, like a real keychain, refuses any
// secret longer than Limit bytes with a *TooBigError and leaves what the
// account held untouched. Command tests use it to prove that a token too
// large for the keychain is refused before anything is lost: e.g. that a
// rotation does not revoke the old token when the new one cannot be stored.
type Limited struct {
	Memory
	Limit int

	mu      sync.Mutex
	refused int
}

// NewLimited returns an empty Limited store. NewLimited(WindowsMaxSecret)
// behaves like Windows Credential Manager.
func NewLimited(limit int) *Limited { return &Limited{Limit: limit} }

// Set stores secret, or refuses it when it is longer than Limit.
func (l *Limited) Set(account, secret string) error {
	if len(secret) > l.Limit {
		l.mu.Lock()
		l.refused++
		l.mu.Unlock()
		return &TooBigError{Size: len(secret), Limit: l.Limit}
	}
	return l.Memory.Set(account, secret)
}

// Refused counts the secrets refused as too large, for assertions that a
// command did try to store before giving up.
func (l *Limited) Refused() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refused
}
