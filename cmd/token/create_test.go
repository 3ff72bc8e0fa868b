package token_test

import (
	"encoding/json"
	"github.com/axero-cli/axero/cmd/cmdtest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/keychain"
)

func TestTokenCreatePipedPrintsOnlyTheToken(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	r := e.MustRun("token", "create", "--name", "ci-deploy", "--expires", "30d")
	if strings.Count(r.Stdout, "\n") != 1 || !strings.HasSuffix(r.Stdout, "\n") {
		t.Fatalf("stdout is not one line: %q", r.Stdout)
	}
	tok, ok := e.TokenFor(r.Stdout)
	if !ok || tok.Name != "ci-deploy" {
		t.Fatalf("stdout is not the new token: %+v %v", tok, ok)
	}
	if !strings.Contains(r.Stderr, "will not be shown again") || !strings.Contains(r.Stderr, "only a hash") {
		t.Errorf("no show-once warning on stderr: %q", r.Stderr)
	}
	e.AssertNoSecret("stderr", r.Stderr)
}

func TestTokenCreateTerminalShowsTokenAndMetadata(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.TTY, e.Color = true, true
	r := e.MustRun("token", "create", "--name", "ci-deploy", "--expires", "30d")
	lines := strings.Split(r.Stdout, "\n")
	tok, ok := e.TokenFor(lines[0])
	if !ok || !strings.HasPrefix(lines[0], "eyJ") {
		t.Fatalf("first line is not the token: %q", r.Stdout)
	}
	for _, want := range []string{"ID:", "Name:    ci-deploy", "Expires: in 30 days"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.Stdout)
		}
	}
	if !strings.Contains(r.Stdout, "ID:      "+itoa(tok.TokenID)) {
		t.Errorf("stdout lacks the ID %d:\n%s", tok.TokenID, r.Stdout)
	}
}

func TestTokenCreateJSONHasTheToken(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	r := e.MustRun("token", "create", "--name", "ci", "-o", "json")
	var ct client.CreatedToken
	if err := json.Unmarshal([]byte(r.Stdout), &ct); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.Stdout)
	}
	if tok, ok := e.TokenFor(ct.Secret); !ok || tok.TokenID != ct.TokenID || ct.Name != "ci" {
		t.Fatalf("record does not match the token: %+v", ct)
	}
}

// A create whose answer is lost is reconciled: the token minted by the
// lost request is revoked and exactly one active token of that name, the
// one printed, remains.
func TestTokenCreateReconcilesLostAnswer(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{Faults: emulator.Faults{DropAfterMintNext: 1}})
	r := e.MustRun("token", "create", "--name", "nightly")
	active := e.ActiveNamed("nightly")
	if len(active) != 1 {
		t.Fatalf("%d active tokens named nightly, want 1", len(active))
	}
	tok, ok := e.TokenFor(r.Stdout)
	if !ok || tok.TokenID != active[0].TokenID {
		t.Fatalf("the printed token is not the active one")
	}
	var revoked int
	for _, ts := range e.Srv.Tokens() {
		if ts.Name == "nightly" && ts.Revoked && !ts.Delivered {
			revoked++
		}
	}
	if revoked != 1 {
		t.Errorf("%d undelivered tokens revoked, want 1", revoked)
	}
	if !strings.Contains(r.Stderr, "Revoked token") {
		t.Errorf("stderr does not say what was revoked: %q", r.Stderr)
	}
}

func TestTokenCreateGivesUpWhenEveryAnswerIsLost(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{Faults: emulator.Faults{DropAfterMintNext: 3}})
	r := e.Expect(1, "gave up after 3 attempts", "token", "create", "--name", "nightly")
	if n := len(e.ActiveNamed("nightly")); n != 0 {
		t.Fatalf("%d undelivered tokens left active", n)
	}
	if r.Stdout != "" {
		t.Errorf("stdout: %q", r.Stdout)
	}
}

