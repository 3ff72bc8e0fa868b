package job

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

	"github.com/axero-cli/axero/internal/safefile"
)

// lockHelperEnv makes the test binary, re-executed, hold a run's lock
// until its standard input closes or it is killed.
const lockHelperEnv = "AXERO_JOB_LOCK_HELPER"

func TestMain(m *testing.M) {
	if out := os.Getenv(lockHelperEnv); out != "" {
		l, err := AcquireLock(out)
		if err == nil {
			err = l.Start(newRunID(), time.Now(), 0)
		}
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestLockIsExclusiveInProcess(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out.jsonl")
	if err := CheckLock(out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(LockPath(out)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("CheckLock created the lock file")
	}
	l, err := AcquireLock(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Start(newRunID(), time.Now(), 0); err != nil {
		t.Fatal(err)
	}
	for _, try := range []func() error{
		func() error { _, err := AcquireLock(out); return err },
		func() error { return CheckLock(out) },
	} {
		err := try()
		var le *LockedError
		if !errors.As(err, &le) || le.PID != os.Getpid() {
			t.Fatalf("want a LockedError naming PID %d, got %v", os.Getpid(), err)
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, fmt.Sprintf("PID %d", os.Getpid())) || !strings.Contains(msg, out) {
			t.Fatalf("message %q", msg)
		}
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := AcquireLock(out)
	if err != nil {
		t.Fatalf("a released lock should be free: %v", err)
	}
	_ = l2.Release()
	if fi, err := os.Stat(LockPath(out)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("lock file: %v %v", fi, err)
	}
}

func TestLockAcrossProcesses(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out.jsonl")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$") //nolint:gosec // test runs the test binary it was built as
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
	var le *LockedError
	if _, err := AcquireLock(out); !errors.As(err, &le) || le.PID != cmd.Process.Pid {
		t.Fatalf("want the helper's PID %d, got %v", cmd.Process.Pid, err)
	}
	// kill -9: the lock file stays, but its lock died with its holder,
	// and the file still says since when the output's runs go.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	l, err := AcquireLock(out)
	if err != nil {
		t.Fatalf("a stale lock file blocked the next run: %v", err)
	}
	defer func() { _ = l.Release() }()
	if !l.Previous().Known() {
		t.Fatalf("the lock file forgot its run: %+v", l.Previous())
	}
}

func TestLockFileSymlinkRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, LockPath(out)); err != nil {
		t.Skip("no symlinks here")
	}
	_, err := AcquireLock(out)
	var ne *safefile.RefusedError
	if !errors.As(err, &ne) {
		t.Fatalf("want a refusal, got %v", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" { //nolint:gosec // the test's own file
		t.Fatalf("victim %q", b)
	}
}
