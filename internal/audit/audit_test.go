package audit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/audit"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/tokenfile"
)

type criteria = audit.Criteria

func runAudit(t *testing.T, api audit.API, c audit.Criteria, mod func(*audit.Options)) ([]audit.Row, audit.Summary, error) {
	t.Helper()
	var rows []audit.Row
	o := audit.Options{API: api, Criteria: c, Workers: 6, Now: func() time.Time { return fixedNow },
		Retry: reconcile.Policy{Wait: time.Millisecond},
		Emit:  func(r audit.Row) error { rows = append(rows, r); return nil }}
	if mod != nil {
		mod(&o)
	}
	run := job.New(context.Background(), 0, nil)
	defer run.Close()
	sum, err := audit.Run(run, o)
	return rows, sum, err
}

func findingsOf(rows []audit.Row) map[int64]string {
	got := map[int64]string{}
	for _, r := range rows {
		f := make([]string, len(r.Findings))
		for i, x := range r.Findings {
			f[i] = string(x)
		}
		got[r.TokenID] = strings.Join(f, ";")
	}
	return got
}

func sameFindings(t *testing.T, got, want map[int64]string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("findings\n got %v\nwant %v", got, want)
	}
}

func TestAuditFindsExactlyTheSeededTokensUnderFaults(t *testing.T) {
	sd := seedAuditHistory(t, emulator.Faults{Latency: time.Millisecond, FailRate503: 0.05, FailRate500: 0.1, RateLimit: 40})
	c := newClient(t, sd.s, sd.s.SeedToken("admin"))
	last := &countingProgress{}
	rows, sum, err := runAudit(t, c, everyFinding(), func(o *audit.Options) { o.Progress = last })
	if err != nil {
		t.Fatal(err)
	}
	sameFindings(t, findingsOf(rows), sd.findings)
	if len(sum.Failed) != 0 {
		t.Errorf("failed users: %+v", sum.Failed)
	}
	users := len(sd.s.Users())
	if sum.Users != users || last.done != users || last.total != int64(users) || last.good != sum.Reported {
		t.Errorf("scanned %d, progress %+v; want %d users", sum.Users, last, users)
	}
	if sum.Counts[audit.FindingStale] != 3 || sum.Counts[audit.FindingImpersonation] != 2 || sum.Reported != len(sd.findings) {
		t.Errorf("summary %+v", sum)
	}
	if sd.s.RequestCount("GET", "/api/users/1001/bearertokens") < 1 {
		t.Error("no token listing reached the server")
	}
	for _, r := range rows {
		switch r.Name {
		case "by-admin":
			if r.Type != audit.TypeImpersonation || r.CreatedBy != "admin" || r.CreatedByUserID != emulator.AdminID || r.UserName != "user0006" {
				t.Errorf("row %+v", r)
			}
		case "stale-unused":
			t.Errorf("the name lost its formula character: %+v", r)
		case "=stale-unused":
			if r.LastUsed != nil || r.Type != audit.TypePersonal || r.CreatedBy != "user0002" {
				t.Errorf("row %+v", r)
			}
		case "never-expires":
			if r.Expires != nil {
				t.Errorf("row %+v", r)
			}
		}
	}
}

