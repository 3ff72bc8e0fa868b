// End-to-end tests of `axero token create-for-user --from`: the real
// binary (which TestMain builds and puts on PATH) against the emulator with faults switched on, compared with the
// emulator's true state afterwards.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
)

// bulkRecord is one line of the JSON Lines output.
type bulkRecord struct {
	User    string `json:"user"`
	UserID  int64  `json:"UserID"`
	TokenID int64  `json:"TokenID"`
	Name    string `json:"name"`
	Token   string `json:"token"`
}

// bulkRun prepares a command running axero with the admin's token against
// srv, in dir.
func bulkRun(t *testing.T, srv *emulator.Server, dir string, args ...string) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("axero")
	if err != nil {
		t.Fatalf("axero is not on PATH (TestMain puts it there): %v", err)
	}
	cmd := exec.Command(bin, append([]string{"token", "create-for-user"}, args...)...) //nolint:gosec // test runs the test binary or the go tool it was built with
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"AXERO_CONFIG_DIR=" + filepath.Join(dir, "config"),
		"AXERO_KEYCHAIN=off",
		"AXERO_NO_PROMPT=1",
		"AXERO_URL=" + srv.URL(),
		"AXERO_TOKEN=" + srv.SeedToken("admin"),
	}
	return cmd
}

func writeUsers(t *testing.T, dir string, first, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("user\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%d\n", first+i)
	}
	p := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func readBulkOutput(t *testing.T, path string) []bulkRecord {
	t.Helper()
	f, err := os.Open(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var recs []bulkRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r bulkRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}

// failedUsers reads the users column of a failed file, if there is one.
func failedUsers(t *testing.T, path string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	b, err := os.ReadFile(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if errors.Is(err, os.ErrNotExist) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if i > 0 && line != "" {
			out[strings.SplitN(line, ",", 2)[0]] = true
		}
	}
	return out
}

// checkBulkInvariant compares the output with the emulator's state: every
// user in 1001..1000+n has exactly one active impersonation token, the one
// in the output whose hash matches its secret, or is in the failed file
// with none; every other token of the run is revoked.
func checkBulkInvariant(t *testing.T, srv *emulator.Server, out string, n int, wantAllMinted bool) {
	t.Helper()
	recs := readBulkOutput(t, out)
	failed := failedUsers(t, out+".failed.csv")
	recorded := map[int64]bulkRecord{}
	for _, r := range recs {
		if _, dup := recorded[r.UserID]; dup {
			t.Errorf("user %d has two records in the output", r.UserID)
		}
		recorded[r.UserID] = r
	}
	active := map[int64]int{}
	for _, tok := range srv.Tokens() {
		if !tok.IsImpersonation || tok.UserID < 1001 || tok.UserID > int64(1000+n) {
			continue
		}
		r, ok := recorded[tok.UserID]
		if ok && r.TokenID == tok.TokenID {
			if tok.Revoked {
				t.Errorf("user %d: the recorded token %d is revoked", tok.UserID, tok.TokenID)
			}
			if tok.Hash != srv.HashSecret(r.Token) {
				t.Errorf("user %d: the secret in the output does not match token %d", tok.UserID, tok.TokenID)
			}
		} else if !tok.Revoked {
			t.Errorf("user %d: token %d of the run is active but not in the output", tok.UserID, tok.TokenID)
		}
		if !tok.Revoked {
			active[tok.UserID]++
		}
	}
	for i := 1; i <= n; i++ {
		id := int64(1000 + i)
		_, rec := recorded[id]
		switch {
		case rec && active[id] != 1:
			t.Errorf("user %d has %d active tokens, want 1", id, active[id])
		case !rec && !failed[fmt.Sprint(id)]:
			t.Errorf("user %d is neither in the output nor in the failed file", id)
		case !rec && active[id] != 0:
			t.Errorf("failed user %d has %d active tokens", id, active[id])
		}
	}
	if wantAllMinted && len(recs) != n {
		t.Errorf("%d records, want %d", len(recs), n)
	}
}

// checkNoSecrets proves that no token value reached the journal, stdout
// or stderr, and that the output is readable by its owner only.
func checkNoSecrets(t *testing.T, srv *emulator.Server, out string, streams ...[]byte) {
	t.Helper()
	journal, err := os.ReadFile(out + ".journal") //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range srv.Secrets() {
		sig := secret[strings.LastIndex(secret, ".")+1:]
		for i, b := range append([][]byte{journal}, streams...) {
			if bytes.Contains(b, []byte(sig)) {
				t.Fatalf("a token value leaked into stream %d (0 is the journal)", i)
			}
		}
	}
	for _, p := range []string{out, out + ".journal"} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v, %v; want 0600", p, fi.Mode().Perm(), err)
		}
	}
}

