//go:build unix

// End-to-end tests of bulk inputs that are not plain files, and of the
// signals that end a bulk run.
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
)

// A named pipe as --from is read once, as it is written: nothing opens it
// a second time (a progress bar counting rows did, and waited for a writer
// that never came, ignoring --timeout and SIGTERM).
func TestBulkFromANamedPipe(t *testing.T) {
	const n = 20
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true})
	dir := t.TempDir()
	fifo := filepath.Join(dir, "users.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0) //nolint:gosec // the test's own pipe
		if err != nil {
			return
		}
		fmt.Fprint(f, "user\n")
		for i := 1; i <= n; i++ {
			fmt.Fprintf(f, "%d\n", 1000+i)
		}
		_ = f.Close()
	}()
	out := filepath.Join(dir, "out.jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := bulkRun(t, srv, dir, "--from", fifo, "--out", out, "--name", "piped")
	cmd.Env = append(cmd.Env, "AXERO_FORCE_TTY=1") // the progress bar is drawn
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if code := exitCode(err); code != 0 {
			t.Fatalf("exit %d:\n%s", code, stderr.String())
		}
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		t.Fatalf("create-for-user --from a named pipe did not finish:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), fmt.Sprintf("minted %d, skipped 0, failed 0", n)) {
		t.Fatalf("stderr:\n%s", stderr.String())
	}
	checkBulkInvariant(t, srv, out, n, true)
}

// SIGTERM ends a bulk run as Ctrl-C does: what is in flight is recorded,
// and the run exits 130.
func TestBulkEndsOnSIGTERM(t *testing.T) {
	const n = 200
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true, Faults: emulator.Faults{Latency: 30 * time.Millisecond}})
	dir := t.TempDir()
	users := writeUsers(t, dir, 1001, n)
	out := filepath.Join(dir, "out.jsonl")
	cmd := bulkRun(t, srv, dir, "--from", users, "--out", out, "--name", "term", "--concurrency", "4")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if code := exitCode(stopAfterLines(t, cmd, out, 10, syscall.SIGTERM)); code != 130 {
		t.Fatalf("exit %d, want 130:\n%s", code, stderr.String())
	}
	recs := readBulkOutput(t, out)
	live := 0
	for _, tok := range srv.Tokens() {
		if tok.IsImpersonation && !tok.Revoked {
			live++
		}
	}
	if live != len(recs) || len(recs) >= n {
		t.Fatalf("%d tokens live, %d recorded of %d", live, len(recs), n)
	}
}
