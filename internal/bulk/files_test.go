package bulk

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// plantSymlink puts a symlink to a precious file at path.
func plantSymlink(t *testing.T, path string) (victim string) {
	t.Helper()
	victim = filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, path); err != nil {
		t.Skip("no symlinks here")
	}
	return victim
}

func TestFailedFileSymlinkRefusedBeforeMinting(t *testing.T) {
	for _, resume := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "out.jsonl")
		victim := plantSymlink(t, FailedPath(out))
		s := newFakeServer(2)
		_, err := runEngine(t, s, usersCSV(2, "ghost"), out, func(o *Options) { o.Resume = resume })
		var ne *NotOursError
		if !errors.As(err, &ne) || !strings.Contains(err.Error(), "symbolic link") {
			t.Fatalf("resume=%v: want a refusal, got %v", resume, err)
		}
		if s.creates != 0 || string(mustRead(t, victim)) != "precious\n" {
			t.Fatalf("resume=%v: %d creates; victim %q", resume, s.creates, mustRead(t, victim))
		}
	}
}

func TestFailedFileHardLinkRefused(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	other := filepath.Join(dir, "other.csv")
	if err := os.WriteFile(other, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(other, FailedPath(out)); err != nil {
		t.Skip("no hard links here")
	}
	s := newFakeServer(1)
	_, err := runEngine(t, s, usersCSV(1, "ghost"), out, nil)
	if err == nil || s.creates != 0 || string(mustRead(t, other)) != "precious\n" {
		t.Fatalf("want a refusal before minting, got %v", err)
	}
}

// TestFailedFileIsReplacedNotTruncated: re-running the failed file as
// --from of the same output reads it whole, though the run writes a new
// failed file at the same path. The file is larger than the input's
// buffer, so a truncation would cut what is still to be read.
func TestFailedFileIsReplacedNotTruncated(t *testing.T) {
	s := newFakeServer(3)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	var ghosts []string
	for i := range 3000 {
		ghosts = append(ghosts, fmt.Sprintf("ghost%04d", i))
	}
	if _, err := runEngine(t, s, usersCSV(2, ghosts...), out, nil); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(FailedPath(out))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	in, err := NewInput(f, "failed")
	if err != nil {
		t.Fatal(err)
	}
	e, _ := New(Options{API: s, Resolver: s, Input: in, OutPath: out, Resume: true, Expiry: fixedExpiry, Concurrency: 1, AdminID: 1})
	sum, err := e.Run(t.Context())
	if err != nil || sum.Failed != 3000 {
		t.Fatalf("every ghost should fail again: %+v %v", sum, err)
	}
	if fi, _ := os.Stat(FailedPath(out)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("failed file mode %v", fi.Mode())
	}
}

func TestResumeRefusesAnOutputOthersCanRead(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits")
	}
	s := newFakeServer(2)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	if _, err := runEngine(t, s, usersCSV(1), out, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(out, 0o644); err != nil { //nolint:gosec // test sets permissions on purpose to exercise the permission checks
		t.Fatal(err)
	}
	before := string(mustRead(t, out))
	_, err := runEngine(t, s, usersCSV(2), out, func(o *Options) { o.Resume = true })
	if err == nil || !strings.Contains(err.Error(), out) || !strings.Contains(err.Error(), "0644") {
		t.Fatalf("want a refusal naming the file and its mode, got %v", err)
	}
	if s.creates != 1 || string(mustRead(t, out)) != before {
		t.Fatalf("the refused resume minted or wrote: %d creates", s.creates)
	}
}

func TestResumeRefusesSymlinkedOutputAndJournal(t *testing.T) {
	for _, which := range []string{"out", "journal"} {
		s := newFakeServer(1)
		out := filepath.Join(t.TempDir(), "out.jsonl")
		if _, err := runEngine(t, s, usersCSV(1), out, nil); err != nil {
			t.Fatal(err)
		}
		path := out
		if which == "journal" {
			path = JournalPath(out)
		}
		_ = os.Remove(path)
		victim := plantSymlink(t, path)
		_, err := runEngine(t, newFakeServer(2), usersCSV(2), out, func(o *Options) { o.Resume = true })
		var ne *NotOursError
		if !errors.As(err, &ne) || string(mustRead(t, victim)) != "precious\n" {
			t.Fatalf("%s: want a refusal, got %v", which, err)
		}
	}
}

func TestExistingJournalMessage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.jsonl")
	if err := os.WriteFile(JournalPath(out), []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newFakeServer(1)
	_, err := runEngine(t, s, usersCSV(1), out, nil)
	if err == nil || s.creates != 0 || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("got %v", err)
	}
	for _, w := range []string{"remove", "delete"} {
		if strings.Contains(strings.ToLower(err.Error()), w) {
			t.Fatalf("the message suggests to %s the journal: %v", w, err)
		}
	}
}

func TestRunFilesArePrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits")
	}
	s := newFakeServer(1)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	if _, err := runEngine(t, s, usersCSV(1, "ghost"), out, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{out, JournalPath(out), FailedPath(out), LockPath(out)} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", p, fi, err)
		}
	}
}
