package emulator

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// First IDs. Token IDs live in a range far from user IDs so that a client
// that confuses the two fails loudly instead of hitting the wrong object.
const (
	firstGeneratedUserID = 1001
	firstTokenID         = 100001
)

// userRec is a user plus what the emulator needs to know about its role.
type userRec struct {
	wireUser
	NoAPI bool `json:"NoAPI,omitempty"` // the role has no REST API access
}

// tokenRec is what the server stores about a token: never its value.
type tokenRec struct {
	TokenID         int64      `json:"TokenID"`
	Name            string     `json:"Name"`
	UserID          int64      `json:"UserID"`
	DateCreated     time.Time  `json:"DateCreated"`
	ExpirationDate  *time.Time `json:"ExpirationDate,omitempty"`
	LastUsedDate    *time.Time `json:"LastUsedDate,omitempty"`
	IsImpersonation bool       `json:"IsImpersonation"`
	CreatedByUserID int64      `json:"CreatedByUserID"`
	Hash            string     `json:"Hash"`
	Revoked         bool       `json:"Revoked,omitempty"`
	RevokedAt       *time.Time `json:"RevokedAt,omitempty"`
	Undelivered     bool       `json:"Undelivered,omitempty"`
}

// state is everything the server remembers; it is what the state file holds.
type state struct {
	Version     int         `json:"Version"`
	URL         string      `json:"URL,omitempty"`
	SigningKey  []byte      `json:"SigningKey"`
	Users       []*userRec  `json:"Users"`
	Tokens      []*tokenRec `json:"Tokens"`
	NextUserID  int64       `json:"NextUserID"`
	NextTokenID int64       `json:"NextTokenID"`
	Generated   int         `json:"Generated"` // how many user0001.. users exist

	// Indexes, rebuilt after loading.
	usersByID    map[int64]*userRec
	usersByName  map[string]*userRec // lower-cased user name
	usersByMail  map[string]*userRec // lower-cased email
	tokensByID   map[int64]*tokenRec
	tokensByHash map[string]*tokenRec
	tokensByUser map[int64][]*tokenRec

	// generation counts changes, so that the saver knows what is on disk.
	generation uint64
}

// touch records a change that the state file must receive.
func (st *state) touch() { st.generation++ }

func newState(key []byte) *state {
	st := &state{
		Version:     1,
		SigningKey:  key,
		NextUserID:  firstGeneratedUserID,
		NextTokenID: firstTokenID,
	}
	st.reindex()
	return st
}

func (st *state) reindex() {
	st.usersByID = make(map[int64]*userRec, len(st.Users))
	st.usersByName = make(map[string]*userRec, len(st.Users))
	st.usersByMail = make(map[string]*userRec, len(st.Users))
	for _, u := range st.Users {
		st.indexUser(u)
	}
	st.tokensByID = make(map[int64]*tokenRec, len(st.Tokens))
	st.tokensByHash = make(map[string]*tokenRec, len(st.Tokens))
	st.tokensByUser = map[int64][]*tokenRec{}
	for _, t := range st.Tokens {
		st.indexToken(t)
	}
}

func (st *state) indexUser(u *userRec) {
	st.usersByID[u.UserID] = u
	st.usersByName[strings.ToLower(u.UserName)] = u
	if u.Email != "" {
		st.usersByMail[strings.ToLower(u.Email)] = u
	}
}

func (st *state) indexToken(t *tokenRec) {
	st.tokensByID[t.TokenID] = t
	st.tokensByHash[t.Hash] = t
	st.tokensByUser[t.UserID] = append(st.tokensByUser[t.UserID], t)
}

func (st *state) addUser(u *userRec) error {
	if _, dup := st.usersByID[u.UserID]; dup {
		return fmt.Errorf("user ID %d already exists", u.UserID)
	}
	if _, dup := st.usersByName[strings.ToLower(u.UserName)]; dup {
		return fmt.Errorf("user name %q already exists", u.UserName)
	}
	st.Users = append(st.Users, u)
	sort.Slice(st.Users, func(i, j int) bool { return st.Users[i].UserID < st.Users[j].UserID })
	st.indexUser(u)
	return nil
}

// generateUsers makes sure that at least n generated users exist.
func (st *state) generateUsers(n int) {
	for st.Generated < n {
		st.Generated++
		i := st.Generated
		id := st.NextUserID
		st.NextUserID++
		u := &userRec{wireUser: wireUser{
			UserID:      id,
			UserName:    fmt.Sprintf("user%04d", i),
			DisplayName: fmt.Sprintf("User %04d", i),
			Email:       fmt.Sprintf("user%04d@example.com", i),
		}}
		// Generated users are appended in ID order, so no sort is needed.
		st.Users = append(st.Users, u)
		st.indexUser(u)
	}
}

func (st *state) addToken(t *tokenRec) {
	st.Tokens = append(st.Tokens, t)
	st.indexToken(t)
}

// liveToken returns a token that exists (not revoked), or nil.
func (st *state) liveToken(id int64) *tokenRec {
	t := st.tokensByID[id]
	if t == nil || t.Revoked {
		return nil
	}
	return t
}

// expired reports whether t has expired at now.
func (t *tokenRec) expired(now time.Time) bool {
	return t.ExpirationDate != nil && !now.Before(*t.ExpirationDate)
}

// public is the Token object the API returns.
func (t *tokenRec) public(now time.Time) wireToken {
	out := wireToken{
		TokenID:         t.TokenID,
		Name:            t.Name,
		UserID:          t.UserID,
		DateCreated:     wireTime(t.DateCreated),
		ExpirationDate:  wireTimeOf(t.ExpirationDate),
		LastUsedDate:    wireTimeOf(t.LastUsedDate),
		IsImpersonation: t.IsImpersonation,
		CreatedByUserID: t.CreatedByUserID,
		Status:          statusActive,
	}
	if t.expired(now) {
		out.Status = statusExpired
	}
	return out
}