func TestTokenCreateBadInputMintsNothing(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	existing := filepath.Join(t.TempDir(), "exists.json")
	if err := os.WriteFile(existing, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link.json")
	if err := os.Symlink(existing, link); err != nil {
		t.Fatal(err)
	}
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
		{[]string{"--name", "x", "--expires", "2y"}, 2, "beyond the site's maximum of 525600 minutes (1 year)"},
		{[]string{"--name", "x", "--expires", "never"}, 2, "does not allow tokens that never expire"},
		{[]string{"--name", "x", "--expires", "2020-01-01"}, 2, "in the past"},
		{[]string{"--name", "x", "--out", existing}, 2, "already exists"},
		{[]string{"--name", "x", "--out", link}, 2, "is a symbolic link"},
		{[]string{"--name", "x", "--out", link, "--force"}, 2, "is a symbolic link"},
		{[]string{"--name", "x", "--expires", ""}, 2, "--expires is empty"},
		{[]string{"--name", "x", "--expires", " "}, 2, "--expires is empty"},
		{[]string{"--name", "x", "--out", filepath.Join(t.TempDir(), "no", "such", "dir", "t.json")}, 1, "cannot create a file in"},
		{[]string{"--name", "x", "-o", "csv"}, 2, "unknown output format"},
	}
	before := len(e.Srv.Tokens())
	for _, c := range cases {
		r := e.Expect(c.code, c.want, append([]string{"token", "create"}, c.args...)...)
		if strings.Count(r.Stderr, "\n") != 1 {
			t.Errorf("%v: error is not one line: %q", c.args, r.Stderr)
		}
		e.AssertNoSecret("stderr", r.Stderr)
	}
	if after := len(e.Srv.Tokens()); after != before {
		t.Fatalf("bad input minted %d tokens", after-before)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep" { //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
		t.Fatalf("existing --out file was changed")
	}
}

