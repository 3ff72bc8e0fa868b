package rowsinks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/axero-cli/axero/internal/delivery"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/sink"
)

const secret = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIzIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg" //nolint:gosec // a made-up token for the tests

// fakeSinks are in-memory sinks by name, whose steps fail on demand.
type fakeSinks struct {
	held    map[string]string
	failPut map[string]error
	checked []string
}

type fakeSink struct {
	name string
	all  *fakeSinks
}

func (f *fakeSink) String() string { return "fake:" + f.name }
func (f *fakeSink) Check(context.Context) error {
	f.all.checked = append(f.all.checked, f.name)
	if strings.Contains(f.name, "denied") {
		return sink.Errorf(f.String(), "check", sink.Denied, "403")
	}
	return nil
}
func (f *fakeSink) Put(_ context.Context, v sink.Value) error {
	if err := f.all.failPut[f.name]; err != nil {
		return err
	}
	f.all.held[f.name] = v.Secret
	return nil
}
func (f *fakeSink) Verify(_ context.Context, v sink.Value) error {
	if f.all.held[f.name] != v.Secret {
		return errors.New("does not hold it")
	}
	return nil
}
func (f *fakeSink) Commit(context.Context, sink.Value) error { return nil }

func newFakes() *fakeSinks {
	return &fakeSinks{held: map[string]string{}, failPut: map[string]error{}}
}

func (fs *fakeSinks) parse(spec string) (sink.Sink, error) {
	name, ok := strings.CutPrefix(spec, "fake:")
	if !ok {
		return nil, sink.Errorf(spec, "parse", sink.Invalid, "unknown sink scheme")
	}
	return &fakeSink{name: name, all: fs}, nil
}

func TestNewRefusesWhatCannotWorkForEveryRow(t *testing.T) {
	t.Parallel()
	fs := newFakes()
	for _, c := range []struct {
		texts []string
		want  string
	}{
		{[]string{"vault:secret/axero#token"}, "same place for every user"},
		{[]string{"vault:secret/{{.Date}}#token"}, "same place for every user"},
		{[]string{"keychain:{{.UserName}}"}, "keychain sinks do not apply"},
		{[]string{"fake:{{.UserID}}", "fake:{{.UserID}}"}, "given twice"},
		{[]string{"fake:{{.Nope}}"}, "invalid sink template"},
		{[]string{"fake:{{range .UserName}}x{{end}}"}, "invalid sink template"},
	} {
		if _, err := New(c.texts, fs.parse); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q) = %v, want %q", c.texts, err, c.want)
		}
	}
	// A command may route by the token's name in its environment.
	if _, err := New([]string{"exec:store-token"}, fs.parse); err != nil {
		t.Errorf("a constant exec sink: %v", err)
	}
	p, err := New([]string{"fake:{{.UserID}}"}, fs.parse)
	if err != nil || p.NeedsUser() {
		t.Fatalf("by UserID: %v, needs user %v", err, p.NeedsUser())
	}
	p, err = New([]string{"fake:u/{{.UserName}}", "fake:e/{{.Email}}"}, fs.parse)
	if err != nil || !p.NeedsUser() || !slices.Equal(p.Columns(), []string{"sink 1", "sink 2"}) {
		t.Fatalf("by user name: %v, needs user %v, columns %v", err, p.NeedsUser(), p.Columns())
	}
}

// A row's sinks are its own: a field that would change a sink's meaning
// is refused, and so is a sink another user's token already goes to.
func TestSinksAreEachUsersOwn(t *testing.T) {
	t.Parallel()
	fs := newFakes()
	p, err := New([]string{"fake:secret/axero/{{.UserName}}#token"}, fs.parse)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Sinks(delivery.Row{UserID: 3, UserName: "jdoe"})
	if err != nil || len(got) != 1 || got[0].String() != "fake:secret/axero/jdoe#token" {
		t.Fatalf("%v %v", got, err)
	}
	for _, name := range []string{"../admin", "a/b", "x#y", "q?r", "sp ace", "ctl\x1b[31m", ".."} {
		if _, err := p.Sinks(delivery.Row{UserID: 4, UserName: name}); err == nil || !strings.Contains(err.Error(), "cannot be put into a sink") {
			t.Errorf("user name %q: %v", name, err)
		}
	}
	if _, err := p.Sinks(delivery.Row{UserID: 5, UserName: "jdoe"}); err == nil || !strings.Contains(err.Error(), "also where the token of UserID 3 goes") {
		t.Errorf("a second user with the same name: %v", err)
	}
	if _, err := p.Sinks(delivery.Row{UserID: 3, UserName: "jdoe"}); err != nil {
		t.Errorf("the same user again (a resume): %v", err)
	}
	// The check before the run: the first row's sinks, checked, not taken.
	p, _ = New([]string{"fake:ok/{{.UserName}}", "fake:denied/{{.UserName}}"}, fs.parse)
	err = p.CheckFirst(context.Background(), delivery.Row{UserID: 9, UserName: "first"})
	if sink.KindOf(err) != sink.Denied || !strings.Contains(err.Error(), "fake:denied/first") || IsFirstRowOnly(err) {
		t.Fatalf("CheckFirst = %v", err)
	}
	if err := p.CheckFirst(context.Background(), delivery.Row{UserID: 9, UserName: "../x"}); !IsFirstRowOnly(err) {
		t.Fatalf("CheckFirst of a user that cannot be put in a sink = %v", err)
	}
}

