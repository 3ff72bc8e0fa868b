// End-to-end tests of what two processes at once, and files that are not
// what they seem, must not break: the real binary against the emulator,
// checked against the emulator's true state.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/emulator"
)

// runBulk runs a prepared bulk command to its end: exit code and stderr.
func runBulk(cmd *exec.Cmd) (int, string) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	return exitCode(cmd.Run()), stderr.String()
}

func TestBulkSecondRunOnTheSameOutIsRefusedNamingTheHolder(t *testing.T) {
	const n = 120
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true, Faults: emulator.Faults{
		Latency: 20 * time.Millisecond,
	}})
	dir := t.TempDir()
	users := writeUsers(t, dir, 1001, n)
	out := filepath.Join(dir, "out.jsonl")
	args := []string{"--from", users, "--out", out, "--name", "integration", "--concurrency", "2"}
	first := bulkRun(t, srv, dir, args...)
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	exited := startWatched(t, first)
	if !waitForLines(t, out, 5, exited) {
		t.Fatal("the first run finished before a second could start")
	}
	// A second run, resumed or not, while the first is still writing.
	for _, extra := range [][]string{{"--resume"}, nil} {
		code, stderr := runBulk(bulkRun(t, srv, dir, append(append([]string{}, args...), extra...)...))
		if code != 1 {
			t.Fatalf("second run %v: exit %d, want 1\n%s", extra, code, stderr)
		}
		want := fmt.Sprintf("is in use by another axero run (PID %d)", first.Process.Pid)
		if !strings.Contains(stderr, want) || strings.Count(stderr, "\n") != 1 {
			t.Fatalf("second run %v: want one line naming PID %d, got:\n%s", extra, first.Process.Pid, stderr)
		}
	}
	if err := <-exited; err != nil {
		t.Fatalf("the first run failed: %v\n%s", err, firstErr.String())
	}
	checkBulkInvariant(t, srv, out, n, true)
}

func TestBulkResumeRefusesAnOutputOthersCanRead(t *testing.T) {
	const n = 3
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true})
	dir := t.TempDir()
	users := writeUsers(t, dir, 1001, n+2)
	// Only the first n users exist... the two more fail: a partial run.
	out := filepath.Join(dir, "out.jsonl")
	args := []string{"--from", users, "--out", out, "--name", "integration"}
	if code, stderr := runBulk(bulkRun(t, srv, dir, args...)); code != 5 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	if err := os.Chmod(out, 0o644); err != nil { //nolint:gosec // the readable output under test
		t.Fatal(err)
	}
	tokens := len(srv.Tokens())
	requests := srv.RequestCount("", "/api")
	code, stderr := runBulk(bulkRun(t, srv, dir, append(args, "--resume")...))
	if code != 2 {
		t.Fatalf("resume on a 0644 output: exit %d, want 2\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "--out "+out) || !strings.Contains(stderr, "mode 0644") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("want one line naming the file and its mode, got:\n%s", stderr)
	}
	if len(srv.Tokens()) != tokens || srv.RequestCount("", "/api") != requests {
		t.Fatal("the refused resume talked to the server")
	}
}

// A journal deleted or cut short before --resume must not lead to a
// second active token for anyone: the run notices, says so, and checks
// each user's tokens before minting.
func TestBulkResumeWithADamagedJournalMintsNoSecondToken(t *testing.T) {
	for _, damage := range []string{"deleted", "truncated"} {
		t.Run(damage, func(t *testing.T) {
			const n = 150
			srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true, Faults: emulator.Faults{
				Latency: 15 * time.Millisecond, DropAfterMint: 0.05,
			}})
			dir := t.TempDir()
			users := writeUsers(t, dir, 1001, n)
			out := filepath.Join(dir, "out.jsonl")
			args := []string{"--from", users, "--out", out, "--name", "integration", "--concurrency", "4"}
			first := bulkRun(t, srv, dir, args...)
			if err := stopAfterLines(t, first, out, 30, syscall.SIGKILL); err == nil {
				t.Fatal("the killed run exited cleanly")
			}
			journal := out + ".journal"
			switch damage {
			case "deleted":
				if err := os.Remove(journal); err != nil {
					t.Fatal(err)
				}
			case "truncated":
				fi, err := os.Stat(journal)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(journal, fi.Size()/2); err != nil {
					t.Fatal(err)
				}
			}
			code, stderr := runBulk(bulkRun(t, srv, dir, append(args, "--resume")...))
			if code != 0 {
				t.Fatalf("resume: exit %d\n%s", code, stderr)
			}
			if !strings.Contains(stderr, "warning: ") || !strings.Contains(stderr, "checked the tokens of") {
				t.Errorf("the resume did not say that it checks every user:\n%s", stderr)
			}
			if strings.ContainsAny(stderr, "\x1b") {
				t.Errorf("raw escape on stderr: %q", stderr)
			}
			checkBulkInvariant(t, srv, out, n, true)
		})
	}
}

