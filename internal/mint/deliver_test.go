package mint

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/rowsinks"
	"github.com/axero-cli/axero/internal/sink"
)

// memSinks is a store of sinks in memory, mem:PATH, whose paths can be
// refused at the check or at the write.
type memSinks struct {
	mu      sync.Mutex
	held    map[string]string
	deny    map[string]bool // refused at the check: nothing may be minted
	failPut map[string]bool // refused at the write
	puts    int
}

func newMemSinks() *memSinks {
	return &memSinks{held: map[string]string{}, deny: map[string]bool{}, failPut: map[string]bool{}}
}

func (m *memSinks) parse(spec string) (sink.Sink, error) {
	path, ok := strings.CutPrefix(spec, "mem:")
	if !ok {
		return nil, sink.Errorf(spec, "parse", sink.Invalid, "unknown sink scheme")
	}
	return &memSink{path: path, m: m}, nil
}

func (m *memSinks) get(path string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.held[path]
}

func (m *memSinks) set(f func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f()
}

type memSink struct {
	path string
	m    *memSinks
}

func (s *memSink) String() string { return "mem:" + s.path }
func (s *memSink) Check(context.Context) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if s.m.deny[s.path] {
		return sink.Errorf(s.String(), "check", sink.Denied, "permission denied")
	}
	return nil
}
func (s *memSink) Put(_ context.Context, v sink.Value) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.puts++
	if s.m.failPut[s.path] {
		return sink.Errorf(s.String(), "put", sink.Denied, "403 permission denied")
	}
	s.m.held[s.path] = v.Secret
	return nil
}
func (s *memSink) Verify(_ context.Context, v sink.Value) error {
	if s.m.get(s.path) != v.Secret {
		return errors.New("it does not hold the token")
	}
	return nil
}
func (s *memSink) Commit(context.Context, sink.Value) error { return nil }

func withSinks(t *testing.T, m *memSinks, texts ...string) func(*Options) {
	t.Helper()
	p, err := rowsinks.New(texts, m.parse)
	if err != nil {
		t.Fatal(err)
	}
	return func(o *Options) { o.Deliver = p }
}

// checkDelivered asserts that every record's user has its token at its
// own path, and that the token is live.
func checkDelivered(t *testing.T, s *fakeServer, m *memSinks, out string) {
	t.Helper()
	recs := readRecords(t, out)
	checkInvariant(t, s, recs)
	for _, r := range recs {
		path := fmt.Sprintf("axero/user%04d", r.UserID-1000)
		if got := m.get(path); got != r.Token {
			t.Errorf("%s holds %q, want the token of UserID %d", path, got, r.UserID)
		}
	}
}

func TestEachUsersTokenGoesToItsOwnSink(t *testing.T) {
	t.Parallel()
	s, m := newFakeServer(6), newMemSinks()
	out := filepath.Join(t.TempDir(), "out.jsonl")
	sum, err := runMint(t, s, usersCSV(6), out, withSinks(t, m, "mem:axero/{{.UserName}}"))
	if err != nil || sum.Minted != 6 || sum.Delivered != 6 || sum.DeliveryFailed != 0 {
		t.Fatalf("%+v %v", sum, err)
	}
	checkDelivered(t, s, m, out)
	j := string(mustRead(t, job.JournalPath(out)))
	if strings.Contains(j, "eyJsecret") || strings.Count(j, `"op":"committed"`) != 6 || !strings.Contains(j, `"sinks":["mem:axero/{{.UserName}}"]`) {
		t.Fatalf("journal:\n%s", j)
	}
}

