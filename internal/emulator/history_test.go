package emulator_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
)

func TestSeedHistoryHoldsThePastAsGiven(t *testing.T) {
	clk := newClock()
	s := emulator.NewTest(t, emulator.Options{Users: 2, Now: clk.Now})
	admin := s.SeedToken("admin")
	now := clk.Now()
	long := now.AddDate(-3, 0, 0)
	used := now.AddDate(-1, 0, 0)
	expired := now.AddDate(0, -1, 0)
	ids, err := s.SeedHistory([]emulator.HistoryToken{
		{UserID: 1001, Name: "old-unused", Created: long},
		{UserID: 1001, Name: "stale", Created: long, LastUsed: &used, Expires: &expired},
		{UserID: 1002, Name: "minted", Created: used, ImpersonatedBy: emulator.AdminID},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 {
		t.Fatalf("ids %v", ids)
	}
	list := call(t, s, "GET", "/api/users/1001/bearertokens", admin, "").tokens(t)
	if len(list) != 2 {
		t.Fatalf("user 1001 has %d tokens, want 2", len(list))
	}
	a, b := list[0], list[1]
	if a.TokenID != ids[0] || !a.DateCreated.Equal(long) || a.LastUsedDate != nil || a.ExpirationDate != nil || a.IsImpersonation || a.CreatedByUserID != 1001 || a.Status != client.StatusActive {
		t.Errorf("never used, never expires: %+v", a)
	}
	if b.LastUsedDate == nil || !b.LastUsedDate.Equal(used) || b.ExpirationDate == nil || !b.ExpirationDate.Equal(expired) || b.Status != client.StatusExpired {
		t.Errorf("expired: %+v", b)
	}
	m := call(t, s, "GET", "/api/users/1002/bearertokens", admin, "").tokens(t)
	if len(m) != 1 || !m[0].IsImpersonation || m[0].CreatedByUserID != emulator.AdminID {
		t.Errorf("impersonation: %+v", m)
	}
}

func TestSeedHistoryRefusesUnknownUsersAndAddsNothing(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{Users: 1})
	before := len(s.Tokens())
	for _, bad := range []emulator.HistoryToken{
		{UserID: 9999, Name: "x"},
		{UserID: 1001, Name: "x", ImpersonatedBy: 9999},
		{UserID: 1001, Name: ""},
	} {
		if _, err := s.SeedHistory([]emulator.HistoryToken{{UserID: 1001, Name: "fine"}, bad}); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	if after := len(s.Tokens()); after != before {
		t.Errorf("a refused batch added %d tokens", after-before)
	}
}

// A history token's value was never handed out, so nothing can pass for it.
func TestHistoryTokensCannotAuthenticate(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{Users: 1, RecordSecrets: true})
	if _, err := s.SeedHistory([]emulator.HistoryToken{{UserID: 1001, Name: "h"}}); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Secrets()); n != len(emulator.SeededUsers) {
		t.Errorf("%d secrets handed out, want only the %d seed tokens", n, len(emulator.SeededUsers))
	}
}

func TestGeneratedHistoryHasEveryKindAndIsReproducible(t *testing.T) {
	clk := newClock()
	opts := emulator.Options{Users: 200, Now: clk.Now, History: &emulator.History{Seed: 7}}
	s := emulator.NewTest(t, opts)
	now := clk.Now()
	var stale, neverUsed, expiring, never, expired int
	byAdmin := map[int64]int{}
	perUser := map[int64]int{}
	for _, tok := range s.Tokens() {
		if tok.UserID < 1001 {
			continue
		}
		perUser[tok.UserID]++
		switch {
		case tok.IsImpersonation:
			byAdmin[tok.CreatedByUserID]++
		case tok.ExpirationDate == nil:
			never++
		case !tok.ExpirationDate.After(now):
			expired++
		case tok.ExpirationDate.Sub(now) < 30*24*time.Hour:
			expiring++
		case tok.LastUsedDate == nil:
			neverUsed++
		case now.Sub(tok.LastUsedDate.Time) > 180*24*time.Hour:
			stale++
		}
	}
	for name, n := range map[string]int{"stale": stale, "never used": neverUsed, "expiring": expiring, "never expires": never, "expired": expired,
		"by admin": byAdmin[emulator.AdminID], "by secadmin": byAdmin[emulator.SecAdminID], "by opsadmin": byAdmin[emulator.OpsAdminID]} {
		if n == 0 {
			t.Errorf("no %s token in the history", name)
		}
	}
	total := 0
	for id, n := range perUser {
		if n < 4 || n > 6 {
			t.Errorf("user %d has %d tokens, want 4..6", id, n)
		}
		total += n
	}
	if len(perUser) != 200 || total < 900 || total > 1100 {
		t.Errorf("%d users with %d tokens, want 200 with about 1000", len(perUser), total)
	}
	if u, ok := s.UserByName("secadmin"); !ok || !u.CanImpersonate {
		t.Errorf("secadmin: %+v %v", u, ok)
	}

	again := emulator.NewTest(t, opts)
	strip := func(ts []emulator.TokenState) []client.Token {
		var out []client.Token
		for _, x := range ts {
			if x.UserID >= 1001 {
				out = append(out, x.Token)
			}
		}
		return out
	}
	if !reflect.DeepEqual(strip(s.Tokens()), strip(again.Tokens())) {
		t.Error("the same seed gave a different history")
	}
}

// A state file keeps the history; loading it does not add another.
func TestHistoryIsAppliedOnceWithAStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	opts := emulator.Options{Users: 20, StateFile: path, History: &emulator.History{Seed: 1}}
	s, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	n := len(s.Tokens())
	_ = s.Close()
	s2 := emulator.NewTest(t, opts)
	if got := len(s2.Tokens()); got != n {
		t.Errorf("%d tokens after reloading, want %d", got, n)
	}
}

// The users list pages the whole directory per the contract, every user
// exactly once.
func TestUsersListPagesTheWholeDirectory(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{Users: 250})
	admin := s.SeedToken("admin")
	seen := map[int64]bool{}
	for p := 1; ; p++ {
		r := call(t, s, "GET", fmt.Sprintf("/api/users?StartPage=%d&PageSize=100", p), admin, "").want(t, http.StatusOK)
		var users []client.User
		r.decode(t, &users)
		if *r.Env.TotalRecords != 254 {
			t.Fatalf("TotalRecords %d, want 254", *r.Env.TotalRecords)
		}
		if len(users) == 0 {
			break
		}
		for _, u := range users {
			if seen[u.UserID] {
				t.Fatalf("user %d listed twice", u.UserID)
			}
			seen[u.UserID] = true
		}
	}
	if len(seen) != 254 {
		t.Errorf("%d users listed, want 254", len(seen))
	}
	r := call(t, s, "GET", "/api/users", admin, "").want(t, http.StatusOK)
	var users []client.User
	r.decode(t, &users)
	if len(users) != 20 {
		t.Errorf("default page has %d users, want 20", len(users))
	}
}