func TestTokenCreateOutWritesA0600Record(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	path := filepath.Join(t.TempDir(), "tok.json")
	r := e.MustRun("token", "create", "--name", "backup", "--out", path)
	if r.Stdout != "" {
		t.Errorf("piped stdout should be empty when the token went to a file: %q", r.Stdout)
	}
	e.AssertNoSecret("stdout", r.Stdout)
	e.AssertNoSecret("stderr", r.Stderr)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	var ct client.CreatedToken
	if err := json.Unmarshal(b, &ct); err != nil {
		t.Fatal(err)
	}
	if tok, ok := e.TokenFor(ct.Secret); !ok || tok.Name != "backup" {
		t.Fatalf("file does not hold the new token")
	}
	// --force replaces it.
	e.Expect(2, "already exists", "token", "create", "--name", "backup2", "--out", path)
	e.MustRun("token", "create", "--name", "backup2", "--out", path, "--force")
	b, _ = os.ReadFile(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	_ = json.Unmarshal(b, &ct)
	if ct.Name != "backup2" {
		t.Fatalf("--force did not replace the file")
	}
}

func TestTokenCreateKeychainStoresAProfile(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	r := e.MustRun("token", "create", "--name", "reporting", "--keychain")
	e.AssertNoSecret("stdout", r.Stdout)
	cfg := e.Config()
	p, ok := cfg.Profile("reporting")
	if !ok || p.TokenStore != config.StoreKeychain || p.URL != e.Srv.URL() {
		t.Fatalf("no keychain profile named after the token: %+v", p)
	}
	secret, err := e.Memory.Get(keychain.Account("reporting", e.Srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := e.TokenFor(secret)
	if !ok || tok.TokenID != p.TokenID {
		t.Fatalf("keychain does not hold the profile's token")
	}
	// The profile works on its own.
	delete(e.Vars, "AXERO_TOKEN")
	delete(e.Vars, "AXERO_URL")
	e.MustRun("--profile", "reporting", "token", "list")

	// --keychain=NAME chooses the profile; an existing one is refused
	// before anything is minted.
	e.Vars["AXERO_TOKEN"], e.Vars["AXERO_URL"] = e.Srv.SeedToken("jdoe"), e.Srv.URL()
	e.MustRun("token", "create", "--name", "other", "--keychain=ci")
	if _, ok := e.Config().Profile("ci"); !ok {
		t.Fatal("--keychain=ci made no profile ci")
	}
	before := len(e.Srv.Tokens())
	e.Expect(1, `profile "ci" already exists`, "token", "create", "--name", "third", "--keychain=ci")
	if len(e.Srv.Tokens()) != before {
		t.Fatal("a refused --keychain minted a token")
	}
}

// Without a keychain, nothing is minted: the keychain is asked first.
func TestTokenCreateKeychainUnavailableMintsNothing(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.Keychain = keychain.Unavailable("no D-Bus session")
	for _, args := range [][]string{
		{"token", "create", "--name", "x", "--keychain"},
		{"token", "rotate", "seed", "--keychain=svc"},
		{"token", "create-for-user", "--user", "jdoe", "--name", "x", "--keychain"},
	} {
		r := e.Expect(1, "--keychain: the OS keychain is unavailable (no D-Bus session); nothing was minted. Pass --out FILE", args...)
		if r.Stdout != "" || strings.Count(r.Stderr, "\n") != 1 {
			t.Errorf("%v: stdout %q, stderr %q", args, r.Stdout, r.Stderr)
		}
	}
	if n := e.Srv.RequestCount("POST", "/api"); n != 0 {
		t.Fatalf("%d create requests reached the server", n)
	}
}

// setRefused is a keychain that answers lookups but refuses to store.
type setRefused struct{ keychain.Store }

func (setRefused) Set(string, string) error {
	return &keychain.UnavailableError{Cause: "the collection is locked"}
}

// A keychain that answers, and then refuses the token: the token is still
// shown, and the command fails.
func TestTokenCreateKeychainRefusingTheTokenStillShowsIt(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.Keychain = setRefused{keychain.NewMemory()}
	r := e.Expect(1, "was created and shown above, but storing it in the keychain", "token", "create", "--name", "x", "--keychain")
	if _, ok := e.TokenFor(r.Stdout); !ok {
		t.Fatalf("the token was not shown: %q", r.Stdout)
	}
	e.AssertNoSecret("stderr", r.Stderr)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestTokenCreateKeychainNeedsAValidProfileName(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.Expect(2, "pass --keychain=PROFILE", "token", "create", "--name", "my token", "--keychain")
	e.Expect(2, "--keychain: invalid profile name", "token", "create", "--name", "x", "--keychain=../evil")
	if n := len(e.Srv.Tokens()); n != 4 {
		t.Fatalf("%d tokens, want only the 4 seeds", n)
	}
	e.MustRun("token", "create", "--name", "my token", "--keychain=my-token")
	if _, ok := e.Config().Profile("my-token"); !ok {
		t.Fatal("no profile my-token")
	}
}

func TestTokenCreateTerminalShowsStoredTokenOnce(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.TTY = true
	path := filepath.Join(t.TempDir(), "tok.json")
	r := e.MustRun("token", "create", "--name", "reporting", "--keychain", "--out", path)
	first := strings.SplitN(r.Stdout, "\n", 2)[0]
	if _, ok := e.TokenFor(first); !ok {
		t.Fatalf("a person at a terminal should see the stored token once:\n%s", r.Stdout)
	}
	for _, want := range []string{"Stored token", "file " + path, `profile "reporting"`, "will not be shown again"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	e.AssertNoSecret("stderr", r.Stderr)
}

// --jq that fails on the record after the token was stored says where the
// token is, so that nobody mints another to be safe.
func TestTokenCreateOutWithAFailingJQSaysTheTokenIsStored(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	path := filepath.Join(t.TempDir(), "tok.json")
	r := e.Run("token", "create", "--name", "kept", "--out", path, "--jq", ".Name + 1")
	if r.Code != 1 {
		t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
	}
	b, err := os.ReadFile(path) //nolint:gosec // the test's own --out file
	if err != nil {
		t.Fatal(err)
	}
	var ct client.CreatedToken
	if err := json.Unmarshal(b, &ct); err != nil || ct.Secret == "" {
		t.Fatalf("the file does not hold the token: %v", err)
	}
	want := "token " + itoa(ct.TokenID) + " was minted and stored in file " + path + ", but printing it failed: "
	if !strings.Contains(r.Stderr, want) || strings.Count(r.Stderr, "\n") != 1 {
		t.Errorf("stderr lacks %q in one line:\n%s", want, r.Stderr)
	}
	e.AssertNoSecret("stderr", r.Stderr)
	e.AssertNoSecret("stdout", r.Stdout)
}
