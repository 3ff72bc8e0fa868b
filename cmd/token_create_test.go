package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/client/axerotest"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/keychain"
)

func TestTokenCreatePipedPrintsOnlyTheToken(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	r := e.mustRun("token", "create", "--name", "ci-deploy", "--expires", "30d")
	if strings.Count(r.stdout, "\n") != 1 || !strings.HasSuffix(r.stdout, "\n") {
		t.Fatalf("stdout is not one line: %q", r.stdout)
	}
	tok, ok := e.tokenFor(r.stdout)
	if !ok || tok.Name != "ci-deploy" {
		t.Fatalf("stdout is not the new token: %+v %v", tok, ok)
	}
	if !strings.Contains(r.stderr, "will not be shown again") || !strings.Contains(r.stderr, "only a hash") {
		t.Errorf("no show-once warning on stderr: %q", r.stderr)
	}
	e.assertNoSecret("stderr", r.stderr)
}

func TestTokenCreateTerminalShowsTokenAndMetadata(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	e.tty, e.color = true, true
	r := e.mustRun("token", "create", "--name", "ci-deploy", "--expires", "30d")
	lines := strings.Split(r.stdout, "\n")
	tok, ok := e.tokenFor(lines[0])
	if !ok || !strings.HasPrefix(lines[0], "eyJ") {
		t.Fatalf("first line is not the token: %q", r.stdout)
	}
	for _, want := range []string{"ID:", "Name:    ci-deploy", "Expires: in 29 days"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "ID:      "+itoa(tok.TokenID)) {
		t.Errorf("stdout lacks the ID %d:\n%s", tok.TokenID, r.stdout)
	}
}

func TestTokenCreateJSONHasTheToken(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	r := e.mustRun("token", "create", "--name", "ci", "-o", "json")
	var ct client.CreatedToken
	if err := json.Unmarshal([]byte(r.stdout), &ct); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if tok, ok := e.tokenFor(ct.Secret); !ok || tok.TokenID != ct.TokenID || ct.Name != "ci" {
		t.Fatalf("record does not match the token: %+v", ct)
	}
}

// A create whose answer is lost is reconciled: the token minted by the
// lost request is revoked and exactly one active token of that name, the
// one printed, remains.
func TestTokenCreateReconcilesLostAnswer(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{Faults: axerotest.Faults{DropAfterMintNext: 1}})
	r := e.mustRun("token", "create", "--name", "nightly")
	active := e.activeNamed("nightly")
	if len(active) != 1 {
		t.Fatalf("%d active tokens named nightly, want 1", len(active))
	}
	tok, ok := e.tokenFor(r.stdout)
	if !ok || tok.TokenID != active[0].TokenID {
		t.Fatalf("the printed token is not the active one")
	}
	var revoked int
	for _, ts := range e.srv.Tokens() {
		if ts.Name == "nightly" && ts.Revoked && !ts.Delivered {
			revoked++
		}
	}
	if revoked != 1 {
		t.Errorf("%d undelivered tokens revoked, want 1", revoked)
	}
	if !strings.Contains(r.stderr, "Revoked token") {
		t.Errorf("stderr does not say what was revoked: %q", r.stderr)
	}
}

func TestTokenCreateGivesUpWhenEveryAnswerIsLost(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{Faults: axerotest.Faults{DropAfterMintNext: reconcileAttempts}})
	r := e.expectCode(1, "gave up after 3 attempts", "token", "create", "--name", "nightly")
	if n := len(e.activeNamed("nightly")); n != 0 {
		t.Fatalf("%d undelivered tokens left active", n)
	}
	if r.stdout != "" {
		t.Errorf("stdout: %q", r.stdout)
	}
}

func TestTokenCreateBadInputMintsNothing(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	existing := filepath.Join(t.TempDir(), "exists.json")
	os.WriteFile(existing, []byte("keep"), 0o600)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--name", ""}, 2, "the token name is empty"},
		{[]string{"--name", "   "}, 2, "the token name is empty"},
		{[]string{"--name", strings.Repeat("a", 101)}, 2, "maximum is 100"},
		{[]string{"--name", "a\x07b"}, 2, "control character"},
		{[]string{}, 2, "--name is required"},
		{[]string{"--name", "x", "--expires", "30x"}, 2, `invalid expiry "30x"`},
		{[]string{"--name", "x", "--expires", "-1d"}, 2, `invalid expiry "-1d"`},
		{[]string{"--name", "x", "--expires", "2027-13-01"}, 2, `invalid expiry "2027-13-01"`},
		{[]string{"--name", "x", "--expires", "2y"}, 1, "beyond the site's maximum of 525600 minutes (1 year)"},
		{[]string{"--name", "x", "--expires", "never"}, 1, "does not allow tokens that never expire"},
		{[]string{"--name", "x", "--expires", "2020-01-01"}, 1, "in the past"},
		{[]string{"--name", "x", "--out", existing}, 1, "already exists"},
		{[]string{"--name", "x", "--out", filepath.Join(t.TempDir(), "no", "such", "dir", "t.json")}, 1, "cannot create a file in"},
		{[]string{"--name", "x", "-o", "csv"}, 2, "unknown output format"},
	}
	before := len(e.srv.Tokens())
	for _, c := range cases {
		r := e.expectCode(c.code, c.want, append([]string{"token", "create"}, c.args...)...)
		if strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: error is not one line: %q", c.args, r.stderr)
		}
		e.assertNoSecret("stderr", r.stderr)
	}
	if after := len(e.srv.Tokens()); after != before {
		t.Fatalf("bad input minted %d tokens", after-before)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep" {
		t.Fatalf("existing --out file was changed")
	}
}

