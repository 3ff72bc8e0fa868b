package mint

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/resolve"
)

// fakeServer is an in-memory Axero with the faults that matter here: a
// create whose answer is lost after the token was minted, a 500 that may
// or may not have minted, and a 429 that did nothing.
type fakeServer struct {
	mu      sync.Mutex
	rng     *rand.Rand
	users   map[int64]client.User
	tokens  map[int64]*fakeToken
	nextID  int64
	adminID int64

	dropRate, fail500Rate, busyRate float64
	listErrRate                     float64
	forbidden                       bool
	creates                         int
	// strayFor's creates mint a token of strayTo instead; repeatFor's
	// answer with the first token handed out.
	strayFor, strayTo, repeatFor int64
	first                        *client.CreatedToken
}

type fakeToken struct {
	client.Token
	secret  string
	revoked bool
}

func newFakeServer(nUsers int) *fakeServer {
	s := &fakeServer{rng: rand.New(rand.NewPCG(1, 2)), users: map[int64]client.User{}, tokens: map[int64]*fakeToken{}, nextID: 5000, adminID: 1} //nolint:gosec // test fixture randomness
	for i := 1; i <= nUsers; i++ {
		id := int64(1000 + i)
		s.users[id] = client.User{UserID: id, UserName: fmt.Sprintf("user%04d", i), Email: fmt.Sprintf("user%04d@example.com", i), DisplayName: fmt.Sprintf("User %d", i)}
	}
	return s
}

func (s *fakeServer) roll(p float64) bool { return p > 0 && s.rng.Float64() < p }

func (s *fakeServer) CreateUserToken(ctx context.Context, userID int64, req client.CreateTokenRequest) (*client.CreatedToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creates++
	if s.forbidden {
		return nil, &client.Error{Kind: client.KindForbidden, Status: 403}
	}
	if s.roll(s.busyRate) {
		return nil, &client.Error{Kind: client.KindRateLimited, Status: 429}
	}
	if _, ok := s.users[userID]; !ok {
		return nil, &client.Error{Kind: client.KindNotFound, Status: 404}
	}
	if userID == s.repeatFor && s.first != nil {
		return s.first, nil
	}
	if userID == s.strayFor {
		userID = s.strayTo
	}
	fail500 := s.roll(s.fail500Rate)
	if fail500 && s.rng.IntN(2) == 0 {
		return nil, &client.Error{Kind: client.KindServer, Status: 500}
	}
	s.nextID++
	now := time.Now().UTC()
	t := &fakeToken{Token: client.Token{TokenID: s.nextID, Name: req.Name, UserID: userID, DateCreated: client.Time{Time: now},
		IsImpersonation: true, CreatedByUserID: s.adminID, Status: client.StatusActive}, secret: "eyJsecret." + strconv.FormatInt(s.nextID, 10)}
	if req.ExpiresInMinutes != nil && *req.ExpiresInMinutes > 0 {
		exp := client.Time{Time: now.Add(time.Duration(*req.ExpiresInMinutes) * time.Minute)}
		t.ExpirationDate = &exp
	}
	s.tokens[t.TokenID] = t
	if fail500 {
		return nil, &client.Error{Kind: client.KindServer, Status: 500}
	}
	if s.roll(s.dropRate) {
		return nil, &client.OutcomeUnknownError{Method: "POST", Path: "/api/users/x/bearertokens", Started: now.Add(-time.Millisecond), Err: fmt.Errorf("connection reset")}
	}
	ct := &client.CreatedToken{Token: t.Token, Secret: t.secret}
	if s.first == nil {
		s.first = ct
	}
	return ct, nil
}

func (s *fakeServer) ListAllUserTokens(ctx context.Context, userID int64) ([]client.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.roll(s.listErrRate) {
		return nil, &client.Error{Kind: client.KindUnavailable, Status: 503}
	}
	var out []client.Token
	for _, t := range s.tokens {
		if t.UserID == userID && !t.revoked {
			out = append(out, t.Token)
		}
	}
	return out, nil
}

func (s *fakeServer) RevokeToken(ctx context.Context, tokenID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[tokenID]
	if !ok || t.revoked {
		return &client.Error{Kind: client.KindNotFound, Status: 404}
	}
	t.revoked = true
	return nil
}

func (s *fakeServer) Resolve(ctx context.Context, u string) (*client.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u = strings.TrimSpace(u)
	if id, ok := resolve.ParseID(u); ok {
		if x, ok := s.users[id]; ok {
			return &x, nil
		}
		return nil, fmt.Errorf("no user matches %q", u)
	}
	for _, x := range s.users {
		if strings.EqualFold(x.UserName, u) || strings.EqualFold(x.Email, u) {
			return &x, nil
		}
	}
	return nil, fmt.Errorf("no user matches %q", u)
}

// active returns the active tokens per user.
func (s *fakeServer) active() map[int64][]*fakeToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64][]*fakeToken{}
	for _, t := range s.tokens {
		if !t.revoked {
			out[t.UserID] = append(out[t.UserID], t)
		}
	}
	return out
}
