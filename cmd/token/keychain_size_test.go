package token_test

import (
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/internal/emulator"
)

// A keychain that refuses a value as large as a token (Windows Credential
// Manager takes 2560 bytes) loses nothing: create shows the token after
// all and says why, and no profile points at a missing entry.
func TestCreateKeychainTooSmallStillDeliversTheToken(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.Memory.MaxSize = 64
	r := e.Run("token", "create", "--name", "big", "--keychain")
	if r.Code != 1 || !strings.Contains(r.Stderr, "too large for this OS keychain") || strings.Count(r.Stderr, "axero:") != 1 {
		t.Fatalf("exit %d, stderr %q", r.Code, r.Stderr)
	}
	tok, ok := e.TokenFor(r.Stdout)
	if !ok || tok.Name != "big" || tok.Revoked {
		t.Fatalf("the token was not shown on stdout: %q", r.Stdout)
	}
	if len(e.Memory.Accounts()) != 0 {
		t.Fatal("the keychain holds an entry")
	}
	if _, ok := e.Config().Profile("big"); ok {
		t.Fatal("a profile points at a keychain entry that does not exist")
	}
}

// Rotating the token of a keychain profile whose keychain cannot take the
// new one keeps the old one working and shows the new one.
func TestRotateKeychainTooSmallKeepsTheOldToken(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	old := e.Login("jdoe")
	oldID := e.TokenIDOf(old)
	e.Memory.MaxSize = len(old) - 1
	e.CheckLeaks = false // the new token must be shown: nowhere else holds it
	r := e.Run("token", "rotate", oldID)
	if r.Code != 1 || !strings.Contains(r.Stderr, "too large") || !strings.Contains(r.Stderr, "was not revoked") {
		t.Fatalf("exit %d, stderr %q", r.Code, r.Stderr)
	}
	if st, ok := e.TokenFor(old); !ok || st.Revoked {
		t.Fatal("the old token was revoked although the new one could not be stored")
	}
	if st, ok := e.TokenFor(r.Stdout); !ok || st.Revoked {
		t.Fatalf("the new token was not shown: %q", r.Stdout)
	}
	// The profile still works with the old token.
	e.MustRun("token", "list")
}
