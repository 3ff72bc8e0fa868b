package renew

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/bulk"
	"github.com/axero-cli/axero/internal/emulator"
)

// TestResumeWithoutItsJournalRechecksEveryUser: the journal of a killed
// run is gone, so nothing says what that run minted. The resume must not
// mint blind: a replacement the run wrote to NEW is recognised (user 0 is
// not given a second one), and a token it minted whose answer never
// reached NEW is revoked before the user's renewal (user 1).
func TestResumeWithoutItsJournalRechecksEveryUser(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Users: 3})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	old := seedOld(t, srv, from, 3, nil)
	api := newAPI(t, srv, "admin", 2)
	ctx := context.Background()

	// What a killed run leaves: its lock file naming the run, NEW with one
	// replacement, and a token minted for user 1 that nobody holds.
	lock, err := bulk.AcquireRunLock(out)
	if err != nil {
		t.Fatal(err)
	}
	j, err := bulk.NewRun(out, lock, time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	_ = j.Close()
	_ = lock.Release()
	nw, err := bulk.CreateOutput(out)
	if err != nil {
		t.Fatal(err)
	}
	recorded, err := api.CreateUserToken(ctx, old[0].UserID, client.CreateTokenRequest{Name: old[0].Name})
	if err != nil {
		t.Fatal(err)
	}
	_ = nw.Write(bulk.RecordFor(old[0].User, recorded))
	_ = nw.Close()
	orphan, err := api.CreateUserToken(ctx, old[1].UserID, client.CreateTokenRequest{Name: old[1].Name})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(JournalPath(out)); err != nil {
		t.Fatal(err)
	}

	var warned string
	o := testOptions(api, from, out)
	o.Resume = true
	o.Warn = func(msg string) { warned = msg }
	sum, err := run(t, o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(warned, "missing") || !strings.Contains(warned, "checked") {
		t.Fatalf("the recheck was not announced: %q", warned)
	}
	if sum.AlreadyDone != 1 || sum.Renewed != 2 || sum.LostRevoked != 1 || sum.Revoked != 3 {
		t.Fatalf("summary %+v", sum)
	}
	renewed, _, failed := checkFinal(t, srv, old, out)
	if renewed != 3 || failed != 0 {
		t.Fatalf("renewed %d failed %d", renewed, failed)
	}
	for _, ts := range srv.Tokens() {
		if ts.TokenID == orphan.TokenID && !ts.Revoked {
			t.Fatal("the token nobody holds is still active")
		}
		if ts.TokenID == recorded.TokenID && ts.Revoked {
			t.Fatal("the recorded replacement was revoked")
		}
	}
	if n := srv.RequestCount("POST", "/api/users/"); n != 2+2 {
		t.Fatalf("%d creates in all, want 2 by the test and 2 by the resume", n)
	}

	// The recheck is remembered: the next resume checks again, even
	// though this run ended cleanly.
	warned = ""
	if _, err := run(t, o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(warned, "untrustworthy") {
		t.Fatalf("a later resume trusted a journal once found wanting: %q", warned)
	}
}

// TestResumeAfterACleanStopTrustsTheJournal: a run stopped by Ctrl-C
// ends cleanly and seals its journal, and a resume then finishes without
// checking every user again.
func TestResumeAfterACleanStopTrustsTheJournal(t *testing.T) {
	const n = 6
	srv := emulator.NewTest(t, emulator.Options{Users: n})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	old := seedOld(t, srv, from, n, nil)
	api := newAPI(t, srv, "admin", 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := testOptions(api, from, out)
	o.Concurrency = 1
	o.Progress = func(Progress) { cancel() } // Ctrl-C after the first record
	rn, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	first, err := rn.Run(ctx)
	if err != nil || !first.Interrupted || first.Renewed == 0 || first.Renewed == n {
		t.Fatalf("the interrupted run: %+v %v", first, err)
	}
	var warned string
	o = testOptions(api, from, out)
	o.Resume = true
	o.Warn = func(msg string) { warned = msg }
	lists := srv.RequestCount("GET", "/api/users/")
	sum, err := run(t, o)
	if err != nil {
		t.Fatal(err)
	}
	if warned != "" {
		t.Fatalf("a sealed journal was not trusted: %q", warned)
	}
	if renewed, _, _ := checkFinal(t, srv, old, out); renewed != n || sum.Renewed+sum.AlreadyDone != n || sum.AlreadyDone != first.Renewed {
		t.Fatalf("first %+v, resumed %+v, renewed %d", first, sum, renewed)
	}
	// users/me, then one list per record renewed: no user was checked twice.
	if got := srv.RequestCount("GET", "/api/users/") - lists; got != 1+sum.Renewed {
		t.Fatalf("%d lists for %d renewals", got, sum.Renewed)
	}
}

func TestResumeRefusesAnotherOutputsJournal(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Users: 2})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	seedOld(t, srv, from, 2, nil)
	j, err := bulk.CreateJournal(JournalPath(out), filepath.Join(dir, "other.jsonl"), "0123456789abcdef0123", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_ = j.Close()
	o := testOptions(newAPI(t, srv, "admin", 2), from, out)
	o.Resume = true
	_, err = run(t, o)
	var notOurs *bulk.NotOursError
	if !errors.As(err, &notOurs) || !strings.Contains(err.Error(), "other.jsonl") {
		t.Fatalf("error %v, want the foreign journal refused", err)
	}
	if n := srv.RequestCount("POST", "/api/users/") + srv.RequestCount("DELETE", "/api/bearertokens"); n != 0 {
		t.Fatalf("%d changes were sent", n)
	}
	if _, err := os.Lstat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("NEW was created: %v", err)
	}
}

func TestResumeRefusesAnOutputThatIsNotPrivate(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Users: 2})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	seedOld(t, srv, from, 2, nil)
	o := testOptions(newAPI(t, srv, "admin", 2), from, out)
	o.Resume = true

	if err := os.WriteFile(out, nil, 0o644); err != nil { //nolint:gosec // the readable output under test
		t.Fatal(err)
	}
	if err := os.Chmod(out, 0o644); err != nil { //nolint:gosec // the readable output under test
		t.Fatal(err)
	}
	if _, err := run(t, o); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a readable NEW: %v", err)
	}
	_ = os.Remove(out)
	target := filepath.Join(dir, "elsewhere.jsonl")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, out); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, o); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("a symlinked NEW: %v", err)
	}
	if n := srv.RequestCount("POST", "/api/users/"); n != 0 {
		t.Fatalf("%d creates were sent", n)
	}
}

func TestASecondRunOnTheSameOutputIsRefused(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Users: 2})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	seedOld(t, srv, from, 2, nil)
	lock, err := bulk.AcquireRunLock(out)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := lock.Release(); err != nil {
			t.Error(err)
		}
	}()
	o := testOptions(newAPI(t, srv, "admin", 2), from, out)
	for _, resume := range []bool{false, true} {
		o.Resume = resume
		_, err := run(t, o)
		var locked *bulk.LockedError
		if !errors.As(err, &locked) {
			t.Fatalf("resume=%v: %v, want the run lock refused", resume, err)
		}
	}
	if n := srv.RequestCount("POST", "/api/users/"); n != 0 {
		t.Fatalf("%d creates were sent", n)
	}
}
