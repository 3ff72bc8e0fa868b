package audit

import (
	"fmt"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
)

func TestFindingsAtTheirBoundaries(t *testing.T) {
	now := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	ct := func(d time.Duration) client.Time { return client.Time{Time: now.Add(d)} }
	pt := func(d time.Duration) *client.Time { t := ct(d); return &t }
	day := 24 * time.Hour
	m := &matcher{Criteria: Criteria{Stale: 90 * day, ExpiringWithin: 30 * day, NeverExpires: true, Expired: true, Impersonation: true}, now: now}
	cases := []struct {
		name string
		tok  client.Token
		want string
	}{
		{"used exactly D ago", client.Token{DateCreated: ct(-200 * day), LastUsedDate: pt(-90 * day), ExpirationDate: pt(100 * day)}, "[stale]"},
		{"used just under D ago", client.Token{DateCreated: ct(-200 * day), LastUsedDate: pt(-90*day + time.Second), ExpirationDate: pt(100 * day)}, "[]"},
		{"never used, young", client.Token{DateCreated: ct(-89 * day), ExpirationDate: pt(100 * day)}, "[]"},
		{"never used, old", client.Token{DateCreated: ct(-91 * day), ExpirationDate: pt(100 * day)}, "[stale]"},
		{"expires in exactly D", client.Token{DateCreated: ct(-1 * day), LastUsedDate: pt(0), ExpirationDate: pt(30 * day)}, "[expiring]"},
		{"expires now", client.Token{DateCreated: ct(-1 * day), LastUsedDate: pt(-day), ExpirationDate: pt(0)}, "[expired]"},
		{"marked expired by the server", client.Token{DateCreated: ct(-1 * day), LastUsedDate: pt(-day), ExpirationDate: pt(5 * day), Status: client.StatusExpired}, "[expired]"},
		{"never expires, minted by an admin", client.Token{DateCreated: ct(-1 * day), LastUsedDate: pt(0), IsImpersonation: true, CreatedByUserID: 7}, "[never-expires impersonation]"},
	}
	for _, c := range cases {
		if got := fmt.Sprint(m.findings(&c.tok)); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	m2 := &matcher{Criteria: Criteria{CreatedBy: "x"}, createdByID: 7, now: now}
	if got := m2.findings(&client.Token{IsImpersonation: true, CreatedByUserID: 8}); got != nil {
		t.Errorf("another admin's token: %v", got)
	}
	if got := m2.findings(&client.Token{IsImpersonation: true, CreatedByUserID: 7}); len(got) != 1 {
		t.Errorf("that admin's token: %v", got)
	}
}

func TestCSVRecordNeutralisesServerTextAndMatchesTheHeader(t *testing.T) {
	used := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := Row{UserID: 3, UserName: "@jdoe", TokenID: 100001, Name: "=HYPERLINK(1)", Type: TypePersonal, CreatedByUserID: 3, CreatedBy: "+x",
		Created: used, LastUsed: &used, Findings: []Finding{FindingStale, FindingNeverExpires}}
	got := fmt.Sprint(r.CSVRecord())
	want := "[3 '@jdoe 100001 '=HYPERLINK(1) personal 3 '+x 2026-01-02T03:04:05Z 2026-01-02T03:04:05Z never stale;never-expires]"
	if got != want || len(r.CSVRecord()) != len(CSVHeader) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
