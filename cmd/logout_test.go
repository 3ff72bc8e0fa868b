package cmd

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/keychain"
)

func TestLogoutForgetsKeychainEntryAndProfile(t *testing.T) {
	e := newAuthEnv(t)
	tok := e.login("jdoe")
	e.expect(0, "Logged out of "+e.srv.URL(), "logout")
	if len(e.keychain.Accounts()) != 0 {
		t.Errorf("keychain entries left: %v", e.keychain.Accounts())
	}
	if _, ok := e.config().Profile("default"); ok {
		t.Error("the profile is still there")
	}
	// The token was not revoked.
	if st, ok := e.srv.TokenByHash(hashOf(tok)); !ok || st.Revoked {
		t.Errorf("token state = %+v, %v; want still active", st, ok)
	}
	e.expect(cmdutil.ExitAuth, "not logged in", "logout")
}

func TestLogoutRevoke(t *testing.T) {
	e := newAuthEnv(t)
	tok := e.login("jdoe")
	e.expect(0, "Revoked token", "logout", "--revoke")
	if st, ok := e.srv.TokenByHash(hashOf(tok)); !ok || !st.Revoked {
		t.Errorf("token state = %+v, %v; want revoked", st, ok)
	}
	if len(e.keychain.Accounts()) != 0 {
		t.Error("keychain entry left")
	}
}

func TestLogoutRevokeAlreadyRevokedStillForgets(t *testing.T) {
	e := newAuthEnv(t)
	tok := e.login("jdoe")
	// Another process revoked it in the meantime: the token is now unknown
	// to the server, which answers 401 for it.
	e.env["AXERO_TOKEN"] = e.srv.SeedToken("admin")
	id := tokenIDOf(t, e, tok)
	e.expect(0, "", "token", "revoke", id, "--yes")
	delete(e.env, "AXERO_TOKEN")
	r := e.expect(0, "forgetting it anyway", "logout", "--revoke")
	if !strings.Contains(r.stderr, "Logged out") {
		t.Errorf("stderr = %q", r.stderr)
	}
	if _, ok := e.config().Profile("default"); ok {
		t.Error("the profile is still there")
	}
}

func TestLogoutRevokeUnreachableForgetsNothing(t *testing.T) {
	e := newAuthEnv(t)
	e.login("jdoe")
	e.srv.Close()
	e.expect(cmdutil.ExitFailure, "nothing was forgotten", "logout", "--revoke", "--timeout", "2s")
	if _, ok := e.config().Profile("default"); !ok {
		t.Error("the profile was forgotten")
	}
	if len(e.keychain.Accounts()) != 1 {
		t.Error("the keychain entry was deleted")
	}
}

func TestLogoutInsecureStorageRemovesFile(t *testing.T) {
	e := newAuthEnv(t)
	e.login("jdoe", "--insecure-storage")
	path := e.config().FileTokenPath("default")
	e.expect(0, "Logged out", "logout")
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("token file left: %v", err)
	}
}

func TestLogoutKeychainUnavailableKeepsProfile(t *testing.T) {
	e := newAuthEnv(t)
	e.login("jdoe")
	e.keychain.Fail = &keychain.UnavailableError{Cause: "the keychain collection is locked"}
	e.expect(cmdutil.ExitFailure, "the keychain collection is locked", "logout")
	if _, ok := e.config().Profile("default"); !ok {
		t.Error("the profile was forgotten while its secret stays in the keychain")
	}
}

func TestLogoutOtherProfileOnly(t *testing.T) {
	e := newAuthEnv(t)
	e.login("jdoe")
	e.login("admin", "--profile", "ops")
	e.expect(0, `profile "ops"`, "logout", "--profile", "ops")
	if _, ok := e.config().Profile("default"); !ok {
		t.Error("the default profile was forgotten too")
	}
	if len(e.keychain.Accounts()) != 1 {
		t.Errorf("keychain = %v", e.keychain.Accounts())
	}
}
