package emulator

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/axero-cli/axero/client"
)

// The methods in this file are the emulator's Go API for tests: they hand
// out and take the client package's types, because the tests that call
// them pass those values on to the client's own code. They copy field by
// field and never through JSON, so nothing here touches the wire: what the
// emulator sends and reads is declared in wire.go.

// TokenState is everything the emulator knows about a token, for tests.
type TokenState struct {
	client.Token
	Hash      string // hex SHA-256 of the token value
	Revoked   bool
	RevokedAt time.Time
	// Delivered is false when the create's answer was dropped: the token
	// exists but nobody received its value.
	Delivered bool
}

// SeedToken returns the value of the seeded token of admin, siteadmin,
// jdoe or noapi, or "" when it was minted by an earlier process (a state
// file keeps only hashes).
func (s *Server) SeedToken(userName string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seedSecrets[userName]
}

// SeedTokensMinted reports whether this process minted the seed tokens
// (false when they were loaded from a state file).
func (s *Server) SeedTokensMinted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seedSecrets) > 0
}

// MintToken creates a token directly, bypassing the API and its policy: a
// fixture, e.g. an already expired token. expires nil means never;
// actorID 0 means not an impersonation token.
func (s *Server) MintToken(userID int64, name string, expires *time.Time, actorID int64) (client.CreatedToken, error) {
	s.mu.Lock()
	created := s.clock()
	if expires != nil {
		e := expires.UTC().Truncate(time.Second)
		expires = &e
		if !e.After(created) {
			// A token that is already expired was created before it expired.
			created = e.Add(-24 * time.Hour)
		}
	}
	ct, err := s.mintLocked(userID, name, created, expires, actorID)
	s.mu.Unlock()
	if err != nil {
		return client.CreatedToken{}, err
	}
	if err := s.persist(); err != nil {
		return client.CreatedToken{}, err
	}
	return client.CreatedToken{Token: ct.fixture(), Secret: ct.Token}, nil
}

// Tokens returns every token ever minted, revoked ones included, in ID
// order.
func (s *Server) Tokens() []TokenState {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]TokenState, 0, len(s.st.Tokens))
	for _, t := range s.st.Tokens {
		ts := TokenState{Token: t.public(now).fixture(), Hash: t.Hash, Revoked: t.Revoked, Delivered: !t.Undelivered}
		if t.RevokedAt != nil {
			ts.RevokedAt = *t.RevokedAt
		}
		out = append(out, ts)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TokenID < out[j].TokenID })
	return out
}

// TokenByHash returns the token whose value hashes to hash.
func (s *Server) TokenByHash(hash string) (TokenState, bool) {
	s.mu.Lock()
	t := s.st.tokensByHash[hash]
	s.mu.Unlock()
	if t == nil {
		return TokenState{}, false
	}
	for _, ts := range s.Tokens() {
		if ts.TokenID == t.TokenID {
			return ts, true
		}
	}
	return TokenState{}, false
}

// Users returns every user in ID order.
func (s *Server) Users() []client.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]client.User, 0, len(s.st.Users))
	for _, u := range s.st.Users {
		out = append(out, u.fixture())
	}
	return out
}

// UserByName finds a user by user name, ignoring case.
func (s *Server) UserByName(name string) (client.User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.usersByName[strings.ToLower(name)]
	if u == nil {
		return client.User{}, false
	}
	return u.fixture(), true
}

// AddUser adds a user (a fixture). noAPI makes its role lack REST API
// access.
func (s *Server) AddUser(u client.User, noAPI bool) error {
	s.mu.Lock()
	if u.UserID == 0 {
		u.UserID = s.st.NextUserID
	}
	if u.UserID >= s.st.NextUserID {
		s.st.NextUserID = u.UserID + 1
	}
	err := s.st.addUser(&userRec{wireUser: userOf(u), NoAPI: noAPI})
	if err == nil {
		s.st.touch()
	}
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	return s.persist()
}

// RequestCount counts the requests received with method (any when "")
// whose path starts with pathPrefix, faulted ones included.
func (s *Server) RequestCount(method, pathPrefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, c := range s.requests {
		m, p, _ := strings.Cut(k, " ")
		if (method == "" || strings.EqualFold(m, method)) && strings.HasPrefix(p, pathPrefix) {
			n += c
		}
	}
	return n
}

// Secrets returns every token value this process handed out, seed tokens
// included, when Options.RecordSecrets is set.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.secrets...)
}

// fixture is u as the client's type.
func (u *userRec) fixture() client.User {
	return client.User{
		UserID:         u.UserID,
		UserName:       u.UserName,
		DisplayName:    u.DisplayName,
		Email:          u.Email,
		IsSiteAdmin:    u.IsSiteAdmin,
		CanImpersonate: u.CanImpersonate,
	}
}

// userOf is a fixture user as the emulator stores it.
func userOf(u client.User) wireUser {
	return wireUser{
		UserID:         u.UserID,
		UserName:       u.UserName,
		DisplayName:    u.DisplayName,
		Email:          u.Email,
		IsSiteAdmin:    u.IsSiteAdmin,
		CanImpersonate: u.CanImpersonate,
	}
}

// fixture is t as the client's type.
func (t wireToken) fixture() client.Token {
	out := client.Token{
		TokenID:         t.TokenID,
		Name:            t.Name,
		UserID:          t.UserID,
		DateCreated:     client.Time{Time: time.Time(t.DateCreated)},
		IsImpersonation: t.IsImpersonation,
		CreatedByUserID: t.CreatedByUserID,
		Status:          t.Status,
	}
	if t.ExpirationDate != nil {
		out.ExpirationDate = &client.Time{Time: time.Time(*t.ExpirationDate)}
	}
	if t.LastUsedDate != nil {
		out.LastUsedDate = &client.Time{Time: time.Time(*t.LastUsedDate)}
	}
	return out
}
