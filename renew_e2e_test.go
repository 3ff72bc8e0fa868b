// End-to-end tests of `axero token rotate --from`: the real binary against
// the emulator with faults switched on, compared with the emulator's true
// state afterwards.
package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
)

// renewFaults is the bulk tests' fault mix: answers lost after the token
// was minted, 500s and 503s before acting, a rate limit, latency.
var renewFaults = emulator.Faults{
	Latency: time.Millisecond, Jitter: 2 * time.Millisecond,
	DropAfterMint: 0.1, FailRate500: 0.05, FailRate503: 0.003,
	RateLimit: 800, RetryAfter: time.Second,
}

// axeroRun prepares the real binary with args, as the admin, against srv.
func axeroRun(t *testing.T, srv *emulator.Server, dir string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := bulkRun(t, srv, dir)
	cmd.Args = append([]string{cmd.Args[0]}, args...)
	return cmd
}

// seedBulk mints a token named integration for users 1001..1000+n with
// create-for-user and returns its output. expires, when set, is the CSV's
// expires column for each user.
func seedBulk(t *testing.T, srv *emulator.Server, dir string, n int, expires func(i int) string) (string, []bulkRecord) {
	t.Helper()
	var b strings.Builder
	b.WriteString("user,expires\n")
	for i := 0; i < n; i++ {
		e := ""
		if expires != nil {
			e = expires(i)
		}
		fmt.Fprintf(&b, "%d,%s\n", 1001+i, e)
	}
	users := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(users, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, "old.jsonl")
	cmd := axeroRun(t, srv, dir, "token", "create-for-user", "--from", users, "--out", old, "--name", "integration", "--expires", "90d", "--concurrency", "16")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("create-for-user: %v\n%s", err, out)
	}
	recs := readBulkOutput(t, old)
	if len(recs) != n {
		t.Fatalf("create-for-user wrote %d records, want %d", len(recs), n)
	}
	return old, recs
}

// failedTokens reads the TokenID column of a renewal's failed file.
func failedTokens(t *testing.T, path string) map[int64]string {
	t.Helper()
	out := map[int64]string{}
	f, err := os.Open(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if os.IsNotExist(err) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		id, _ := strconv.ParseInt(r[2], 10, 64)
		out[id] = r[len(r)-1]
	}
	return out
}

// checkRenewInvariant compares NEW with the emulator's true state after a
// completed run: every token in NEW is active and its secret matches; each
// old record was renewed (its token revoked, and its user's one active
// token of that name is in NEW), copied (still active, in NEW), or failed
// (in the failed file, with no replacement active); no impersonation token
// of these users is active without its secret on disk. It returns how many
// were renewed, copied and failed.
func checkRenewInvariant(t *testing.T, srv *emulator.Server, old []bulkRecord, newPath string) (renewed, copied, failed int) {
	t.Helper()
	recs := readBulkOutput(t, newPath)
	inNew := map[int64]bulkRecord{}
	for _, r := range recs {
		if _, dup := inNew[r.TokenID]; dup {
			t.Errorf("token %d is in NEW twice", r.TokenID)
		}
		inNew[r.TokenID] = r
	}
	users := map[int64]bool{}
	oldIDs := map[int64]bool{}
	for _, o := range old {
		users[o.UserID] = true
		oldIDs[o.TokenID] = true
	}
	fails := failedTokens(t, newPath+".failed.csv")
	active := map[int64][]int64{} // user → active tokens named integration
	revoked := map[int64]bool{}
	for _, tok := range srv.Tokens() {
		if !users[tok.UserID] || !tok.IsImpersonation {
			continue
		}
		revoked[tok.TokenID] = tok.Revoked
		if r, ok := inNew[tok.TokenID]; ok {
			if tok.Revoked {
				t.Errorf("NEW holds token %d, which is revoked", tok.TokenID)
			}
			if tok.Hash != srv.HashSecret(r.Token) || tok.UserID != r.UserID {
				t.Errorf("NEW's record of token %d does not match the server's", tok.TokenID)
			}
		} else if !tok.Revoked && (!oldIDs[tok.TokenID] || fails[tok.TokenID] == "") {
			t.Errorf("token %d of user %d is active but not in NEW", tok.TokenID, tok.UserID)
		}
		if !tok.Revoked && tok.Name == "integration" {
			active[tok.UserID] = append(active[tok.UserID], tok.TokenID)
		}
	}
	for _, o := range old {
		switch {
		case fails[o.TokenID] != "":
			failed++
			if len(active[o.UserID]) > 1 {
				t.Errorf("failed user %d has %d active tokens", o.UserID, len(active[o.UserID]))
			}
		case inNew[o.TokenID].TokenID == o.TokenID:
			copied++
			if revoked[o.TokenID] {
				t.Errorf("copied token %d was revoked", o.TokenID)
			}
		default:
			renewed++
			if !revoked[o.TokenID] {
				t.Errorf("renewed token %d of user %d is still active", o.TokenID, o.UserID)
			}
			if a := active[o.UserID]; len(a) != 1 {
				t.Errorf("user %d has %d active tokens named integration, want 1", o.UserID, len(a))
			} else if _, ok := inNew[a[0]]; !ok {
				t.Errorf("user %d's active token %d is not in NEW", o.UserID, a[0])
			}
		}
	}
	return renewed, copied, failed
}

