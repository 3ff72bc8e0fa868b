package keychain

import "sync"

// Memory is an in-process Store for tests. The zero value is ready to use.
// Fail, when set, is returned by every call, to simulate a broken keychain.
// MaxSize, when positive, refuses longer secrets with ErrTooBig, as a
// platform keychain with a size limit does (Windows: 2560 bytes).
type Memory struct {
	mu      sync.Mutex
	secrets map[string]string
	Fail    error
	MaxSize int
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{} }

func (m *Memory) Get(account string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return "", m.Fail
	}
	s, ok := m.secrets[account]
	if !ok {
		return "", ErrNotFound
	}
	return s, nil
}

func (m *Memory) Set(account, secret string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return m.Fail
	}
	if m.MaxSize > 0 && len(secret) > m.MaxSize {
		return ErrTooBig
	}
	if m.secrets == nil {
		m.secrets = map[string]string{}
	}
	m.secrets[account] = secret
	return nil
}

func (m *Memory) Delete(account string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return m.Fail
	}
	if _, ok := m.secrets[account]; !ok {
		return ErrNotFound
	}
	delete(m.secrets, account)
	return nil
}

// Accounts returns the accounts that hold a secret, for assertions.
func (m *Memory) Accounts() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.secrets))
	for a := range m.secrets {
		out = append(out, a)
	}
	return out
}

// unavailable is a Store that refuses every call with the same cause.
type unavailable struct{ err *UnavailableError }

// Unavailable returns a Store whose every call fails with an
// *UnavailableError carrying cause.
func Unavailable(cause string) Store { return unavailable{&UnavailableError{Cause: cause}} }

func (u unavailable) Get(string) (string, error) { return "", u.err }
func (u unavailable) Set(string, string) error   { return u.err }
func (u unavailable) Delete(string) error        { return u.err }
