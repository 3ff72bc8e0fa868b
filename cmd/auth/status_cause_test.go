package auth_test

import (
	"testing"

	"github.com/axero-cli/axero/cmd/auth"
	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/keychain"
)

// status tells apart, in its Cause, why a token is not usable: the
// keychain, the token, or the server; the exit codes stay as documented.
func TestStatusCauses(t *testing.T) {
	t.Parallel()
	cause := func(t *testing.T, e *cmdtest.Env, code int, want string) {
		t.Helper()
		entries := statusJSON(t, e, code)
		if len(entries) != 1 || entries[0].Cause != want {
			t.Fatalf("entries = %+v, want one with cause %q", entries, want)
		}
	}
	t.Run("valid", func(t *testing.T) {
		e := cmdtest.NewAuth(t)
		e.Login("jdoe")
		cause(t, e, 0, auth.CauseValid)
	})
	t.Run("keychain unreachable", func(t *testing.T) {
		e := cmdtest.NewAuth(t)
		e.Login("jdoe")
		e.Memory.Fail = &keychain.UnavailableError{Cause: "no D-Bus session bus"}
		cause(t, e, cmdutil.ExitAuth, auth.CauseKeychainUnreachable)
	})
	t.Run("no token", func(t *testing.T) {
		e := cmdtest.NewAuth(t)
		e.Login("jdoe")
		_ = e.Memory.Delete(e.Memory.Accounts()[0])
		cause(t, e, cmdutil.ExitAuth, auth.CauseNoToken)
	})
	t.Run("rejected", func(t *testing.T) {
		e := cmdtest.NewAuth(t)
		tok := e.Login("jdoe")
		e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
		e.Expect(0, "", "token", "revoke", e.TokenIDOf(tok), "--yes")
		delete(e.Vars, "AXERO_TOKEN")
		cause(t, e, cmdutil.ExitAuth, auth.CauseRejected)
	})
	t.Run("server unreachable", func(t *testing.T) {
		e := cmdtest.NewAuth(t)
		e.Login("jdoe")
		_ = e.Srv.Close()
		cause(t, e, cmdutil.ExitFailure, auth.CauseServerUnreachable)
	})
	t.Run("server answered badly", func(t *testing.T) {
		e := cmdtest.NewAuth(t)
		e.Login("jdoe")
		e.Srv.SetFaults(emulator.Faults{HTMLMode: true})
		cause(t, e, cmdutil.ExitFailure, auth.CauseServerError)
	})
	t.Run("certificate", func(t *testing.T) {
		e, _ := cmdtest.NewTLS(t)
		cause(t, e, cmdutil.ExitFailure, auth.CauseCertificate)
	})
}
