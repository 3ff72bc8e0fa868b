package audit_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
)

// fixedNow is the emulator's clock in these tests.
var fixedNow = time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

func at(d time.Duration) *time.Time { t := fixedNow.Add(d); return &t }

func newClient(t testing.TB, s *emulator.Server, token string) *client.Client {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 32}
	// A connection dialled but never used would hold up the server's
	// shutdown for seconds.
	t.Cleanup(tr.CloseIdleConnections)
	c, err := client.New(client.Config{BaseURL: s.URL(), Token: token, RetryMaxWait: 2 * time.Second, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seeded is a precise history: what each token is, by TokenID.
type seeded struct {
	s        *emulator.Server
	admin2   int64            // a second administrator who can impersonate
	findings map[int64]string // TokenID → the findings the full criteria must report, joined by ";"
}

// seedAuditHistory starts an emulator with 40 users whose tokens include
// exactly one of each kind an audit looks for, plus many that match
// nothing.
func seedAuditHistory(t *testing.T, faults emulator.Faults) *seeded {
	t.Helper()
	s := emulator.NewTest(t, emulator.Options{Users: 40, Now: func() time.Time { return fixedNow }})
	if err := s.AddUser(client.User{UserID: 900, UserName: "auditor2", Email: "auditor2@example.com", IsSiteAdmin: true, CanImpersonate: true}, false); err != nil {
		t.Fatal(err)
	}
	healthy := func(uid int64) emulator.HistoryToken {
		return emulator.HistoryToken{UserID: uid, Name: "healthy", Created: *at(-days(10)), LastUsed: at(-days(1)), Expires: at(days(100))}
	}
	hist := []emulator.HistoryToken{
		{UserID: 1001, Name: "stale-used", Created: *at(-days(400)), LastUsed: at(-days(200)), Expires: at(days(100))},
		{UserID: 1002, Name: "=stale-unused", Created: *at(-days(300)), Expires: at(days(100))},
		{UserID: 1003, Name: "expiring", Created: *at(-days(30)), LastUsed: at(-days(1)), Expires: at(days(5))},
		{UserID: 1004, Name: "never-expires", Created: *at(-days(10)), LastUsed: at(-days(1))},
		{UserID: 1005, Name: "expired", Created: *at(-days(100)), LastUsed: at(-days(20)), Expires: at(-days(10))},
		{UserID: 1006, Name: "by-admin", Created: *at(-days(5)), LastUsed: at(-days(1)), Expires: at(days(100)), ImpersonatedBy: emulator.AdminID},
		{UserID: 1007, Name: "by-auditor2", Created: *at(-days(5)), LastUsed: at(-days(1)), Expires: at(days(100)), ImpersonatedBy: 900},
		{UserID: 1008, Name: "old-never-expires-by-admin", Created: *at(-days(500)), ImpersonatedBy: emulator.AdminID},
	}
	want := []string{"stale", "stale", "expiring", "never-expires", "expired", "impersonation", "", "stale;never-expires;impersonation"}
	for uid := int64(1001); uid <= 1040; uid++ {
		hist = append(hist, healthy(uid))
	}
	ids, err := s.SeedHistory(hist)
	if err != nil {
		t.Fatal(err)
	}
	sd := &seeded{s: s, admin2: 900, findings: map[int64]string{}}
	for i, w := range want {
		if w != "" {
			sd.findings[ids[i]] = w
		}
	}
	s.SetFaults(faults)
	return sd
}

// everyFinding selects every finding, impersonation narrowed to admin.
var everyFinding = func() criteria {
	return criteria{Stale: days(90), ExpiringWithin: days(30), NeverExpires: true, Expired: true, CreatedBy: "admin"}
}
