package bulk

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
)

// crashedRun leaves what a run killed with kill -9 leaves: the users in
// done minted and recorded, and the users in lost with a durable intent
// and an active token whose answer never arrived. It returns the
// journal's size before the lost intents.
func crashedRun(t *testing.T, s *fakeServer, out string, done, lost []int64) int64 {
	t.Helper()
	lock, err := AcquireRunLock(out)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lock.Release() }() // no Seal: the process died
	run, started := newRunID(), time.Now().Add(-time.Minute)
	_ = lock.Start(run, started)
	w, err := CreateOutput(out)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Close() }()
	j, err := CreateJournal(JournalPath(out), out, run, started)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = j.Close() }()
	ctx := context.Background()
	for _, id := range done {
		_ = j.AppendSync(JournalRecord{Op: opIntent, UserID: id, Name: "n", At: time.Now()})
		ct, _ := s.CreateUserToken(ctx, id, client.CreateTokenRequest{Name: "n"})
		_ = w.Write(RecordFor(idString(id), ct))
		_ = w.Sync()
		_ = j.Append(JournalRecord{Op: opDone, UserID: id, Name: "n", TokenID: ct.TokenID, At: time.Now()})
	}
	_ = j.AppendSync(JournalRecord{Op: opFailed, UserID: 1, At: time.Now()}) // make the done records durable
	before := j.Size()
	for _, id := range lost {
		_ = j.AppendSync(JournalRecord{Op: opIntent, User: idString(id), UserID: id, Name: "n", At: time.Now()})
		_, _ = s.CreateUserToken(ctx, id, client.CreateTokenRequest{Name: "n"})
	}
	return before
}

func resumeN(t *testing.T, s *fakeServer, out string, n int, mod func(*Options)) (Summary, []string, error) {
	t.Helper()
	var warnings []string
	sum, err := runEngine(t, s, usersCSV(n), out, func(o *Options) {
		o.Resume, o.Name = true, "n"
		o.Warn = func(m string) { warnings = append(warnings, m) }
		if mod != nil {
			mod(o)
		}
	})
	return sum, warnings, err
}

func TestResumeTrustsAnIntactJournal(t *testing.T) {
	s := newFakeServer(10)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	if _, err := runEngine(t, s, usersCSV(5), out, func(o *Options) { o.Name = "n" }); err != nil {
		t.Fatal(err)
	}
	sum, warnings, err := resumeN(t, s, out, 10, nil)
	if err != nil || sum.Minted != 5 || sum.Skipped != 5 || sum.Rechecked != 0 || len(warnings) != 0 {
		t.Fatalf("%+v %v %q", sum, err, warnings)
	}
	checkInvariant(t, s, readRecords(t, out))
}

func TestResumeNoticesAnUntrustworthyJournal(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, out string, before int64)
		warn   string
	}{
		{"cut short", func(t *testing.T, out string, before int64) {
			_ = os.Truncate(JournalPath(out), before)
		}, "did not end cleanly"},
		{"cut to its header", func(t *testing.T, out string, before int64) {
			b := mustRead(t, JournalPath(out))
			if err := os.WriteFile(JournalPath(out), b[:bytes.IndexByte(b, '\n')+1], 0o600); err != nil {
				t.Fatal(err)
			}
		}, "did not end cleanly"},
		{"deleted", func(t *testing.T, out string, before int64) {
			_ = os.Remove(JournalPath(out))
		}, "is missing"},
		{"corrupted", func(t *testing.T, out string, before int64) {
			b := mustRead(t, JournalPath(out))
			// The lost intents now name other users.
			b = append(b[:before], bytes.ReplaceAll(b[before:], []byte(`"UserID":100`), []byte(`"UserID":190`))...)
			if err := os.WriteFile(JournalPath(out), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "is damaged at line"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newFakeServer(10)
			out := filepath.Join(t.TempDir(), "out.jsonl")
			before := crashedRun(t, s, out, []int64{1001, 1002}, []int64{1006, 1007, 1008})
			c.damage(t, out, before)
			sum, warnings, err := resumeN(t, s, out, 10, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], c.warn) || strings.Contains(warnings[0], "\n") {
				t.Fatalf("warnings %q, want one line with %q", warnings, c.warn)
			}
			if sum.Minted != 8 || sum.Rechecked != 8 || sum.Revoked != 3 {
				t.Fatalf("summary %+v", sum)
			}
			checkInvariant(t, s, readRecords(t, out))
		})
	}
}

