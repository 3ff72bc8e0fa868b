package auth_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/cmd/root"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/keychain"
)

func TestLoginWithTokenStoresInKeychain(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	tok := e.Srv.SeedToken("jdoe")
	e.Stdin = "  " + tok + "\n\n"
	r := e.Expect(0, "Logged in to "+e.Srv.URL()+" as Jane Doe (jdoe)", "login", "--with-token")
	if r.Stdout != "" {
		t.Errorf("stdout = %q, want nothing when piped", r.Stdout)
	}
	got, err := e.Memory.Get(keychain.Account("default", e.Srv.URL()))
	if err != nil || got != tok {
		t.Fatalf("keychain holds %v, %v; want the trimmed token", got != "", err)
	}
	p, ok := e.Config().Profile("default")
	if !ok {
		t.Fatal("no profile saved")
	}
	if p.URL != e.Srv.URL() || p.User != "jdoe" || p.UserID != 3 || p.TokenStore != config.StoreKeychain ||
		p.TokenID == 0 || p.TokenName != "seed" || p.TokenExpires == nil {
		t.Errorf("profile = %+v", p)
	}
	e.AssertNoSecretOnDisk()
}

func TestLoginNamedProfileAndURLFlag(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	delete(e.Vars, "AXERO_URL")
	e.Login("admin", "--profile", "ops", "--url", e.Srv.URL()+"/api/")
	p, ok := e.Config().Profile("ops")
	if !ok || p.URL != e.Srv.URL() || p.User != "admin" {
		t.Fatalf("profile ops = %+v", p)
	}
}

func TestLoginRejectedTokenStoresNothing(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Stdin = e.Srv.SeedToken("jdoe") + "x\n"
	e.Expect(cmdutil.ExitAuth, "nothing was stored", "login", "--with-token")
	if len(e.Memory.Accounts()) != 0 {
		t.Error("the keychain holds an entry")
	}
	if _, err := os.Stat(e.ConfigDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the config dir was created: %v", err)
	}
}

func TestLoginExpiredTokenSaysSo(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	u, _ := e.Srv.UserByName("jdoe")
	past := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	ct, err := e.Srv.MintToken(u.UserID, "old", &past, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.Stdin = ct.Secret
	e.Expect(cmdutil.ExitAuth, "the token expired on "+past.Format(time.RFC3339), "login", "--with-token")
	if len(e.Memory.Accounts()) != 0 {
		t.Error("the keychain holds an entry")
	}
}

func TestLoginNoAPIAccessIsExit3(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Stdin = e.Srv.SeedToken("noapi")
	e.Expect(cmdutil.ExitAuth, "403", "login", "--with-token")
	if len(e.Memory.Accounts()) != 0 {
		t.Error("the keychain holds an entry")
	}
}

func TestLoginNeedsURL(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	delete(e.Vars, "AXERO_URL")
	e.Stdin = e.Srv.SeedToken("jdoe")
	e.Expect(cmdutil.ExitUsage, "pass --url URL", "login", "--with-token")
}

func TestLoginWithoutTerminalNamesWithToken(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Expect(cmdutil.ExitUsage, "--with-token", "login")
}

func TestLoginEmptyOrGarbledStdin(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Stdin = "   \n"
	e.Expect(cmdutil.ExitUsage, "no token on stdin", "login", "--with-token")
	e.Stdin = "firstpart secondpart\n"
	r := e.Expect(cmdutil.ExitUsage, "single token", "login", "--with-token")
	if strings.Contains(r.Stderr, "part") {
		t.Errorf("the error echoes stdin: %q", r.Stderr)
	}
}

func TestLoginRefusesTokenArgument(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	// run() fails the test if the error echoes the argument.
	e.Expect(cmdutil.ExitUsage, "never passed as an argument", "login", e.Srv.SeedToken("jdoe"))
	if len(e.Memory.Accounts()) != 0 {
		t.Error("the keychain holds an entry")
	}
}

// Without a keychain, login says so before it reads stdin or asks the
// server anything, in one line naming what to add.
func TestLoginKeychainUnavailable(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Memory.Fail = &keychain.UnavailableError{Cause: "no D-Bus session bus"}
	f, _, errOut := e.Factory()
	stdin := f.IO.In.(*bytes.Buffer)
	stdin.WriteString(e.Srv.SeedToken("jdoe"))
	code := root.Execute(context.Background(), f, []string{"login", "--with-token"})
	r := cmdtest.Result{Stderr: errOut.String(), Code: code}
	if code != cmdutil.ExitFailure || !strings.Contains(r.Stderr, "the OS keychain is unavailable (no D-Bus session bus); nothing was read or stored. Add --insecure-storage to keep the token in "+filepath.Join(e.ConfigDir, "credentials", "default")+" (mode 0600)") {
		t.Fatalf("exit %d: %s", code, r.Stderr)
	}
	if stdin.Len() == 0 {
		t.Error("stdin was read")
	}
	if n := e.Srv.RequestCount("", "/api"); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
	for _, want := range []string{"--insecure-storage", "AXERO_TOKEN"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr does not name %s: %q", want, r.Stderr)
		}
	}
	if strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
		t.Errorf("more than one line: %q", r.Stderr)
	}
	if _, err := os.Stat(e.ConfigDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the config was written: %v", err)
	}
}

