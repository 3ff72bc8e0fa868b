package token_test

import (
	"encoding/json"
	"flag"
	"github.com/axero-cli/axero/cmd/cmdtest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
)

var updateTokenGoldens = flag.Bool("update-token-goldens", false, "rewrite cmd/token/testdata/token_*.golden")

// listClock is a settable clock shared by the emulator and the CLI, so that
// golden output does not depend on when the test runs.
type listClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *listClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *listClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var goldenEpoch = time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)

// newListEnv is an emulator holding a known set of jdoe tokens, created at
// known times, with the CLI's clock at goldenEpoch + 10 days.
func newListEnv(t *testing.T) *cmdtest.Env {
	t.Helper()
	clk := &listClock{t: goldenEpoch}
	e := cmdtest.NewToken(t, emulator.Options{Now: clk.now})
	jdoe, _ := e.Srv.UserByName("jdoe")
	at := func(d time.Duration) *time.Time { x := goldenEpoch.Add(d); return &x }
	mint := func(days int, name string, exp *time.Time, actor int64) {
		clk.set(goldenEpoch.Add(time.Duration(days) * 24 * time.Hour))
		if _, err := e.Srv.MintToken(jdoe.UserID, name, exp, actor); err != nil {
			t.Fatal(err)
		}
	}
	mint(1, "ci-deploy-prod", at(91*24*time.Hour), 0)
	mint(2, "nightly-export", at(13*24*time.Hour), 0)
	mint(3, "old-laptop", at(5*24*time.Hour), 0) // expired by day 10
	mint(4, "archive", nil, 0)
	mint(5, "support-session", at(35*24*time.Hour), 1)
	clk.set(goldenEpoch.Add(10 * 24 * time.Hour))
	e.Now = clk.now
	return e
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *updateTokenGoldens {
		if err := os.MkdirAll("testdata", 0o755); err != nil { //nolint:gosec // testdata directory for golden files
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil { //nolint:gosec // golden files are committed and readable by everyone
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if err != nil {
		t.Fatalf("%v (run with -update-token-goldens)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n--- got\n%s--- want\n%s", name, path, got, want)
	}
}

func TestTokenListGoldens(t *testing.T) {
	t.Parallel()
	e := newListEnv(t)
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	args := []string{"token", "list", "--user", "jdoe"}

	e.TTY = true
	checkGolden(t, "token_list_tty", e.MustRun(args...).Stdout)
	e.TTY = false
	checkGolden(t, "token_list_tsv", e.MustRun(args...).Stdout)
	checkGolden(t, "token_list_csv", e.MustRun(append(args, "-o", "csv")...).Stdout)
	checkGolden(t, "token_list_json", e.MustRun(append(args, "-o", "json")...).Stdout)
	checkGolden(t, "token_list_yaml", e.MustRun(append(args, "-o", "yaml")...).Stdout)
	for _, format := range []string{"", "csv", "json", "yaml"} {
		r := e.MustRun(append(args, "-o", orTable(format))...)
		e.AssertNoSecret("list -o "+format, r.Stdout+r.Stderr)
	}
}

func orTable(f string) string {
	if f == "" {
		return "table"
	}
	return f
}

// The caller's own list leaves out impersonation tokens made for them.
func TestTokenListOwnExcludesImpersonation(t *testing.T) {
	t.Parallel()
	e := newListEnv(t)
	r := e.MustRun("token", "list", "--jq", ".[].Name")
	if strings.Contains(r.Stdout, "support-session") || !strings.Contains(r.Stdout, "nightly-export") {
		t.Fatalf("own list:\n%s", r.Stdout)
	}
}

func TestTokenListFilters(t *testing.T) {
	t.Parallel()
	e := newListEnv(t)
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	names := func(args ...string) string {
		t.Helper()
		r := e.MustRun(append([]string{"token", "list", "--user", "3", "--jq", "[.[].Name] | join(\",\")"}, args...)...)
		return strings.TrimSpace(r.Stdout)
	}
	cases := []struct {
		args []string
		want string
	}{
		{nil, "seed,ci-deploy-prod,nightly-export,old-laptop,archive,support-session"},
		{[]string{"--expired"}, "old-laptop"},
		{[]string{"--active"}, "seed,ci-deploy-prod,nightly-export,archive,support-session"},
		{[]string{"--expiring-within", "7d"}, "nightly-export"},
		{[]string{"--expiring-within", "30d"}, "nightly-export,support-session"},
		{[]string{"--impersonation"}, "support-session"},
		{[]string{"--sort", "name"}, "archive,ci-deploy-prod,nightly-export,old-laptop,seed,support-session"},
		{[]string{"--sort", "expires"}, "old-laptop,nightly-export,support-session,ci-deploy-prod,seed,archive"},
		{[]string{"--sort", "name", "--limit", "2"}, "archive,ci-deploy-prod"},
	}
	for _, c := range cases {
		if got := names(c.args...); got != c.want {
			t.Errorf("%v: got %s, want %s", c.args, got, c.want)
		}
	}
}

func TestTokenListExitCode(t *testing.T) {
	t.Parallel()
	e := newListEnv(t)
	r := e.Run("token", "list", "--expiring-within", "7d", "--exit-code")
	if r.Code != 6 || !strings.Contains(r.Stdout, "nightly-export") {
		t.Fatalf("exit %d, stdout %q; want 6 and the token", r.Code, r.Stdout)
	}
	r = e.Run("token", "list", "--expiring-within", "1d", "--exit-code")
	if r.Code != 0 || r.Stdout != "" {
		t.Fatalf("exit %d, stdout %q; want 0 and nothing", r.Code, r.Stdout)
	}
}

func TestTokenListBadInput(t *testing.T) {
	t.Parallel()
	e := newListEnv(t)
	e.Expect(2, "cannot be used together", "token", "list", "--active", "--expired")
	e.Expect(2, "unknown --sort", "token", "list", "--sort", "size")
	e.Expect(2, "--limit must be at least 1", "token", "list", "--limit", "0")
	e.Expect(2, "invalid --expiring-within", "token", "list", "--expiring-within", "soon")
	e.Expect(2, "unknown output format", "token", "list", "-o", "xml")
	// A plain user may not look at other users' tokens.
	e.Expect(3, "not permitted", "token", "list", "--user", "admin")
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	e.Expect(4, `no user matches "nobody"`, "token", "list", "--user", "nobody")
}

func TestTokenListJSONIsAnArrayWhenEmpty(t *testing.T) {
	t.Parallel()
	e := newListEnv(t)
	r := e.MustRun("token", "list", "--impersonation", "-o", "json")
	var v []any
	if err := json.Unmarshal([]byte(r.Stdout), &v); err != nil || v == nil {
		t.Fatalf("want [], got %q", r.Stdout)
	}
}
