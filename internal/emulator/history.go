package emulator

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// History asks the emulator to start with a past: tokens of every age and
// kind that an audit looks for, spread over the generated users. It is
// applied once, when the server starts without a state file to load (a
// loaded state already has its past).
type History struct {
	// TokensPerUser is the mean number of tokens each generated user gets
	// (each gets between one fewer and one more); 0 means 5.
	TokensPerUser int
	// Seed makes the history reproducible: the same Seed, Users and start
	// time give the same tokens.
	Seed uint64
}

// The administrators who mint impersonation tokens in a history, besides
// admin. They exist only in a server started with Options.History.
const (
	SecAdminID = 5 // "secadmin": site admin who can impersonate
	OpsAdminID = 6 // "opsadmin": site admin who can impersonate
)

// HistoryToken is a token with a past, for SeedHistory. Its value was never
// handed out: nobody can authenticate with it, as with a real token whose
// secret was lost long ago.
type HistoryToken struct {
	UserID   int64
	Name     string
	Created  time.Time  // zero means now
	LastUsed *time.Time // nil: never used
	Expires  *time.Time // nil: never expires
	// ImpersonatedBy is the administrator who minted the token on the
	// user's behalf; 0 makes it the user's own token.
	ImpersonatedBy int64
}

// SeedHistory adds tokens with the given past, bypassing the API and its
// policy, and returns their TokenIDs in order. The state file, if any, is
// written once for the whole batch.
func (s *Server) SeedHistory(tokens []HistoryToken) ([]int64, error) {
	s.mu.Lock()
	ids, err := s.seedHistoryLocked(tokens)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return ids, s.persist()
}

func (s *Server) seedHistoryLocked(tokens []HistoryToken) ([]int64, error) {
	now := s.clock()
	for i, h := range tokens {
		if s.st.usersByID[h.UserID] == nil {
			return nil, fmt.Errorf("emulator: history token %d: no user with ID %d", i, h.UserID)
		}
		if h.ImpersonatedBy != 0 && s.st.usersByID[h.ImpersonatedBy] == nil {
			return nil, fmt.Errorf("emulator: history token %d: no administrator with ID %d", i, h.ImpersonatedBy)
		}
		if err := checkName(h.Name); err != nil {
			return nil, fmt.Errorf("emulator: history token %d: %w", i, err)
		}
	}
	ids := make([]int64, 0, len(tokens))
	for _, h := range tokens {
		id := s.st.NextTokenID
		s.st.NextTokenID++
		created := h.Created
		if created.IsZero() {
			created = now
		}
		rec := &tokenRec{
			TokenID:         id,
			Name:            h.Name,
			UserID:          h.UserID,
			DateCreated:     created.UTC().Truncate(time.Second),
			IsImpersonation: h.ImpersonatedBy != 0,
			CreatedByUserID: h.UserID,
			// A hash of no bearer token at all (it has no dots), unique per
			// site and token: the value can never authenticate.
			Hash: HashSecret("history:" + strconv.FormatInt(id, 10) + ":" + string(s.st.SigningKey)),
		}
		if h.ImpersonatedBy != 0 {
			rec.CreatedByUserID = h.ImpersonatedBy
		}
		if h.LastUsed != nil {
			t := h.LastUsed.UTC().Truncate(time.Second)
			rec.LastUsedDate = &t
		}
		if h.Expires != nil {
			t := h.Expires.UTC().Truncate(time.Second)
			rec.ExpirationDate = &t
		}
		s.st.addToken(rec)
		ids = append(ids, id)
	}
	s.st.touch()
	return ids, nil
}

// checkName applies the contract's name rule to a fixture.
func checkName(name string) error {
	if _, e := validName(name); e != nil {
		return e
	}
	return nil
}

// applyHistory adds the history administrators and a generated past for
// every generated user.
func (s *Server) applyHistory(h History) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range []*userRec{
		{wireUser: wireUser{UserID: SecAdminID, UserName: "secadmin", DisplayName: "Sec Admin", Email: "secadmin@example.com", IsSiteAdmin: true, CanImpersonate: true}},
		{wireUser: wireUser{UserID: OpsAdminID, UserName: "opsadmin", DisplayName: "Ops Admin", Email: "opsadmin@example.com", IsSiteAdmin: true, CanImpersonate: true}},
	} {
		if s.st.usersByID[u.UserID] == nil {
			if err := s.st.addUser(u); err != nil {
				return err
			}
		}
	}
	per := h.TokensPerUser
	if per <= 0 {
		per = 5
	}
	now := s.clock()
	var batch []HistoryToken
	for _, u := range s.st.Users {
		if u.UserID < firstGeneratedUserID {
			continue
		}
		batch = append(batch[:0], historyFor(u.UserID, per, h.Seed, now)...)
		if _, err := s.seedHistoryLocked(batch); err != nil {
			return err
		}
	}
	return nil
}