// openJournal opens a durable run's journal under dir; resume reads the
// earlier runs' records into each.
func openJournal(t *testing.T, out string, resume bool, each func(job.Record)) *job.Durable {
	t.Helper()
	lock, err := job.AcquireLock(out)
	if err != nil {
		t.Fatal(err)
	}
	d, err := job.OpenDurable(job.DurableOptions{Out: out, Lock: lock, Resume: resume, Start: time.Now(), Journal: each, Sinks: []string{"fake:{{.UserID}}"}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Every step is journalled before and after it runs, with a reason and
// without the secret; a resume rebuilt from the journal puts again only
// into the sinks that do not hold the token, then commits.
func TestFinishJournalsEveryStepAndAResumeRollsForward(t *testing.T) {
	t.Parallel()
	fs := newFakes()
	var points []string
	p, err := New([]string{"fake:a/{{.UserID}}", "fake:b/{{.UserID}}"}, fs.parse)
	if err != nil {
		t.Fatal(err)
	}
	p.Crash = func(point string) { points = append(points, point) }
	out := filepath.Join(t.TempDir(), "out.jsonl")
	d := openJournal(t, out, false, nil)
	sinks, err := p.Sinks(delivery.Row{UserID: 7})
	if err != nil {
		t.Fatal(err)
	}
	fs.failPut["b/7"] = sink.Errorf("fake:b/7", "put", sink.Denied, "403 writing "+secret)
	v := sink.Value{Secret: secret, TokenID: 70, Name: "n", Started: time.Now()}
	rep := p.Finish(context.Background(), d.Journal(), Delivery{User: "u7", UserID: 7, Value: v, Sinks: sinks})
	if rep.AllCommitted() || rep.Holding() != 1 {
		t.Fatalf("report %+v", rep)
	}
	reason := Failure(rep, secret)
	if !strings.Contains(reason, "fake:b/7: put: 403") || strings.Contains(reason, secret) {
		t.Fatalf("reason %q", reason)
	}
	wantPoints := []string{"row:put:1", "row:put:1:done", "row:verify:1", "row:verify:1:done", "row:put:2", "row:put:2:done"}
	if !slices.Equal(points, wantPoints) {
		t.Fatalf("points %v", points)
	}
	_ = d.Close()
	b, _ := os.ReadFile(job.JournalPath(out))
	if strings.Contains(string(b), secret) || strings.Contains(string(b), secret[strings.LastIndex(secret, ".")+1:]) {
		t.Fatalf("the journal holds the secret:\n%s", b)
	}
	for _, want := range []string{`"step":"put"`, `"step":"put:ok"`, `"step":"verify:ok"`, `"reason":"403 writing [REDACTED]","sink":"fake:b/7","step":"put:failed"`} {
		if !strings.Contains(string(b), want) {
			t.Fatalf("the journal lacks %s:\n%s", want, b)
		}
	}

	// The resume: the ledger says a is verified, b failed at put.
	l := NewLedger()
	d = openJournal(t, out, true, l.Journaled)
	defer func() { _ = d.Close() }()
	prev := l.Report(70)
	if len(prev.Sinks) != 2 || prev.Sinks[0].State != delivery.StateVerified || prev.Sinks[1].State != delivery.StateFailedPut || l.Committed(70) {
		t.Fatalf("ledger %+v", prev)
	}
	delete(fs.failPut, "b/7")
	fs.held["a/7"] = "something else" // a is not put again: the journal says it holds the token
	points = nil
	rep = p.Finish(context.Background(), d.Journal(), Delivery{User: "u7", UserID: 7, Value: v, Sinks: sinks, Prev: prev})
	if !rep.AllCommitted() || fs.held["b/7"] != secret || fs.held["a/7"] != "something else" {
		t.Fatalf("report %+v, held %v", rep, fs.held)
	}
	wantPoints = []string{"row:put:2", "row:put:2:done", "row:verify:2", "row:verify:2:done", "row:delivered", "row:commit:1", "row:commit:1:done", "row:commit:2", "row:commit:2:done", "row:committed"}
	if !slices.Equal(points, wantPoints) {
		t.Fatalf("points %v", points)
	}
	_ = d.Close()
	l = NewLedger()
	d = openJournal(t, out, true, l.Journaled)
	if !l.Committed(70) || l.Committed(71) {
		t.Fatal("the ledger does not know the token committed")
	}
}

// A step about to run changes nothing in the ledger: a put that may or
// may not have happened is put again.
func TestLedgerStates(t *testing.T) {
	t.Parallel()
	l := NewLedger()
	for _, r := range []job.Record{
		{Op: OpStep, TokenID: 1, Sink: "s", Step: "put"},
		{Op: OpStep, TokenID: 1, Sink: "t", Step: "put"},
		{Op: OpStep, TokenID: 1, Sink: "t", Step: "put:ok"},
		{Op: OpStep, TokenID: 1, Sink: "t", Step: "verify"},
		{Op: "renewed", TokenID: 1},
		{Op: OpStep, TokenID: 2, Sink: "s", Step: "commit:failed", Reason: "x"},
	} {
		l.Journaled(r)
	}
	got := l.Report(1)
	if len(got.Sinks) != 2 || got.Sinks[0].State != delivery.StatePending || got.Sinks[1].State != delivery.StatePut {
		t.Fatalf("%+v", got)
	}
	if got := l.Report(2); got.Sinks[0].State != delivery.StateFailedCommit || got.Sinks[0].Detail != "x" {
		t.Fatalf("%+v", got)
	}
	if len(l.Report(3).Sinks) != 0 {
		t.Fatal("an unknown token has a report")
	}
}

// A service's message, however long, fits a journal line.
func TestLongReasonsAreCut(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 5000)
	got := cut(long, maxReason)
	if len(got) > maxReason+len("…") || !strings.HasSuffix(got, "…") || !utf8.ValidString(got) {
		t.Fatalf("cut to %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
	if cut("short", maxReason) != "short" {
		t.Fatal("a short reason was cut")
	}
}
