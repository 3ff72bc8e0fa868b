package cmd

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/client/axerotest"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/iostreams"
)

var updateTokenGoldens = flag.Bool("update-token-goldens", false, "rewrite cmd/testdata/token_*.golden")

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
func newListEnv(t *testing.T) *tokenEnv {
	t.Helper()
	clk := &listClock{t: goldenEpoch}
	e := newTokenEnv(t, axerotest.Options{Now: clk.now})
	jdoe, _ := e.srv.UserByName("jdoe")
	at := func(d time.Duration) *time.Time { x := goldenEpoch.Add(d); return &x }
	mint := func(days int, name string, exp *time.Time, actor int64) {
		clk.set(goldenEpoch.Add(time.Duration(days) * 24 * time.Hour))
		if _, err := e.srv.MintToken(jdoe.UserID, name, exp, actor); err != nil {
			t.Fatal(err)
		}
	}
	mint(1, "ci-deploy-prod", at(91*24*time.Hour), 0)
	mint(2, "nightly-export", at(13*24*time.Hour), 0)
	mint(3, "old-laptop", at(5*24*time.Hour), 0) // expired by day 10
	mint(4, "archive", nil, 0)
	mint(5, "support-session", at(35*24*time.Hour), 1)
	clk.set(goldenEpoch.Add(10 * 24 * time.Hour))
	e.now = clk.now
	return e
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *updateTokenGoldens {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-token-goldens)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n--- got\n%s--- want\n%s", name, path, got, want)
	}
}

func TestTokenListGoldens(t *testing.T) {
	e := newListEnv(t)
	e.env["AXERO_TOKEN"] = e.srv.SeedToken("admin")
	args := []string{"token", "list", "--user", "jdoe"}

	e.tty = true
	checkGolden(t, "token_list_tty", e.mustRun(args...).stdout)
	e.tty = false
	checkGolden(t, "token_list_tsv", e.mustRun(args...).stdout)
	checkGolden(t, "token_list_csv", e.mustRun(append(args, "-o", "csv")...).stdout)
	checkGolden(t, "token_list_json", e.mustRun(append(args, "-o", "json")...).stdout)
	checkGolden(t, "token_list_yaml", e.mustRun(append(args, "-o", "yaml")...).stdout)
	for _, format := range []string{"", "csv", "json", "yaml"} {
		r := e.mustRun(append(args, "-o", orTable(format))...)
		e.assertNoSecret("list -o "+format, r.stdout+r.stderr)
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
	e := newListEnv(t)
	r := e.mustRun("token", "list", "--jq", ".[].Name")
	if strings.Contains(r.stdout, "support-session") || !strings.Contains(r.stdout, "nightly-export") {
		t.Fatalf("own list:\n%s", r.stdout)
	}
}

func TestTokenListFilters(t *testing.T) {
	e := newListEnv(t)
	e.env["AXERO_TOKEN"] = e.srv.SeedToken("admin")
	names := func(args ...string) string {
		t.Helper()
		r := e.mustRun(append([]string{"token", "list", "--user", "3", "--jq", "[.[].Name] | join(\",\")"}, args...)...)
		return strings.TrimSpace(r.stdout)
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

func TestTokenListSortLastUsed(t *testing.T) {
	var a, b, c client.Token
	t1 := client.Time{Time: goldenEpoch}
	t2 := client.Time{Time: goldenEpoch.Add(time.Hour)}
	a = client.Token{TokenID: 1, LastUsedDate: &t1}
	b = client.Token{TokenID: 2}
	c = client.Token{TokenID: 3, LastUsedDate: &t2}
	tokens := []client.Token{a, b, c}
	sortTokens(tokens, "last-used")
	if tokens[0].TokenID != 3 || tokens[1].TokenID != 1 || tokens[2].TokenID != 2 {
		t.Fatalf("order %d %d %d, want 3 1 2 (most recent first, never used last)", tokens[0].TokenID, tokens[1].TokenID, tokens[2].TokenID)
	}
}

func TestTokenListExitCode(t *testing.T) {
	e := newListEnv(t)
	r := e.run("token", "list", "--expiring-within", "7d", "--exit-code")
	if r.code != 6 || !strings.Contains(r.stdout, "nightly-export") {
		t.Fatalf("exit %d, stdout %q; want 6 and the token", r.code, r.stdout)
	}
	r = e.run("token", "list", "--expiring-within", "1d", "--exit-code")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q; want 0 and nothing", r.code, r.stdout)
	}
}

func TestTokenListBadInput(t *testing.T) {
	e := newListEnv(t)
	e.expectCode(2, "cannot be used together", "token", "list", "--active", "--expired")
	e.expectCode(2, "unknown --sort", "token", "list", "--sort", "size")
	e.expectCode(2, "--limit must be at least 1", "token", "list", "--limit", "0")
	e.expectCode(2, "invalid --expiring-within", "token", "list", "--expiring-within", "soon")
	e.expectCode(2, "unknown output format", "token", "list", "-o", "xml")
	// A plain user may not look at other users' tokens.
	e.expectCode(3, "not permitted", "token", "list", "--user", "admin")
	e.env["AXERO_TOKEN"] = e.srv.SeedToken("admin")
	e.expectCode(4, `no user matches "nobody"`, "token", "list", "--user", "nobody")
}

func TestTokenListJSONIsAnArrayWhenEmpty(t *testing.T) {
	e := newListEnv(t)
	r := e.mustRun("token", "list", "--impersonation", "-o", "json")
	var v []any
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v == nil {
		t.Fatalf("want [], got %q", r.stdout)
	}
}

// On a colour terminal the impersonation type is purple; NO_COLOR or a
// pipe gets the plain word.
func TestTokenListImpersonationColour(t *testing.T) {
	f := &cmdutil.Factory{}
	ios, _, _, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetColorEnabled(true)
	f.IO = ios
	tokens := []client.Token{{TokenID: 1, Name: "x", IsImpersonation: true, DateCreated: client.Time{Time: goldenEpoch}}}
	td := tokenTable(f, tokens, true, goldenEpoch)
	if got := td.Rows[0][5]; got != "\x1b[35mimpersonation\x1b[0m" {
		t.Errorf("tty colour cell %q", got)
	}
	if got := tokenTable(f, tokens, false, goldenEpoch).Rows[0][5]; got != "impersonation" {
		t.Errorf("piped cell %q", got)
	}
	ios.SetColorEnabled(false)
	if got := tokenTable(f, tokens, true, goldenEpoch).Rows[0][5]; got != "impersonation" {
		t.Errorf("NO_COLOR cell %q", got)
	}
}