// A row whose sink fails its check is failed with nothing minted; a row
// whose sink refuses the write keeps its token in the output and goes to
// the failed file; --resume, once the sink is fixed, delivers it from the
// output without minting again.
func TestSinkFailuresThenResume(t *testing.T) {
	t.Parallel()
	s, m := newFakeServer(6), newMemSinks()
	m.deny["axero/user0002"] = true
	m.failPut["axero/user0004"] = true
	m.failPut["axero/user0005"] = true
	out := filepath.Join(t.TempDir(), "out.jsonl")
	opt := withSinks(t, m, "mem:axero/{{.UserName}}")
	sum, err := runMint(t, s, usersCSV(6), out, opt)
	if err != nil || sum.Minted != 5 || sum.Delivered != 3 || sum.DeliveryFailed != 2 || sum.Failed != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	if len(s.active()[1002]) != 0 {
		t.Fatal("a token was minted for the row whose sink failed its check")
	}
	failed := string(mustRead(t, job.FailedPath(out)))
	for _, want := range []string{
		"1002,mem:axero/user0002: check: permission denied; nothing was minted for this row",
		"mem:axero/user0004: put: 403 permission denied; fix that, then run again with --resume",
		`1005,"token `,
	} {
		if !strings.Contains(failed, want) {
			t.Errorf("the failed file lacks %q:\n%s", want, failed)
		}
	}
	if strings.Contains(failed, "eyJsecret") {
		t.Fatalf("the failed file holds a token:\n%s", failed)
	}
	creates := s.creates

	m.set(func() { m.deny, m.failPut = map[string]bool{}, map[string]bool{} })
	sum, err = runMint(t, s, usersCSV(6), out, func(o *Options) { opt(o); o.Resume = true })
	if err != nil || sum.Minted != 1 || sum.Redelivered != 2 || sum.Delivered != 3 || sum.Skipped != 3 || sum.DeliveryFailed != 0 {
		t.Fatalf("resume %+v %v", sum, err)
	}
	if s.creates != creates+1 {
		t.Fatalf("the resume created %d tokens, want 1 (the row whose check failed)", s.creates-creates)
	}
	checkDelivered(t, s, m, out)
	if _, err := os.Stat(job.FailedPath(out)); !os.IsNotExist(err) {
		t.Fatalf("the failed file of the earlier run is left: %v", err)
	}
}

// A resume delivers the earlier run's undelivered tokens even when its
// input no longer names their users.
func TestResumeDeliversTokensTheInputNoLongerNames(t *testing.T) {
	t.Parallel()
	s, m := newFakeServer(4), newMemSinks()
	m.failPut["axero/user0003"] = true
	out := filepath.Join(t.TempDir(), "out.jsonl")
	opt := withSinks(t, m, "mem:axero/{{.UserName}}")
	if sum, err := runMint(t, s, usersCSV(4), out, opt); err != nil || sum.DeliveryFailed != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	m.set(func() { m.failPut = map[string]bool{} })
	sum, err := runMint(t, s, usersCSV(2), out, func(o *Options) { opt(o); o.Resume = true })
	if err != nil || sum.Redelivered != 1 || sum.Delivered != 1 || sum.Minted != 0 {
		t.Fatalf("%+v %v", sum, err)
	}
	checkDelivered(t, s, m, out)
}

// A dry run checks every row's sinks and lists them in the plan; it
// mints nothing and puts nothing.
func TestDryRunListsEachRowsSinks(t *testing.T) {
	t.Parallel()
	s, m := newFakeServer(3), newMemSinks()
	m.deny["axero/user0003"] = true
	var plan strings.Builder
	sum, err := runMint(t, s, usersCSV(3), "", func(o *Options) {
		withSinks(t, m, "mem:axero/{{.UserName}}", "mem:by-id/{{.UserID}}")(o)
		o.DryRun, o.Plan = true, &plan
	})
	if err != nil || sum.Planned != 2 || sum.Failed != 1 || s.creates != 0 || m.puts != 0 {
		t.Fatalf("%+v %v, %d creates, %d puts", sum, err, s.creates, m.puts)
	}
	for _, want := range []string{"user,UserID,name,expires,result,sink 1,sink 2\n", ",ok,mem:axero/user0001,mem:by-id/1001\n", "mem:axero/user0003: check: permission denied"} {
		if !strings.Contains(plan.String(), want) {
			t.Errorf("the plan lacks %q:\n%s", want, plan.String())
		}
	}
}