func TestTokenCreateOutWritesA0600Record(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	path := filepath.Join(t.TempDir(), "tok.json")
	r := e.mustRun("token", "create", "--name", "backup", "--out", path)
	if r.stdout != "" {
		t.Errorf("piped stdout should be empty when the token went to a file: %q", r.stdout)
	}
	e.assertNoSecret("stdout", r.stdout)
	e.assertNoSecret("stderr", r.stderr)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	var ct client.CreatedToken
	if err := json.Unmarshal(b, &ct); err != nil {
		t.Fatal(err)
	}
	if tok, ok := e.tokenFor(ct.Secret); !ok || tok.Name != "backup" {
		t.Fatalf("file does not hold the new token")
	}
	// --force replaces it.
	e.expectCode(1, "already exists", "token", "create", "--name", "backup2", "--out", path)
	e.mustRun("token", "create", "--name", "backup2", "--out", path, "--force")
	b, _ = os.ReadFile(path)
	json.Unmarshal(b, &ct)
	if ct.Name != "backup2" {
		t.Fatalf("--force did not replace the file")
	}
}

func TestTokenCreateKeychainStoresAProfile(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	r := e.mustRun("token", "create", "--name", "reporting", "--keychain")
	e.assertNoSecret("stdout", r.stdout)
	cfg := e.loadConfig()
	p, ok := cfg.Profile("reporting")
	if !ok || p.TokenStore != config.StoreKeychain || p.URL != e.srv.URL() {
		t.Fatalf("no keychain profile named after the token: %+v", p)
	}
	secret, err := e.keychain.Get(keychain.Account("reporting", e.srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := e.tokenFor(secret)
	if !ok || tok.TokenID != p.TokenID {
		t.Fatalf("keychain does not hold the profile's token")
	}
	// The profile works on its own.
	delete(e.env, "AXERO_TOKEN")
	delete(e.env, "AXERO_URL")
	e.mustRun("--profile", "reporting", "token", "list")

	// --keychain=NAME chooses the profile; an existing one is refused
	// before anything is minted.
	e.env["AXERO_TOKEN"], e.env["AXERO_URL"] = e.srv.SeedToken("jdoe"), e.srv.URL()
	e.mustRun("token", "create", "--name", "other", "--keychain=ci")
	if _, ok := e.loadConfig().Profile("ci"); !ok {
		t.Fatal("--keychain=ci made no profile ci")
	}
	before := len(e.srv.Tokens())
	e.expectCode(1, `profile "ci" already exists`, "token", "create", "--name", "third", "--keychain=ci")
	if len(e.srv.Tokens()) != before {
		t.Fatal("a refused --keychain minted a token")
	}
}

// Without a keychain the token is still shown, and the command fails.
func TestTokenCreateKeychainUnavailableStillShowsToken(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	e.keychain = keychain.Unavailable("no D-Bus session")
	r := e.expectCode(1, "was created and shown above, but storing it in the keychain", "token", "create", "--name", "x", "--keychain")
	if _, ok := e.tokenFor(r.stdout); !ok {
		t.Fatalf("the token was not shown: %q", r.stdout)
	}
	e.assertNoSecret("stderr", r.stderr)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestTokenCreateKeychainNeedsAValidProfileName(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	e.expectCode(2, "pass --keychain=PROFILE", "token", "create", "--name", "my token", "--keychain")
	e.expectCode(2, "--keychain: invalid profile name", "token", "create", "--name", "x", "--keychain=../evil")
	if n := len(e.srv.Tokens()); n != 4 {
		t.Fatalf("%d tokens, want only the 4 seeds", n)
	}
	e.mustRun("token", "create", "--name", "my token", "--keychain=my-token")
	if _, ok := e.loadConfig().Profile("my-token"); !ok {
		t.Fatal("no profile my-token")
	}
}

func TestTokenCreateTerminalShowsStoredTokenOnce(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	e.tty = true
	path := filepath.Join(t.TempDir(), "tok.json")
	r := e.mustRun("token", "create", "--name", "reporting", "--keychain", "--out", path)
	first := strings.SplitN(r.stdout, "\n", 2)[0]
	if _, ok := e.tokenFor(first); !ok {
		t.Fatalf("a person at a terminal should see the stored token once:\n%s", r.stdout)
	}
	for _, want := range []string{"Stored token", "file " + path, `profile "reporting"`, "will not be shown again"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	e.assertNoSecret("stderr", r.stderr)
}