func TestResumeNoticesASealedJournalCutShort(t *testing.T) {
	s := newFakeServer(3)
	s.dropRate, s.listErrRate = 1, 1
	out := filepath.Join(t.TempDir(), "out.jsonl")
	// A clean run that leaves one create unsettled in its journal.
	if _, err := runEngine(t, s, usersCSV(1), out, func(o *Options) { o.Name = "n"; o.MaxAttempts = 1 }); err != nil {
		t.Fatal(err)
	}
	b := mustRead(t, JournalPath(out))
	if err := os.WriteFile(JournalPath(out), b[:bytes.IndexByte(b, '\n')+1], 0o600); err != nil {
		t.Fatal(err)
	}
	s.dropRate, s.listErrRate = 0, 0
	sum, warnings, err := resumeN(t, s, out, 3, nil)
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "shorter than when its run ended") {
		t.Fatalf("%v %q", err, warnings)
	}
	if sum.Minted != 3 || sum.Revoked != 1 {
		t.Fatalf("summary %+v", sum)
	}
	checkInvariant(t, s, readRecords(t, out))
}

func TestRecheckIsRememberedUntilEveryUserIsChecked(t *testing.T) {
	s := newFakeServer(10)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	crashedRun(t, s, out, []int64{1001}, []int64{1009})
	_ = os.Remove(JournalPath(out))
	// This resume stops before it reaches user 1009.
	if _, _, err := resumeN(t, s, out, 3, nil); err != nil {
		t.Fatal(err)
	}
	sum, warnings, err := resumeN(t, s, out, 10, nil)
	if err != nil || len(warnings) != 1 || sum.Revoked != 1 {
		t.Fatalf("%+v %v %q", sum, err, warnings)
	}
	checkInvariant(t, s, readRecords(t, out))
}

func TestResumeWithNoRecordOfTheRunRefuses(t *testing.T) {
	s := newFakeServer(10)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	crashedRun(t, s, out, []int64{1001}, []int64{1005})
	_ = os.Remove(JournalPath(out))
	_ = os.Remove(LockPath(out))
	creates := s.creates
	_, _, err := resumeN(t, s, out, 10, nil)
	if err == nil || strings.Contains(err.Error(), "\n") || s.creates != creates {
		t.Fatalf("want a one-line refusal before minting, got %v", err)
	}
	// Told when to look from, it checks everyone.
	sum, _, err := resumeN(t, s, out, 10, func(o *Options) { o.RecheckSince = time.Now().Add(-time.Hour) })
	if err != nil || sum.Revoked != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	checkInvariant(t, s, readRecords(t, out))
}

func TestResumeRefusesAnotherOutputsJournal(t *testing.T) {
	s := newFakeServer(10)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	crashedRun(t, s, a, []int64{1001}, []int64{1005})
	if _, err := runEngine(t, s, usersCSV(1), b, func(o *Options) { o.Name = "n" }); err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(JournalPath(b))
	if err := os.WriteFile(JournalPath(b), mustRead(t, JournalPath(a)), 0o600); err != nil {
		t.Fatal(err)
	}
	creates := s.creates
	_, _, err := resumeN(t, s, b, 10, nil)
	var ne *NotOursError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), `belongs to the output "a.jsonl"`) || s.creates != creates {
		t.Fatalf("got %v", err)
	}
}

func TestResumeAfterATornJournalLineAppendsCleanly(t *testing.T) {
	s := newFakeServer(10)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	crashedRun(t, s, out, []int64{1001}, []int64{1005})
	f, _ := os.OpenFile(JournalPath(out), os.O_WRONLY|os.O_APPEND, 0)
	_, _ = f.WriteString(`{"op":"intent","UserID":10`)
	_ = f.Close()
	if _, _, err := resumeN(t, s, out, 10, nil); err != nil {
		t.Fatal(err)
	}
	f, _ = os.Open(JournalPath(out))
	defer func() { _ = f.Close() }()
	st, err := ReadJournal(f)
	if err != nil || st.Damaged != 0 || st.Torn() || st.Header == nil {
		t.Fatalf("%+v %v", st, err)
	}
	checkInvariant(t, s, readRecords(t, out))
}
