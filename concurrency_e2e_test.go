// End-to-end proof of what --concurrency means: the real binary against
// the emulator, whose own count of the requests it answers at once is the
// judge.
package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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

// --concurrency auto, the default, never has more requests in flight than
// --max-concurrency, on a site it pushes past its capacity; and --debug
// logs each change of its limit with the reason, one line each.
func TestAutoConcurrencyKeepsToItsMaximumAndLogsItsChanges(t *testing.T) {
	const n, most = 120, 6
	srv := emulator.NewTest(t, emulator.Options{Users: n, RecordSecrets: true,
		Site:   emulator.Site{Capacity: 2},
		Faults: emulator.Faults{Latency: 10 * time.Millisecond}})
	dir := t.TempDir()
	users := writeUsers(t, dir, 1001, n)
	out := filepath.Join(dir, "out.jsonl")
	srv.ResetInFlight()
	code, stderr := runBulk(bulkRun(t, srv, dir, "--from", users, "--out", out, "--name", "auto", "--max-concurrency", fmt.Sprint(most), "--debug"))
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if _, peak := srv.InFlight(); peak > most {
		t.Errorf("--max-concurrency %d: the site answered %d requests at once", most, peak)
	}
	data, err := os.ReadFile(out) //nolint:gosec // test reads the output the run wrote in its temporary directory
	if err != nil || strings.Count(string(data), "\n") != n {
		t.Errorf("%d tokens recorded (%v), want %d", strings.Count(string(data), "\n"), err, n)
	}
	// Three times the capacity in flight triples the latency: the limit
	// comes down, and says why.
	var changes []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "LIMIT ") {
			changes = append(changes, l)
		}
	}
	if len(changes) == 0 {
		t.Fatalf("--debug logged no change of the limit:\n%s", stderr[max(len(stderr)-2000, 0):])
	}
	for _, l := range changes {
		if !limitLine.MatchString(l) {
			t.Errorf("a limit change reads %q", l)
		}
	}
	if !strings.Contains(stderr, "the site queues requests") {
		t.Errorf("no change of the limit named the site's queue:\n%s", strings.Join(changes, "\n"))
	}
}

// limitLine is one change of the limit as --debug prints it.
var limitLine = regexp.MustCompile(`^LIMIT \+[0-9]+\.[0-9]{3}s concurrency limit [0-9]+ -> [0-9]+: [a-z0-9 :/(),.-]+$`)

// A dry run's plan lists the rows in the order of the input, however the
// lookups finish.
func TestDryRunPlanKeepsTheInputsOrder(t *testing.T) {
	const n = 120
	srv := emulator.NewTest(t, emulator.Options{Users: n, Faults: emulator.Faults{
		Latency: time.Millisecond, Jitter: 20 * time.Millisecond,
	}})
	dir := t.TempDir()
	var in strings.Builder
	in.WriteString("user\n")
	var want []string
	for i := n; i >= 1; i-- {
		u := fmt.Sprintf("user%04d@example.com", i)
		in.WriteString(u + "\n")
		want = append(want, u)
	}
	users := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(users, []byte(in.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := bulkRun(t, srv, dir, "--from", users, "--dry-run", "--name", "plan", "--concurrency", "16")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if code, stderr := runBulk(cmd); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	rows, err := csv.NewReader(&stdout).ReadAll()
	if err != nil || len(rows) != n+1 {
		t.Fatalf("the plan has %d rows (%v), want a header and %d", len(rows), err, n)
	}
	for i, r := range rows[1:] {
		if r[0] != want[i] {
			t.Fatalf("plan row %d is %s, want %s: the plan is not in the input's order", i+1, r[0], want[i])
		}
	}
}
