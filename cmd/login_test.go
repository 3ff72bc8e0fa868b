package cmd

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/keychain"
)

func TestLoginWithTokenStoresInKeychain(t *testing.T) {
	e := newAuthEnv(t)
	tok := e.srv.SeedToken("jdoe")
	e.stdin = "  " + tok + "\n\n"
	r := e.expect(0, "Logged in to "+e.srv.URL()+" as Jane Doe (jdoe)", "login", "--with-token")
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing when piped", r.stdout)
	}
	got, err := e.keychain.Get(keychain.Account("default", e.srv.URL()))
	if err != nil || got != tok {
		t.Fatalf("keychain holds %v, %v; want the trimmed token", got != "", err)
	}
	p, ok := e.config().Profile("default")
	if !ok {
		t.Fatal("no profile saved")
	}
	if p.URL != e.srv.URL() || p.User != "jdoe" || p.UserID != 3 || p.TokenStore != config.StoreKeychain ||
		p.TokenID == 0 || p.TokenName != "seed" || p.TokenExpires == nil {
		t.Errorf("profile = %+v", p)
	}
	e.assertNoSecretOnDisk()
}

func TestLoginNamedProfileAndURLFlag(t *testing.T) {
	e := newAuthEnv(t)
	delete(e.env, "AXERO_URL")
	e.login("admin", "--profile", "ops", "--url", e.srv.URL()+"/api/")
	p, ok := e.config().Profile("ops")
	if !ok || p.URL != e.srv.URL() || p.User != "admin" {
		t.Fatalf("profile ops = %+v", p)
	}
}

func TestLoginRejectedTokenStoresNothing(t *testing.T) {
	e := newAuthEnv(t)
	e.stdin = e.srv.SeedToken("jdoe") + "x\n"
	e.expect(cmdutil.ExitAuth, "nothing was stored", "login", "--with-token")
	if len(e.keychain.Accounts()) != 0 {
		t.Error("the keychain holds an entry")
	}
	if _, err := os.Stat(e.configDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the config dir was created: %v", err)
	}
}

func TestLoginExpiredTokenSaysSo(t *testing.T) {
	e := newAuthEnv(t)
	u, _ := e.srv.UserByName("jdoe")
	past := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	ct, err := e.srv.MintToken(u.UserID, "old", &past, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.stdin = ct.Secret
	e.expect(cmdutil.ExitAuth, "the token expired on "+past.Format(time.RFC3339), "login", "--with-token")
	if len(e.keychain.Accounts()) != 0 {
		t.Error("the keychain holds an entry")
	}
}

func TestLoginNoAPIAccessIsExit3(t *testing.T) {
	e := newAuthEnv(t)
	e.stdin = e.srv.SeedToken("noapi")
	e.expect(cmdutil.ExitAuth, "403", "login", "--with-token")
	if len(e.keychain.Accounts()) != 0 {
		t.Error("the keychain holds an entry")
	}
}

func TestLoginNeedsURL(t *testing.T) {
	e := newAuthEnv(t)
	delete(e.env, "AXERO_URL")
	e.stdin = e.srv.SeedToken("jdoe")
	e.expect(cmdutil.ExitUsage, "pass --url URL", "login", "--with-token")
}

func TestLoginWithoutTerminalNamesWithToken(t *testing.T) {
	e := newAuthEnv(t)
	e.expect(cmdutil.ExitUsage, "--with-token", "login")
}

func TestLoginEmptyOrGarbledStdin(t *testing.T) {
	e := newAuthEnv(t)
	e.stdin = "   \n"
	e.expect(cmdutil.ExitUsage, "no token on stdin", "login", "--with-token")
	e.stdin = "firstpart secondpart\n"
	r := e.expect(cmdutil.ExitUsage, "single token", "login", "--with-token")
	if strings.Contains(r.stderr, "part") {
		t.Errorf("the error echoes stdin: %q", r.stderr)
	}
}

func TestLoginRefusesTokenArgument(t *testing.T) {
	e := newAuthEnv(t)
	// run() fails the test if the error echoes the argument.
	e.expect(cmdutil.ExitUsage, "never passed as an argument", "login", e.srv.SeedToken("jdoe"))
	if len(e.keychain.Accounts()) != 0 {
		t.Error("the keychain holds an entry")
	}
}

func TestLoginKeychainUnavailable(t *testing.T) {
	e := newAuthEnv(t)
	e.keychain.Fail = &keychain.UnavailableError{Cause: "no D-Bus session bus"}
	e.stdin = e.srv.SeedToken("jdoe")
	r := e.expect(cmdutil.ExitFailure, "the OS keychain is unavailable (no D-Bus session bus); nothing was stored", "login", "--with-token")
	for _, want := range []string{"--insecure-storage", "AXERO_TOKEN"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not name %s: %q", want, r.stderr)
		}
	}
	if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("more than one line: %q", r.stderr)
	}
	if _, err := os.Stat(e.configDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the config was written: %v", err)
	}
}

