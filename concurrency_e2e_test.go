// End-to-end proof of what --concurrency means: the real binary against
// the emulator, whose own count of the requests it answers at once is the
// judge.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
)

// --concurrency K means at most K requests in flight at the site, whatever
// a command does per row: create-for-user looks users up and mints,
// rotate --from lists, mints and revokes, revoke --from lists and
// revokes, the audit pages users while it lists their tokens.
func TestConcurrencyBoundsRequestsInFlightAtTheSite(t *testing.T) {
	const n, k = 120, 4
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true, Faults: emulator.Faults{
		Latency: 5 * time.Millisecond, Jitter: 5 * time.Millisecond,
	}})
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("user\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "user%04d@example.com\n", i) // each row is looked up, then minted
	}
	users := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(users, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, renewed := filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "renewed.jsonl")
	kk := fmt.Sprint(k)
	for _, args := range [][]string{
		{"token", "create-for-user", "--from", users, "--out", out, "--expires", "30d", "--concurrency", kk},
		{"token", "rotate", "--from", out, "--out", renewed, "--concurrency", kk},
		{"token", "audit", "--concurrency", kk, "-o", "csv"},
		{"token", "revoke", "--from", renewed, "--yes", "--concurrency", kk},
	} {
		srv.ResetInFlight()
		code, stderr := runBulk(axeroRun(t, srv, dir, args...))
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", args[1], code, stderr)
		}
		if _, peak := srv.InFlight(); peak > k || peak < 2 {
			t.Errorf("%s --concurrency %d: the site answered %d requests at once", args[1], k, peak)
		}
	}
}