// checkRenewCovered is the invariant of every instant, right after a kill
// included: each user has a working token whose secret is in OLD or NEW.
func checkRenewCovered(t *testing.T, srv *emulator.Server, old []bulkRecord, newPath string) {
	t.Helper()
	onDisk := map[int64][]bulkRecord{}
	for _, o := range old {
		onDisk[o.UserID] = append(onDisk[o.UserID], o)
	}
	b, err := os.ReadFile(newPath) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		if err := os.WriteFile(newPath+".complete", b[:i+1], 0o600); err != nil { //nolint:gosec // the path is NEW's, in the test's temporary directory
			t.Fatal(err)
		}
		for _, r := range readBulkOutput(t, newPath+".complete") {
			onDisk[r.UserID] = append(onDisk[r.UserID], r)
		}
		_ = os.Remove(newPath + ".complete")
	}
	for uid, recs := range onDisk {
		ok := false
		for _, r := range recs {
			if tok, found := srv.TokenByHash(srv.HashSecret(r.Token)); found && !tok.Revoked && tok.TokenID == r.TokenID {
				ok = true
			}
		}
		if !ok {
			t.Errorf("user %d has no working token whose secret is on disk", uid)
		}
	}
}

func TestRenewWithFaultsKeepsTheInvariant(t *testing.T) {
	const n = 500
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true})
	dir := t.TempDir()
	from, old := seedBulk(t, srv, dir, n, nil)
	srv.SetFaults(renewFaults)
	out := filepath.Join(dir, "new.jsonl")
	cmd := axeroRun(t, srv, dir, "token", "rotate", "--from", from, "--out", out, "--concurrency", "16")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	code := exitCode(cmd.Run())
	if code != 0 && code != 5 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	srv.SetFaults(emulator.Faults{})
	if stdout.Len() != 0 || !strings.HasPrefix(stderr.String(), "renewed ") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("piped, stdout must be empty and stderr one summary line:\n%s%s", stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "whose answer was lost") {
		t.Errorf("no lost answer was reconciled: the faults did not bite:\n%s", stderr.String())
	}
	renewed, _, failed := checkRenewInvariant(t, srv, old, out)
	if renewed+failed != n || (code == 0) != (failed == 0) {
		t.Fatalf("exit %d, renewed %d, failed %d", code, renewed, failed)
	}
	checkNoSecrets(t, srv, out, stdout.Bytes(), stderr.Bytes())
}

func TestRenewOnlyTheDueWithFaults(t *testing.T) {
	const n = 500
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true})
	dir := t.TempDir()
	from, old := seedBulk(t, srv, dir, n, func(i int) string {
		if i%3 == 0 {
			return "10d"
		}
		return "90d"
	})
	srv.SetFaults(renewFaults)
	out := filepath.Join(dir, "new.jsonl")
	cmd := axeroRun(t, srv, dir, "token", "rotate", "--from", from, "--out", out, "--if-expiring-within", "30d", "--concurrency", "16")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	code := exitCode(cmd.Run())
	if code != 0 && code != 5 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	srv.SetFaults(emulator.Faults{})
	renewed, copied, failed := checkRenewInvariant(t, srv, old, out)
	due := (n + 2) / 3
	if copied != n-due || renewed+failed != due {
		t.Fatalf("renewed %d, copied %d, failed %d; want %d due\n%s", renewed, copied, failed, due, stderr.String())
	}
	if got := len(readBulkOutput(t, out)); got != n-failed {
		t.Fatalf("NEW has %d records, want %d: it must be the complete set", got, n-failed)
	}
}