func TestLoginInsecureStorage(t *testing.T) {
	e := newAuthEnv(t)
	e.keychain.Fail = &keychain.UnavailableError{Cause: "no D-Bus session bus"}
	tok := e.srv.SeedToken("jdoe")
	e.stdin = tok
	cfg := e.config()
	path := cfg.FileTokenPath("default")
	r := e.expect(0, "stored unencrypted in "+path, "login", "--with-token", "--insecure-storage")
	if !strings.Contains(r.stderr, "Logged in") {
		t.Errorf("stderr = %q", r.stderr)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("token file mode = %04o", info.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if strings.TrimSpace(string(b)) != tok {
		t.Error("the token file does not hold the token")
	}
	if p, _ := e.config().Profile("default"); p.TokenStore != config.StoreFile {
		t.Errorf("token_store = %q", p.TokenStore)
	}
	// The config file itself still holds no token.
	cb, _ := os.ReadFile(e.config().Path())
	if strings.Contains(string(cb), tok) {
		t.Error("config.yaml holds the token")
	}
	// Commands find it.
	e.env["AXERO_URL"] = ""
	r = e.expect(0, "", "exec", "--", "sh", "-c", `test "$AXERO_TOKEN" = "`+tok+`"`)
	_ = r
}

func TestLoginAgainReplacesFileWithKeychain(t *testing.T) {
	e := newAuthEnv(t)
	e.login("jdoe", "--insecure-storage")
	path := e.config().FileTokenPath("default")
	e.login("admin")
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the old token file is still there: %v", err)
	}
	if p, _ := e.config().Profile("default"); p.User != "admin" || p.TokenStore != config.StoreKeychain {
		t.Errorf("profile = %+v", p)
	}
}

func TestLoginWarnsWhenAxeroTokenIsSet(t *testing.T) {
	e := newAuthEnv(t)
	e.env["AXERO_TOKEN"] = e.srv.SeedToken("admin")
	e.stdin = e.srv.SeedToken("jdoe")
	e.expect(0, "AXERO_TOKEN is set", "login", "--with-token")
}

func TestLoginInvalidProfileName(t *testing.T) {
	e := newAuthEnv(t)
	e.stdin = e.srv.SeedToken("jdoe")
	e.expect(cmdutil.ExitUsage, "invalid profile name", "login", "--with-token", "--profile", "../x")
}

func TestLoginDebugLeaksNothing(t *testing.T) {
	e := newAuthEnv(t)
	e.stdin = e.srv.SeedToken("jdoe")
	r := e.expect(0, "Logged in", "login", "--with-token", "--debug")
	if !strings.Contains(r.stderr, "users/me") {
		t.Errorf("--debug logged no exchange: %q", r.stderr)
	}
	// run() has already checked stdout and stderr for token values.
}

func TestCleanToken(t *testing.T) {
	for in, want := range map[string]string{"abc": "abc", " abc\n": "abc", "Bearer abc": "abc", "bearer  abc ": "abc"} {
		if got, err := cleanToken(in); err != nil || got != want {
			t.Errorf("cleanToken(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "  ", "a b", "a\x00b", "Bearer "} {
		if _, err := cleanToken(bad); err == nil {
			t.Errorf("cleanToken(%q) accepted", bad)
		}
	}
}

func TestNormalizeSiteURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://a.example":      "https://a.example",
		"https://a.example/":     "https://a.example",
		"https://a.example/api":  "https://a.example",
		"https://a.example/API/": "https://a.example",
		"a.example":              "https://a.example",
		"http://127.0.0.1:8080/": "http://127.0.0.1:8080",
		"https://a.example/sub/": "https://a.example/sub",
	} {
		if got, err := normalizeSiteURL(in); err != nil || got != want {
			t.Errorf("normalizeSiteURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestLoginToAnotherSiteForgetsTheOldEntry(t *testing.T) {
	e := newAuthEnv(t)
	other := e.srv.URL()
	// The same emulator under another spelling of its address counts as
	// another site.
	e.env["AXERO_URL"] = strings.Replace(other, "127.0.0.1", "localhost", 1)
	e.login("jdoe")
	e.env["AXERO_URL"] = other
	e.login("jdoe")
	accounts := e.keychain.Accounts()
	if len(accounts) != 1 || accounts[0] != keychain.Account("default", other) {
		t.Errorf("keychain accounts = %v, want only the new site's", accounts)
	}
}
