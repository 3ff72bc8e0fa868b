package bulk

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

func runEngine(t *testing.T, s *fakeServer, input, out string, mod func(*Options)) (Summary, error) {
	t.Helper()
	in, err := NewInput(strings.NewReader(input), "users.csv")
	if err != nil {
		t.Fatal(err)
	}
	o := Options{API: s, Resolver: s, Input: in, OutPath: out, Expiry: fixedExpiry, Concurrency: 8, AdminID: 1,
		SettleDelay: time.Millisecond, RetryBackoff: time.Millisecond, MaxAttempts: 6}
	if mod != nil {
		mod(&o)
	}
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return e.Run(context.Background())
}

func readRecords(t *testing.T, path string) []Record {
	t.Helper()
	f, err := os.Open(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var out []Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad record %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// checkInvariant: every user with a record has exactly one active token,
// the one in the output with the same secret; every other user has none.
func checkInvariant(t *testing.T, s *fakeServer, recs []Record) {
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

func TestRunWithFaultsKeepsTheInvariant(t *testing.T) {
	s := newFakeServer(500)
	s.dropRate, s.fail500Rate, s.busyRate = 0.1, 0.05, 0.05
	out := filepath.Join(t.TempDir(), "out.jsonl")
	sum, err := runEngine(t, s, usersCSV(500), out, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs := readRecords(t, out)
	if sum.Minted != len(recs) || sum.Minted+sum.Failed != 500 {
		t.Fatalf("summary %+v, %d records", sum, len(recs))
	}
	if sum.Revoked == 0 {
		t.Fatalf("expected lost answers to be reconciled: %+v", sum)
	}
	checkInvariant(t, s, recs)
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("output mode %v %v", fi.Mode(), err)
	}
	j, _ := os.ReadFile(JournalPath(out))
	if bytes.Contains(j, []byte("eyJ")) {
		t.Fatal("the journal holds a secret")
	}
	if p, _ := ReadPendingIntents(JournalPath(out)); len(p) != 0 {
		t.Fatalf("a completed run left %d unsettled intents", len(p))
	}
}

func TestCSVOutput(t *testing.T) {
	s := newFakeServer(3)
	out := filepath.Join(t.TempDir(), "out.csv")
	if _, err := runEngine(t, s, usersCSV(3), out, nil); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(out) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	defer func() { _ = f.Close() }()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) != 4 || strings.Join(recs[0], ",") != "user,UserID,TokenID,name,expiry,token" {
		t.Fatalf("csv output %v %v", recs, err)
	}
	if recs[1][3] != "user000"+recs[1][0][3:]+"-"+time.Now().UTC().Format(time.DateOnly) {
		t.Errorf("default name: %v", recs[1])
	}
	d, err := ReadOutput(out)
	if err != nil || len(d.userIDs) != 3 {
		t.Fatalf("reading csv back: %v %v", d, err)
	}
}

func TestBadRowsGoToTheFailedFile(t *testing.T) {
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
	sum, err := runEngine(t, s, input, out, func(o *Options) { o.Concurrency = 1 })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Minted != 3 || sum.Failed != 6 {
		t.Fatalf("summary %+v", sum)
	}
	f, err := os.Open(FailedPath(out))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	rows, err := csv.NewReader(f).ReadAll()
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
	want := map[string]string{"dup": "listed twice", "same-user": "same user", "c": "no user matches", "d": "9999", "e": "invalid expiry", "f": "user column is empty"}
	for k, w := range want {
		if !strings.Contains(reasons[k], w) {
			t.Errorf("row %s: reason %q, want it to mention %q", k, reasons[k], w)
		}
	}
	// The failed file is valid input for another run.
	in, err := NewInput(bytes.NewReader(mustRead(t, FailedPath(out))), "failed")
	if err != nil || in.user != 0 {
		t.Fatalf("failed file as input: %v", err)
	}
	checkInvariant(t, s, readRecords(t, out))
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExistingOutputIsRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.jsonl")
	if err := os.WriteFile(out, []byte("keep me\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := runEngine(t, newFakeServer(1), usersCSV(1), out, nil)
	var ee *ExistsError
	if !errors.As(err, &ee) || string(mustRead(t, out)) != "keep me\n" {
		t.Fatalf("want ExistsError and the file untouched, got %v", err)
	}
}

func TestUnwritableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write anywhere")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil { //nolint:gosec // test sets permissions on purpose to exercise the permission checks
		t.Fatal(err)
	}
	defer func() { _ = os.Chmod(dir, 0o700) }() //nolint:gosec // test sets permissions on purpose to exercise the permission checks
	s := newFakeServer(1)
	_, err := runEngine(t, s, usersCSV(1), filepath.Join(dir, "out.jsonl"), nil)
	if err == nil || s.creates != 0 {
		t.Fatalf("want an error before minting, got %v after %d creates", err, s.creates)
	}
}

func TestResumeSettlesLostCreates(t *testing.T) {
	s := newFakeServer(10)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	// A first run that crashed: users 1001 and 1002 done, 1003 minted but
	// never recorded (its intent is pending), and a torn last line.
	ct1, _ := s.CreateUserToken(context.Background(), 1001, client.CreateTokenRequest{Name: "n"})
	ct2, _ := s.CreateUserToken(context.Background(), 1002, client.CreateTokenRequest{Name: "n"})
	lost, _ := s.CreateUserToken(context.Background(), 1003, client.CreateTokenRequest{Name: "n"})
	var b bytes.Buffer
	for _, r := range []Record{RecordFor("1001", ct1), RecordFor("1002", ct2)} {
		line, _ := json.Marshal(r)
		b.Write(append(line, '\n'))
	}
	b.WriteString(`{"user":"1003","UserID":1003,"TokenID":`)
	if err := os.WriteFile(out, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	j, _ := OpenJournal(JournalPath(out))
	at := time.Now().Add(-time.Second)
	for _, id := range []int64{1001, 1002, 1003} {
		_ = j.AppendSync(JournalRecord{Op: opIntent, UserID: id, Name: "n", At: at})
	}
	_ = j.Append(JournalRecord{Op: opDone, UserID: 1001})
	_ = j.Close()

	sum, err := runEngine(t, s, usersCSV(10), out, func(o *Options) { o.Resume = true; o.Name = "n" })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != 2 || sum.Minted != 8 || sum.Reconciled != 2 || sum.Revoked != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if !s.tokens[lost.TokenID].revoked || s.tokens[ct2.TokenID].revoked {
		t.Fatal("resume revoked the wrong token")
	}
	checkInvariant(t, s, readRecords(t, out))
}

func TestForbiddenStopsTheRun(t *testing.T) {
	s := newFakeServer(50)
	s.forbidden = true
	out := filepath.Join(t.TempDir(), "out.jsonl")
	_, err := runEngine(t, s, usersCSV(50), out, nil)
	if client.KindOf(err) != client.KindForbidden {
		t.Fatalf("want the 403, got %v", err)
	}
	if s.creates > 8 {
		t.Fatalf("%d creates after the first 403; want at most one per worker", s.creates)
	}
}

func TestInterruptRecordsTokensInFlight(t *testing.T) {
	s := newFakeServer(200)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	in, _ := NewInput(strings.NewReader(usersCSV(200)), "users.csv")
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	e, _ := New(Options{API: s, Resolver: s, Input: in, OutPath: out, Expiry: fixedExpiry, Concurrency: 4, AdminID: 1,
		Events: func(ev Event) {
			if n++; n == 20 {
				cancel()
			}
		}})
	sum, err := e.Run(ctx)
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
	s := newFakeServer(3)
	var plan bytes.Buffer
	sum, err := runEngine(t, s, usersCSV(3, "ghost"), "", func(o *Options) { o.DryRun = true; o.Plan = &plan })
	if err != nil || sum.Planned != 3 || sum.Failed != 1 || s.creates != 0 {
		t.Fatalf("%+v %v creates=%d", sum, err, s.creates)
	}
	if !strings.Contains(plan.String(), "1001,user0001-") || !strings.Contains(plan.String(), "ghost,,,,\"no user matches") {
		t.Fatalf("plan:\n%s", plan.String())
	}
}

func TestUnknownUserIDWithoutLookup(t *testing.T) {
	s := newFakeServer(2)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	sum, err := runEngine(t, s, usersCSV(2, "9999"), out, func(o *Options) { o.Name = "fixed" })
	if err != nil || sum.Minted != 2 || sum.Failed != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	if b := mustRead(t, FailedPath(out)); !strings.Contains(string(b), "no user with UserID 9999") {
		t.Fatalf("failed file:\n%s", b)
	}
}

func TestUncheckableLostAnswerIsLeftForResume(t *testing.T) {
	s := newFakeServer(1)
	s.dropRate, s.listErrRate = 1, 1
	out := filepath.Join(t.TempDir(), "out.jsonl")
	sum, err := runEngine(t, s, usersCSV(1), out, func(o *Options) { o.Name = "n"; o.MaxAttempts = 2 })
	if err != nil || sum.Failed != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	if b := mustRead(t, FailedPath(out)); !strings.Contains(string(b), "run again with --resume to settle it") {
		t.Fatalf("failed file:\n%s", b)
	}
	if p, _ := ReadPendingIntents(JournalPath(out)); len(p) != 1 || p[0].UserID != 1001 {
		t.Fatalf("the unsettled create should stay pending: %+v", p)
	}
	if len(s.active()[1001]) != 1 {
		t.Fatal("the fake should hold the orphan")
	}
	// The server recovers; --resume settles the orphan, then mints.
	s.dropRate, s.listErrRate = 0, 0
	sum, err = runEngine(t, s, usersCSV(1), out, func(o *Options) { o.Name = "n"; o.Resume = true })
	if err != nil || sum.Reconciled != 1 || sum.Revoked != 1 || sum.Minted != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	checkInvariant(t, s, readRecords(t, out))
	if _, err := os.Stat(FailedPath(out)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a resumed run without failures should remove the stale failed file")
	}
}

func TestTransientListErrorsAreRetried(t *testing.T) {
	s := newFakeServer(200)
	s.dropRate, s.listErrRate = 0.2, 0.3
	out := filepath.Join(t.TempDir(), "out.jsonl")
	sum, err := runEngine(t, s, usersCSV(200), out, func(o *Options) { o.Name = "n"; o.MaxAttempts = 10 })
	if err != nil || sum.Minted != 200 {
		t.Fatalf("%+v %v", sum, err)
	}
	checkInvariant(t, s, readRecords(t, out))
}