func TestLoginInsecureStorage(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Memory.Fail = &keychain.UnavailableError{Cause: "no D-Bus session bus"}
	tok := e.Srv.SeedToken("jdoe")
	e.Stdin = tok
	cfg := e.Config()
	path := cfg.FileTokenPath("default")
	r := e.Expect(0, "stored unencrypted in "+path, "login", "--with-token", "--insecure-storage")
	if !strings.Contains(r.Stderr, "Logged in") {
		t.Errorf("stderr = %q", r.Stderr)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("token file mode = %04o", info.Mode().Perm())
	}
	b, _ := os.ReadFile(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if strings.TrimSpace(string(b)) != tok {
		t.Error("the token file does not hold the token")
	}
	if p, _ := e.Config().Profile("default"); p.TokenStore != config.StoreFile {
		t.Errorf("token_store = %q", p.TokenStore)
	}
	// The config file itself still holds no token.
	cb, _ := os.ReadFile(e.Config().Path())
	if strings.Contains(string(cb), tok) {
		t.Error("config.yaml holds the token")
	}
	// Commands find it.
	e.Vars["AXERO_URL"] = ""
	r = e.Expect(0, "", "exec", "--", "sh", "-c", `test "$AXERO_TOKEN" = "`+tok+`"`)
	_ = r
}

func TestLoginAgainReplacesFileWithKeychain(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe", "--insecure-storage")
	path := e.Config().FileTokenPath("default")
	e.Login("admin")
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the old token file is still there: %v", err)
	}
	if p, _ := e.Config().Profile("default"); p.User != "admin" || p.TokenStore != config.StoreKeychain {
		t.Errorf("profile = %+v", p)
	}
}

func TestLoginWarnsWhenAxeroTokenIsSet(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	e.Stdin = e.Srv.SeedToken("jdoe")
	e.Expect(0, "AXERO_TOKEN is set", "login", "--with-token")
}

func TestLoginInvalidProfileName(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Stdin = e.Srv.SeedToken("jdoe")
	e.Expect(cmdutil.ExitUsage, "invalid profile name", "login", "--with-token", "--profile", "../x")
}

func TestLoginDebugLeaksNothing(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Stdin = e.Srv.SeedToken("jdoe")
	r := e.Expect(0, "Logged in", "login", "--with-token", "--debug")
	if !strings.Contains(r.Stderr, "users/me") {
		t.Errorf("--debug logged no exchange: %q", r.Stderr)
	}
	// run() has already checked stdout and stderr for token values.
}

func TestLoginToAnotherSiteForgetsTheOldEntry(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	other := e.Srv.URL()
	// The same emulator under another spelling of its address counts as
	// another site.
	e.Vars["AXERO_URL"] = strings.Replace(other, "127.0.0.1", "localhost", 1)
	e.Login("jdoe")
	e.Vars["AXERO_URL"] = other
	e.Login("jdoe")
	accounts := e.Memory.Accounts()
	if len(accounts) != 1 || accounts[0] != keychain.Account("default", other) {
		t.Errorf("keychain accounts = %v, want only the new site's", accounts)
	}
}