func TestAuditImpersonationByAnyAdminAndByAnother(t *testing.T) {
	sd := seedAuditHistory(t, emulator.Faults{})
	c := newClient(t, sd.s, sd.s.SeedToken("admin"))
	rows, _, err := runAudit(t, c, audit.Criteria{Impersonation: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := findingsOf(rows); len(got) != 3 {
		t.Errorf("impersonation by anyone: %v, want 3 tokens", got)
	}
	rows, _, err = runAudit(t, c, audit.Criteria{CreatedBy: "auditor2@example.com"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Name != "by-auditor2" || rows[0].CreatedBy != "auditor2" {
		t.Errorf("by auditor2: %+v", rows)
	}
	if _, _, err := runAudit(t, c, audit.Criteria{CreatedBy: "nobody"}, nil); err == nil || !strings.Contains(err.Error(), "nobody") {
		t.Errorf("unknown --created-by: %v", err)
	}
}

// With no criteria the audit is an inventory: every token, no findings.
func TestAuditWithoutCriteriaListsEveryToken(t *testing.T) {
	sd := seedAuditHistory(t, emulator.Faults{})
	c := newClient(t, sd.s, sd.s.SeedToken("admin"))
	rows, sum, err := runAudit(t, c, audit.Criteria{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(sd.s.Tokens()) || sum.Tokens != len(rows) {
		t.Errorf("%d rows, %d tokens looked at; the site has %d", len(rows), sum.Tokens, len(sd.s.Tokens()))
	}
	for _, r := range rows {
		if len(r.Findings) != 0 {
			t.Fatalf("row with findings: %+v", r)
		}
	}
}

func TestAuditOfTheUsersOfACSV(t *testing.T) {
	sd := seedAuditHistory(t, emulator.Faults{})
	c := newClient(t, sd.s, sd.s.SeedToken("admin"))
	in, err := tokenfile.NewUsers(strings.NewReader("user\n1001\nuser0003@example.com\nUSER0005\nnobody\n1001\n\n1008\n"), "users.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, sum, err := runAudit(t, c, everyFinding(), func(o *audit.Options) { o.Users = in })
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{}
	for id, f := range sd.findings {
		for _, tok := range sd.s.Tokens() {
			if tok.TokenID == id && (tok.UserID == 1001 || tok.UserID == 1003 || tok.UserID == 1005 || tok.UserID == 1008) {
				want[id] = f
			}
		}
	}
	sameFindings(t, findingsOf(rows), want)
	if sum.Users != 4 || len(sum.Failed) != 1 || sum.Failed[0].User != "nobody" {
		t.Errorf("users %d, failed %+v; want 4 scanned and nobody failed", sum.Users, sum.Failed)
	}
}

// failingAPI fails every listing of one user's tokens with a server fault.
type failingAPI struct {
	*client.Client
	userID int64
	mu     sync.Mutex
	calls  int
}

func (f *failingAPI) ListAllUserTokens(ctx context.Context, userID int64) ([]client.Token, error) {
	if userID == f.userID {
		f.mu.Lock()
		f.calls++
		f.mu.Unlock()
		return nil, &client.Error{Kind: client.KindServer, Status: 500}
	}
	return f.Client.ListAllUserTokens(ctx, userID)
}

func TestAuditCollectsUsersThatCouldNotBeScanned(t *testing.T) {
	sd := seedAuditHistory(t, emulator.Faults{})
	api := &failingAPI{Client: newClient(t, sd.s, sd.s.SeedToken("admin")), userID: 1001}
	rows, sum, err := runAudit(t, api, everyFinding(), func(o *audit.Options) { o.Retry.Tries = 3 })
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failed) != 1 || sum.Failed[0].UserID != 1001 || sum.Failed[0].User != "user0001" || !strings.Contains(sum.Failed[0].Reason, "500") {
		t.Fatalf("failed %+v", sum.Failed)
	}
	if api.calls != 3 {
		t.Errorf("%d attempts, want 3", api.calls)
	}
	if len(rows) != len(sd.findings)-1 {
		t.Errorf("%d rows, want every finding but user0001's", len(rows))
	}
}

func TestAuditEmitErrorStopsTheScan(t *testing.T) {
	sd := seedAuditHistory(t, emulator.Faults{})
	c := newClient(t, sd.s, sd.s.SeedToken("admin"))
	boom := errors.New("disk full")
	n := 0
	_, _, err := runAudit(t, c, audit.Criteria{}, func(o *audit.Options) {
		o.Emit = func(audit.Row) error { n++; return boom }
	})
	if !errors.Is(err, boom) || n != 1 {
		t.Errorf("err %v after %d rows, want the emit error after one", err, n)
	}
}

// countingProgress is a job.Progress that keeps count.
type countingProgress struct {
	mu         sync.Mutex
	total      int64
	done, good int
}

func (p *countingProgress) SetTotal(n int64) { p.mu.Lock(); p.total = n; p.mu.Unlock() }
func (p *countingProgress) Step(good, _ int) {
	p.mu.Lock()
	p.done++
	p.good += good
	p.mu.Unlock()
}

// repeatingAPI serves page 1 of the users list whatever page is asked
// for, and claims a thousand users.
type repeatingAPI struct{ *client.Client }

func (r repeatingAPI) FindUsers(ctx context.Context, q client.UserQuery, _, size int) (client.Page[client.User], error) {
	p, err := r.Client.FindUsers(ctx, q, 1, size)
	p.TotalRecords = 1000
	return p, err
}

// A users list that repeats a page, or ends before the number of users it
// claims, was not read whole: the audit says so instead of passing for
// complete.
func TestAuditSaysWhenTheUsersListWasNotReadWhole(t *testing.T) {
	sd := seedAuditHistory(t, emulator.Faults{})
	api := repeatingAPI{newClient(t, sd.s, sd.s.SeedToken("admin"))}
	_, sum, err := runAudit(t, api, everyFinding(), nil)
	users := len(sd.s.Users())
	if err != nil || sum.Users != users || !strings.Contains(sum.Incomplete, fmt.Sprintf("after %d of the 1000 users it claims", users)) {
		t.Fatalf("users %d, incomplete %q, err %v", sum.Users, sum.Incomplete, err)
	}
	_, sum, err = runAudit(t, newClient(t, sd.s, sd.s.SeedToken("admin")), everyFinding(), nil)
	if err != nil || sum.Incomplete != "" {
		t.Fatalf("a whole list: incomplete %q, err %v", sum.Incomplete, err)
	}
}