func TestBulkWithFaultsKeepsTheInvariant(t *testing.T) {
	const n = 500
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true, Faults: emulator.Faults{
		Latency: time.Millisecond, Jitter: 2 * time.Millisecond,
		DropAfterMint: 0.1, FailRate500: 0.05, FailRate503: 0.003,
		RateLimit: 800, RetryAfter: time.Second,
	}})
	dir := t.TempDir()
	users := writeUsers(t, dir, 1001, n)
	out := filepath.Join(dir, "out.jsonl")
	cmd := bulkRun(t, srv, dir, "--from", users, "--out", out, "--expires", "30d", "--concurrency", "16")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	code := exitCode(cmd.Run())
	if code != 0 && code != 5 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout is not empty when piped: %q", stdout.String())
	}
	if !strings.Contains(stderr.String(), "minted ") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("stderr should be one summary line:\n%s", stderr.String())
	}
	dropped := 0
	for _, tok := range srv.Tokens() {
		if !tok.Delivered {
			dropped++
		}
	}
	if dropped == 0 {
		t.Fatal("no create answer was dropped: the faults did not bite")
	}
	checkBulkInvariant(t, srv, out, n, code == 0)
	checkNoSecrets(t, srv, out, stdout.Bytes(), stderr.Bytes())
}

// startWatched starts cmd and returns a channel that receives what its
// Wait returns.
func startWatched(t *testing.T, cmd *exec.Cmd) <-chan error {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return exited
}

// stopAfterLines starts cmd, sends it sig once its output file out holds
// n lines, and returns what its Wait returned. The test fails when the run
// ends before that.
func stopAfterLines(t *testing.T, cmd *exec.Cmd, out string, n int, sig os.Signal) error {
	t.Helper()
	exited := startWatched(t, cmd)
	if !waitForLines(t, out, n, exited) {
		t.Fatalf("the run finished before it could be stopped after %d lines", n)
	}
	_ = cmd.Process.Signal(sig)
	return <-exited
}

// waitForLines waits until path has at least n lines or the process exits.
func waitForLines(t *testing.T, path string, n int, exited <-chan error) bool {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Logf("the run exited before writing %d lines: %v", n, err)
			return false
		default:
		}
		if b, err := os.ReadFile(path); err == nil && bytes.Count(b, []byte("\n")) >= n { //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not reach %d lines", path, n)
	return false
}

func TestBulkKilledThenResumed(t *testing.T) {
	const n = 300
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true, Faults: emulator.Faults{
		Latency: 20 * time.Millisecond, Jitter: 10 * time.Millisecond, DropAfterMint: 0.05,
	}})
	dir := t.TempDir()
	users := writeUsers(t, dir, 1001, n)
	out := filepath.Join(dir, "out.jsonl")
	first := bulkRun(t, srv, dir, "--from", users, "--out", out, "--name", "integration", "--concurrency", "8")
	if err := stopAfterLines(t, first, out, 50, syscall.SIGKILL); err == nil {
		t.Fatal("the killed run exited cleanly")
	}
	killedAt := len(readBulkOutput(t, out))

	resume := bulkRun(t, srv, dir, "--from", users, "--out", out, "--name", "integration", "--concurrency", "8", "--resume")
	var stderr bytes.Buffer
	resume.Stderr = &stderr
	code := exitCode(resume.Run())
	if code != 0 && !onlyLostAnswersFailed(t, out, code) {
		failed, _ := os.ReadFile(out + ".failed.csv") //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
		t.Fatalf("resume exited %d:\n%s\n%s", code, stderr.String(), failed)
	}
	if !strings.Contains(stderr.String(), fmt.Sprintf("skipped %d", killedAt)) {
		t.Errorf("resume should skip the %d users done before the kill:\n%s", killedAt, stderr.String())
	}
	checkBulkInvariant(t, srv, out, n, code == 0)
	checkNoSecrets(t, srv, out, stderr.Bytes())
}

