package auth_test

import (
	"errors"
	"github.com/axero-cli/axero/cmd/cmdtest"
	"os"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/keychain"
)

func TestLogoutForgetsKeychainEntryAndProfile(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	tok := e.Login("jdoe")
	e.Expect(0, "Logged out of "+e.Srv.URL(), "logout")
	if len(e.Memory.Accounts()) != 0 {
		t.Errorf("keychain entries left: %v", e.Memory.Accounts())
	}
	if _, ok := e.Config().Profile("default"); ok {
		t.Error("the profile is still there")
	}
	// The token was not revoked.
	if st, ok := e.Srv.TokenByHash(cmdtest.HashOf(tok)); !ok || st.Revoked {
		t.Errorf("token state = %+v, %v; want still active", st, ok)
	}
	e.Expect(cmdutil.ExitAuth, "not logged in", "logout")
}

func TestLogoutRevoke(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	tok := e.Login("jdoe")
	e.Expect(0, "Revoked token", "logout", "--revoke")
	if st, ok := e.Srv.TokenByHash(cmdtest.HashOf(tok)); !ok || !st.Revoked {
		t.Errorf("token state = %+v, %v; want revoked", st, ok)
	}
	if len(e.Memory.Accounts()) != 0 {
		t.Error("keychain entry left")
	}
}

func TestLogoutRevokeAlreadyRevokedStillForgets(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	tok := e.Login("jdoe")
	// Another process revoked it in the meantime: the token is now unknown
	// to the server, which answers 401 for it.
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	id := e.TokenIDOf(tok)
	e.Expect(0, "", "token", "revoke", id, "--yes")
	delete(e.Vars, "AXERO_TOKEN")
	r := e.Expect(0, "forgetting it anyway", "logout", "--revoke")
	if !strings.Contains(r.Stderr, "Logged out") {
		t.Errorf("stderr = %q", r.Stderr)
	}
	if _, ok := e.Config().Profile("default"); ok {
		t.Error("the profile is still there")
	}
}

func TestLogoutRevokeUnreachableForgetsNothing(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	_ = e.Srv.Close()
	e.Expect(cmdutil.ExitFailure, "nothing was forgotten", "logout", "--revoke", "--timeout", "2s")
	if _, ok := e.Config().Profile("default"); !ok {
		t.Error("the profile was forgotten")
	}
	if len(e.Memory.Accounts()) != 1 {
		t.Error("the keychain entry was deleted")
	}
}

func TestLogoutInsecureStorageRemovesFile(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe", "--insecure-storage")
	path := e.Config().FileTokenPath("default")
	e.Expect(0, "Logged out", "logout")
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("token file left: %v", err)
	}
}

func TestLogoutKeychainUnavailableKeepsProfile(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	e.Memory.Fail = &keychain.UnavailableError{Cause: "the keychain collection is locked"}
	e.Expect(cmdutil.ExitFailure, "the keychain collection is locked", "logout")
	if _, ok := e.Config().Profile("default"); !ok {
		t.Error("the profile was forgotten while its secret stays in the keychain")
	}
}

func TestLogoutOtherProfileOnly(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	e.Login("admin", "--profile", "ops")
	e.Expect(0, `profile "ops"`, "logout", "--profile", "ops")
	if _, ok := e.Config().Profile("default"); !ok {
		t.Error("the default profile was forgotten too")
	}
	if len(e.Memory.Accounts()) != 1 {
		t.Errorf("keychain = %v", e.Memory.Accounts())
	}
}