func TestBulkFailedFileThatIsASymlinkIsNotFollowed(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Users: 2, RecordSecrets: true})
	dir := t.TempDir()
	users := writeUsers(t, dir, 1001, 3) // 1003 does not exist: its row fails
	out := filepath.Join(dir, "out.jsonl")
	victim := filepath.Join(dir, "victim.txt")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, out+".failed.csv"); err != nil {
		t.Fatal(err)
	}
	code, stderr := runBulk(bulkRun(t, srv, dir, "--from", users, "--out", out, "--name", "integration"))
	if code != 2 || !strings.Contains(stderr, "symbolic link") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("exit %d, want 2 and one line about the symbolic link:\n%s", code, stderr)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "precious\n" { //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
		t.Fatalf("the symlink's target was written: %q %v", b, err)
	}
	for _, tok := range srv.Tokens() {
		if tok.IsImpersonation {
			t.Fatalf("a token was minted: %+v", tok)
		}
	}
}

// Two logins at once for different profiles both keep their profile, and
// no credentials file is left that no profile points at.
func TestConcurrentLoginsKeepEveryProfile(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{})
	bin, err := exec.LookPath("axero")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgDir := filepath.Join(dir, "config")
	login := func(profile, user string) *exec.Cmd {
		cmd := exec.Command(bin, "login", "--profile", profile, "--with-token", "--insecure-storage") //nolint:gosec // test runs the axero binary it found on PATH
		cmd.Dir = dir
		cmd.Env = []string{
			"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "AXERO_CONFIG_DIR=" + cfgDir,
			"AXERO_KEYCHAIN=off", "AXERO_NO_PROMPT=1", "AXERO_URL=" + srv.URL(),
		}
		cmd.Stdin = strings.NewReader(srv.SeedToken(user) + "\n")
		return cmd
	}
	var want []string
	for round := range 5 {
		pair := []string{"a" + strconv.Itoa(round), "b" + strconv.Itoa(round)}
		want = append(want, pair...)
		var wg sync.WaitGroup
		outs := make([][]byte, 2)
		errs := make([]error, 2)
		for i, p := range pair {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = login(p, []string{"jdoe", "admin"}[i]).CombinedOutput()
			}()
		}
		wg.Wait()
		for i := range pair {
			if errs[i] != nil || !bytes.Contains(outs[i], []byte("Logged in to")) {
				t.Fatalf("round %d, login %s: %v\n%s", round, pair[i], errs[i], outs[i])
			}
		}
	}
	cfg, err := config.Load(cfgDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range want {
		prof, ok := cfg.Profile(p)
		if !ok || prof.TokenStore != config.StoreFile {
			t.Errorf("profile %s is gone or holds no token: %+v", p, prof)
		}
		if _, err := cfg.ReadFileToken(p); err != nil {
			t.Errorf("profile %s: %v", p, err)
		}
	}
	creds, _ := filepath.Glob(filepath.Join(filepath.Dir(cfg.FileTokenPath("x")), "*"))
	for _, c := range creds {
		if _, ok := cfg.Profile(filepath.Base(c)); !ok {
			t.Errorf("orphaned credentials file %s", c)
		}
	}
	if len(creds) != len(want) {
		t.Errorf("%d credentials files, want %d", len(creds), len(want))
	}
}