func TestRenewKilledThenResumed(t *testing.T) {
	const n = 500
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true})
	dir := t.TempDir()
	from, old := seedBulk(t, srv, dir, n, nil)
	f := renewFaults
	f.Latency = 5 * time.Millisecond
	srv.SetFaults(f)
	out := filepath.Join(dir, "new.jsonl")
	first := axeroRun(t, srv, dir, "token", "rotate", "--from", from, "--out", out, "--concurrency", "8")
	if err := stopAfterLines(t, first, out, n/3, syscall.SIGKILL); err == nil {
		t.Fatal("the killed run exited cleanly")
	}
	// The server finishes what was sent before the kill.
	srv.SetFaults(emulator.Faults{})
	for cur, _ := srv.InFlight(); cur > 0; cur, _ = srv.InFlight() {
		time.Sleep(5 * time.Millisecond)
	}
	checkRenewCovered(t, srv, old, out)

	srv.SetFaults(renewFaults)
	resume := axeroRun(t, srv, dir, "token", "rotate", "--from", from, "--out", out, "--concurrency", "8", "--resume")
	var stderr bytes.Buffer
	resume.Stderr = &stderr
	code := exitCode(resume.Run())
	if code != 0 && code != 5 {
		t.Fatalf("resume exited %d:\n%s", code, stderr.String())
	}
	srv.SetFaults(emulator.Faults{})
	if !strings.Contains(stderr.String(), "already done ") {
		t.Errorf("the resume should skip the killed run's records:\n%s", stderr.String())
	}
	renewed, _, failed := checkRenewInvariant(t, srv, old, out)
	if renewed+failed != n || (code == 0) != (failed == 0) {
		t.Fatalf("exit %d, renewed %d, failed %d\n%s", code, renewed, failed, stderr.String())
	}
	checkNoSecrets(t, srv, out, stderr.Bytes())
}

func TestRenewInterruptedRecordsWorkInFlight(t *testing.T) {
	const n = 200
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true})
	dir := t.TempDir()
	from, old := seedBulk(t, srv, dir, n, nil)
	srv.SetFaults(emulator.Faults{Latency: 30 * time.Millisecond})
	out := filepath.Join(dir, "new.jsonl")
	cmd := axeroRun(t, srv, dir, "token", "rotate", "--from", from, "--out", out, "--concurrency", "4")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if code := exitCode(stopAfterLines(t, cmd, out, 20, syscall.SIGINT)); code != 130 {
		t.Fatalf("exit %d, want 130:\n%s", code, stderr.String())
	}
	if !strings.HasPrefix(lastLine(stderr.String()), "interrupted: renewed ") {
		t.Errorf("no summary after the interrupt:\n%s", stderr.String())
	}
	// Every replacement minted is in NEW, and its old token is revoked:
	// the work in flight was seen through.
	recs := readBulkOutput(t, out)
	if len(recs) >= n {
		t.Fatalf("the interrupt stopped nothing: %d records", len(recs))
	}
	srv.SetFaults(emulator.Faults{})
	checkRenewCovered(t, srv, old, out)
	renewedNow := map[int64]bool{}
	for _, r := range recs {
		renewedNow[r.UserID] = true
	}
	oldIDs := map[int64]bool{}
	for _, o := range old {
		oldIDs[o.TokenID] = true
	}
	for _, tok := range srv.Tokens() {
		if tok.IsImpersonation && !tok.Revoked && oldIDs[tok.TokenID] && renewedNow[tok.UserID] {
			t.Errorf("user %d was renewed but the old token %d is still active", tok.UserID, tok.TokenID)
		}
	}
	resume := axeroRun(t, srv, dir, "token", "rotate", "--from", from, "--out", out, "--resume")
	if code := exitCode(resume.Run()); code != 0 {
		t.Fatalf("resume exited %d", code)
	}
	if renewed, _, _ := checkRenewInvariant(t, srv, old, out); renewed != n {
		t.Fatalf("renewed %d of %d", renewed, n)
	}
}

func TestRenewWithoutPermissionChangesNothing(t *testing.T) {
	const n = 5
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true})
	dir := t.TempDir()
	from, _ := seedBulk(t, srv, dir, n, nil)
	before, err := os.ReadFile(from) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	cmd := axeroRun(t, srv, dir, "token", "rotate", "--from", from, "--out", filepath.Join(dir, "new.jsonl"))
	cmd.Env = append(cmd.Env, "AXERO_TOKEN="+srv.SeedToken("siteadmin"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if code := exitCode(cmd.Run()); code != 3 {
		t.Fatalf("exit %d, want 3:\n%s", code, stderr.String())
	}
	after, err := os.ReadFile(from) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if err != nil {
		t.Fatal(err)
	}
	entriesAfter, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) || len(entries) != len(entriesAfter) {
		t.Fatalf("files changed: %d entries before, %d after", len(entries), len(entriesAfter))
	}
	if got := srv.RequestCount("POST", "/api/users/") + srv.RequestCount("DELETE", "/api/bearertokens"); got != n {
		t.Fatalf("%d changing requests in all, want the %d creates of the seeding", got, n)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
