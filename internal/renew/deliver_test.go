package renew

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/rotation"
	"github.com/axero-cli/axero/internal/rowsinks"
	"github.com/axero-cli/axero/internal/sink"
)

// memSinks is a store of sinks in memory, mem:PATH, whose paths can be
// refused at the check or at the write.
type memSinks struct {
	mu      sync.Mutex
	held    map[string]string
	deny    map[string]bool
	failPut map[string]bool
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

func deliverTo(t *testing.T, m *memSinks, o *Options) {
	t.Helper()
	p, err := rowsinks.New([]string{"mem:axero/{{.UserName}}"}, m.parse)
	if err != nil {
		t.Fatal(err)
	}
	o.Deliver = p
}

// userPath is where the sink template puts the token of the emulator's
// generated user uid (user0001 is 1001).
func userPath(uid int64) string { return fmt.Sprintf("axero/user%04d", uid-1000) }

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path) //nolint:gosec // the test's own file
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Each replacement goes to its user's own sink before the old token is
// revoked; a user whose sink refuses the write keeps the old token live,
// its replacement in NEW, and the failed file says which sink and why;
// --resume delivers from NEW, then revokes.
func TestRenewalDeliversEachReplacementBeforeRevoking(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTest(t, emulator.Options{Users: 6})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	old := seedOld(t, srv, from, 6, nil)
	api := newAPI(t, srv, "admin", 4)
	m := newMemSinks()
	m.deny[userPath(1002)] = true
	m.failPut[userPath(1004)] = true
	o := testOptions(t, api, from, out)
	deliverTo(t, m, &o)
	sum, err := run(t, o)
	if err != nil || sum.Renewed != 5 || sum.Delivered != 4 || sum.DeliveryFailed != 1 || sum.Failed != 1 || sum.OldRevoked != 4 {
		t.Fatalf("%+v %v", sum, err)
	}
	live := map[int64]bool{}
	for _, ts := range srv.Tokens() {
		live[ts.TokenID] = !ts.Revoked
	}
	for i, r := range old {
		want := r.UserID != 1002 && r.UserID != 1004 // revoked only when delivered
		if live[r.TokenID] == want {
			t.Errorf("old token of user %d: live %v", 1001+i, live[r.TokenID])
		}
	}
	reasons := failedReasons(t, out)
	if !strings.Contains(reasons[old[1].TokenID], "check: permission denied; nothing was minted") ||
		!strings.Contains(reasons[old[3].TokenID], "put: 403 permission denied") || !strings.Contains(reasons[old[3].TokenID], "run again with --resume") {
		t.Fatalf("reasons %v", reasons)
	}

	m.mu.Lock()
	m.deny, m.failPut = map[string]bool{}, map[string]bool{}
	m.mu.Unlock()
	o.Resume = true
	sum, err = run(t, o)
	if err != nil || sum.Renewed != 1 || sum.AlreadyDone != 5 || sum.Delivered != 2 || sum.OldRevoked != 2 || sum.DeliveryFailed != 0 {
		t.Fatalf("resume %+v %v", sum, err)
	}
	if renewed, _, failed := checkFinal(t, srv, old, out); renewed != 6 || failed != 0 {
		t.Fatalf("renewed %d failed %d", renewed, failed)
	}
	for _, n := range readAll(t, out) {
		if got := m.get(userPath(n.UserID)); got != n.Token {
			t.Errorf("user %d's sink holds %q", n.UserID, got)
		}
	}
	if j := string(mustReadFile(t, job.JournalPath(out))); strings.Contains(j, "eyJ") {
		t.Fatal("the journal holds a token")
	}
}

// With Grace the old token is renamed with the superseded marker, not
// revoked.
func TestRenewalWithGraceSupersedes(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTest(t, emulator.Options{Users: 2})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	old := seedOld(t, srv, from, 2, nil)
	o := testOptions(t, newAPI(t, srv, "admin", 2), from, out)
	m := newMemSinks()
	deliverTo(t, m, &o)
	o.Grace = 7 * 24 * time.Hour
	sum, err := run(t, o)
	if err != nil || sum.OldSuperseded != 2 || sum.OldRevoked != 0 || sum.Delivered != 2 {
		t.Fatalf("%+v %v", sum, err)
	}
	for _, ts := range srv.Tokens() {
		if ts.TokenID == old[0].TokenID {
			base, after, ok := rotation.ParseMark(ts.Name)
			if ts.Revoked || !ok || base != "integration" || after.Before(time.Now().Add(6*24*time.Hour)) {
				t.Fatalf("old token: revoked %v, name %q", ts.Revoked, ts.Name)
			}
		}
	}
}
