package bulk

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lockHelperEnv makes the test binary, re-executed, hold a run's lock
// until its standard input closes or it is killed.
const lockHelperEnv = "AXERO_BULK_LOCK_HELPER"

func TestMain(m *testing.M) {
	if out := os.Getenv(lockHelperEnv); out != "" {
		l, err := AcquireRunLock(out)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		if err := l.Start(newRunID(), time.Now()); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestRunLockIsExclusiveInProcess(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.jsonl")
	l, err := AcquireRunLock(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Start(newRunID(), time.Now()); err != nil {
		t.Fatal(err)
	}
	_, err = AcquireRunLock(out)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Fatalf("want a LockedError naming PID %d, got %v", os.Getpid(), err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, fmt.Sprintf("PID %d", os.Getpid())) || !strings.Contains(msg, out) {
		t.Fatalf("message %q", msg)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := AcquireRunLock(out)
	if err != nil {
		t.Fatalf("a released lock should be free: %v", err)
	}
	_ = l2.Release()
	if fi, err := os.Stat(LockPath(out)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("lock file: %v %v", fi, err)
	}
}

// TestSecondRunRefusedBeforeMinting: a run, resumed or not, on an output
// whose lock another run holds refuses in one line and mints nothing.
func TestSecondRunRefusedBeforeMinting(t *testing.T) {
	for _, resume := range []bool{false, true} {
		t.Run(fmt.Sprintf("resume=%v", resume), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.jsonl")
			held, err := AcquireRunLock(out)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = held.Release() }()
			_ = held.Start(newRunID(), time.Now())
			s := newFakeServer(3)
			_, err = runEngine(t, s, usersCSV(3), out, func(o *Options) { o.Resume = resume })
			var le *LockedError
			if !errors.As(err, &le) || le.PID != os.Getpid() {
				t.Fatalf("want LockedError, got %v", err)
			}
			if s.creates != 0 {
				t.Fatalf("%d creates by a run that did not hold the lock", s.creates)
			}
			if _, err := os.Lstat(out); !errors.Is(err, os.ErrNotExist) {
				t.Fatal("the refused run created --out")
			}
		})
	}
}

func TestRunLockAcrossProcesses(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.jsonl")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$") //nolint:gosec // test runs the test binary or the go tool it was built with
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+out)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}

	s := newFakeServer(3)
	_, err = runEngine(t, s, usersCSV(3), out, func(o *Options) { o.Resume = true })
	var le *LockedError
	if !errors.As(err, &le) || le.PID != cmd.Process.Pid || s.creates != 0 {
		t.Fatalf("want the helper's PID %d, got %v after %d creates", cmd.Process.Pid, err, s.creates)
	}

	// kill -9: the lock file stays, but its lock died with its holder.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if _, err := os.Stat(LockPath(out)); err != nil {
		t.Fatalf("the lock file should outlive its holder: %v", err)
	}
	sum, err := runEngine(t, s, usersCSV(3), out, func(o *Options) { o.Resume = true })
	if err != nil || sum.Minted != 3 {
		t.Fatalf("a stale lock file blocked the resume: %+v %v", sum, err)
	}
	checkInvariant(t, s, readRecords(t, out))
}

func TestLockFileSymlinkRefused(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, LockPath(out)); err != nil {
		t.Skip("no symlinks here")
	}
	s := newFakeServer(1)
	_, err := runEngine(t, s, usersCSV(1), out, nil)
	var ne *NotOursError
	if !errors.As(err, &ne) || s.creates != 0 || string(mustRead(t, victim)) != "precious\n" {
		t.Fatalf("want a refusal, got %v", err)
	}
}