func TestBulkInterruptedRecordsTokensInFlight(t *testing.T) {
	const n = 200
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true, Faults: emulator.Faults{
		Latency: 30 * time.Millisecond,
	}})
	dir := t.TempDir()
	users := writeUsers(t, dir, 1001, n)
	out := filepath.Join(dir, "out.jsonl")
	cmd := bulkRun(t, srv, dir, "--from", users, "--out", out, "--name", "integration", "--concurrency", "4")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if code := exitCode(stopAfterLines(t, cmd, out, 20, syscall.SIGINT)); code != 130 {
		t.Fatalf("exit %d, want 130:\n%s", code, stderr.String())
	}
	recs := readBulkOutput(t, out)
	if len(recs) >= n {
		t.Fatalf("the interrupt stopped nothing: %d records", len(recs))
	}
	// Every token the server minted is in the output: none is left
	// undelivered or unrecorded.
	recorded := map[int64]bool{}
	for _, r := range recs {
		recorded[r.TokenID] = true
	}
	minted := 0
	for _, tok := range srv.Tokens() {
		if tok.IsImpersonation && !tok.Revoked {
			minted++
			if !recorded[tok.TokenID] {
				t.Errorf("token %d for user %d was minted but is not in the output", tok.TokenID, tok.UserID)
			}
		}
	}
	if minted != len(recs) {
		t.Errorf("%d tokens minted, %d recorded", minted, len(recs))
	}
	if !strings.Contains(stderr.String(), "interrupted: minted ") {
		t.Errorf("no summary after the interrupt:\n%s", stderr.String())
	}
	// The rest follows with --resume.
	resume := bulkRun(t, srv, dir, "--from", users, "--out", out, "--name", "integration", "--resume")
	if code := exitCode(resume.Run()); code != 0 {
		t.Fatalf("resume exited %d", code)
	}
	checkBulkInvariant(t, srv, out, n, true)
}

// syncBuffer is a bytes.Buffer that the test can read while the process
// writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestBulkSecondInterruptSaysWhatItWaitsFor(t *testing.T) {
	const n = 100
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true, Faults: emulator.Faults{
		Latency: 10 * time.Millisecond,
	}})
	dir := t.TempDir()
	users := writeUsers(t, dir, 1001, n)
	out := filepath.Join(dir, "out.jsonl")
	cmd := bulkRun(t, srv, dir, "--from", users, "--out", out, "--name", "integration", "--concurrency", "3")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	exited := startWatched(t, cmd)
	if !waitForLines(t, out, 5, exited) {
		t.Fatal("the run finished too soon")
	}
	// From now on every request takes long enough for both signals to
	// arrive while the workers wait for their creates.
	srv.SetFaults(emulator.Faults{Latency: 3 * time.Second})
	time.Sleep(300 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGINT)
	waitForText(t, stderr, "Stopping: no new tokens will be created")
	_ = cmd.Process.Signal(syscall.SIGINT)
	if code := exitCode(<-exited); code != 130 {
		t.Fatalf("exit %d, want 130:\n%s", code, stderr.String())
	}
	if !regexp.MustCompile(`Still waiting for [1-3] request\(s\) in flight: creating a token for 1[0-9]+`).MatchString(stderr.String()) {
		t.Errorf("the second Ctrl-C did not say what is pending:\n%s", stderr.String())
	}
	// The creates that were in flight were seen through and recorded.
	recs := readBulkOutput(t, out)
	live := 0
	for _, tok := range srv.Tokens() {
		if tok.IsImpersonation && !tok.Revoked {
			live++
		}
	}
	if live != len(recs) {
		t.Errorf("%d tokens minted, %d recorded", live, len(recs))
	}
}

func waitForText(t *testing.T, b *syncBuffer, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(b.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in:\n%s", text, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// onlyLostAnswersFailed reports whether a run that exited code failed only
// rows whose every create lost its answer: with answers dropped at random,
// a user may lose all of its attempts (5% a drop, 3 attempts: about one run
// in thirty over 250 users). That row is a correct outcome, not a defect,
// as long as none of its tokens is left active, which the invariant checks.
func onlyLostAnswersFailed(t *testing.T, out string, code int) bool {
	t.Helper()
	if code != 5 {
		return false
	}
	b, err := os.ReadFile(out + ".failed.csv") //nolint:gosec // test reads a file it wrote itself in its temporary directory
	if err != nil {
		return false
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, l := range lines[1:] {
		if !strings.Contains(l, "whose answers were all lost (none of their tokens is left active)") {
			return false
		}
	}
	return len(lines) > 1
}
