package auth_test

import (
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
)

func TestLoginKeychainTooSmallStoresNothing(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Memory.MaxSize = 64
	e.Stdin = e.Srv.SeedToken("jdoe") + "\n"
	r := e.Run("login", "--with-token")
	if r.Code != 1 || !strings.Contains(r.Stderr, "too large for this OS keychain; nothing was stored") || !strings.Contains(r.Stderr, "--insecure-storage") {
		t.Fatalf("exit %d, stderr %q", r.Code, r.Stderr)
	}
	if len(e.Config().ProfileNames()) != 0 || len(e.Memory.Accounts()) != 0 {
		t.Fatal("something was stored")
	}
}