// historyKinds are the pasts a generated token can have, with weights out
// of 100.
var historyKinds = []struct {
	weight int
	make   func(r *rand.Rand, now time.Time) HistoryToken
}{
	{40, func(r *rand.Rand, now time.Time) HistoryToken { // in active use
		return HistoryToken{Created: daysAgo(now, 10+r.IntN(290)), LastUsed: timePtr(daysAgo(now, r.IntN(7))), Expires: timePtr(daysAhead(now, 30+r.IntN(300)))}
	}},
	{12, func(r *rand.Rand, now time.Time) HistoryToken { // last used long ago
		return HistoryToken{Created: daysAgo(now, 710+r.IntN(200)), LastUsed: timePtr(daysAgo(now, 181+r.IntN(520))), Expires: timePtr(daysAhead(now, 60+r.IntN(240)))}
	}},
	{8, func(r *rand.Rand, now time.Time) HistoryToken { // never used, old
		return HistoryToken{Created: daysAgo(now, 200+r.IntN(500)), Expires: timePtr(daysAhead(now, 60+r.IntN(240)))}
	}},
	{10, func(r *rand.Rand, now time.Time) HistoryToken { // expiring soon
		return HistoryToken{Created: daysAgo(now, 300+r.IntN(50)), LastUsed: timePtr(daysAgo(now, r.IntN(3))), Expires: timePtr(daysAhead(now, 1+r.IntN(28)))}
	}},
	{10, func(r *rand.Rand, now time.Time) HistoryToken { // never expires
		return HistoryToken{Created: daysAgo(now, 30+r.IntN(970)), LastUsed: timePtr(daysAgo(now, r.IntN(30)))}
	}},
	{8, func(r *rand.Rand, now time.Time) HistoryToken { // expired
		exp := daysAgo(now, 1+r.IntN(200))
		return HistoryToken{Created: exp.AddDate(-1, 0, 0), LastUsed: timePtr(exp.AddDate(0, 0, -2)), Expires: &exp}
	}},
	{12, func(r *rand.Rand, now time.Time) HistoryToken { // minted by an administrator
		admins := []int64{AdminID, SecAdminID, OpsAdminID}
		return HistoryToken{Created: daysAgo(now, 5+r.IntN(300)), LastUsed: timePtr(daysAgo(now, r.IntN(60))), Expires: timePtr(daysAhead(now, 30+r.IntN(300))),
			ImpersonatedBy: admins[r.IntN(len(admins))]}
	}},
}

var historyNames = []string{"ci-deploy", "backup-sync", "reporting", "chatops-bot", "legacy-import", "mobile-app", "search-indexer", "hr-feed"}

// historyFor is the generated past of one user: the same for the same
// user, seed and start time.
func historyFor(userID int64, per int, seed uint64, now time.Time) []HistoryToken {
	r := rand.New(rand.NewPCG(seed, uint64(userID))) //nolint:gosec // seeded, reproducible fixture data, not a secret
	n := per - 1 + r.IntN(3)
	out := make([]HistoryToken, 0, n)
	for i := 0; i < n; i++ {
		pick := r.IntN(100)
		for _, k := range historyKinds {
			if pick < k.weight {
				t := k.make(r, now)
				t.UserID = userID
				t.Name = fmt.Sprintf("%s-%d", historyNames[r.IntN(len(historyNames))], i+1)
				out = append(out, t)
				break
			}
			pick -= k.weight
		}
	}
	return out
}

func daysAgo(now time.Time, d int) time.Time   { return now.Add(-time.Duration(d) * 24 * time.Hour) }
func daysAhead(now time.Time, d int) time.Time { return now.Add(time.Duration(d) * 24 * time.Hour) }
func timePtr(t time.Time) *time.Time           { return &t }
