package api_test

import (
	"github.com/axero-cli/axero/cmd/cmdtest"
	"runtime"
	"syscall"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/keychain"
)

func skipExecOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
}

func TestExecPassesURLAndTokenInEnvironment(t *testing.T) {
	skipExecOnWindows(t)
	e := cmdtest.NewAuth(t)
	tok := e.Login("jdoe")
	// The expected values reach the child through the real environment,
	// so that no token is on the child's command line even in this test.
	t.Setenv("WANT_TOKEN", tok)
	t.Setenv("WANT_URL", e.Srv.URL())
	t.Setenv("AXERO_TOKEN", "stale-value-from-the-parent")
	e.Expect(0, "", "exec", "--", "sh", "-c", `test "$AXERO_TOKEN" = "$WANT_TOKEN" && test "$AXERO_URL" = "$WANT_URL" && test "$(env | grep -c '^AXERO_TOKEN=')" = 1`)
}

func TestExecWithoutDashDash(t *testing.T) {
	t.Parallel()
	skipExecOnWindows(t)
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	r := e.Expect(0, "", "exec", "echo", "-n", "hello")
	if r.Stdout != "hello" {
		t.Errorf("stdout = %q; -n went to axero?", r.Stdout)
	}
}

func TestExecPassesStdinAndExitCode(t *testing.T) {
	t.Parallel()
	skipExecOnWindows(t)
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	e.Stdin = "line from stdin\n"
	r := e.Run("exec", "--", "sh", "-c", `read x; echo "got $x"; echo oops >&2; exit 7`)
	if r.Code != 7 {
		t.Fatalf("exit %d, want 7", r.Code)
	}
	if r.Stdout != "got line from stdin\n" || r.Stderr != "oops\n" {
		t.Errorf("stdout %q, stderr %q", r.Stdout, r.Stderr)
	}
}

func TestExecSignalledChildIs128PlusN(t *testing.T) {
	t.Parallel()
	skipExecOnWindows(t)
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	r := e.Run("exec", "--", "sh", "-c", `kill -TERM $$`)
	if r.Code != 128+int(syscall.SIGTERM) {
		t.Fatalf("exit %d, want %d", r.Code, 128+int(syscall.SIGTERM))
	}
}

func TestExecMissingCommand(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	e.Expect(cmdutil.ExitUsage, "no command to run", "exec")
	e.Expect(cmdutil.ExitUsage, "no command to run", "exec", "--")
	e.Expect(127, "cannot run no-such-command-axero", "exec", "--", "no-such-command-axero")
}

func TestExecNotLoggedIn(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Expect(cmdutil.ExitAuth, "not logged in", "exec", "--", "true")
}

func TestExecWithAxeroTokenNeedsURL(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	delete(e.Vars, "AXERO_URL")
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("jdoe")
	e.Expect(cmdutil.ExitUsage, "set AXERO_URL", "exec", "--", "true")
}

func TestExecKeychainUnavailable(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	e.Memory.Fail = &keychain.UnavailableError{Cause: "no D-Bus session bus"}
	e.Expect(cmdutil.ExitFailure, "no D-Bus session bus", "exec", "--", "true")
}

// The keychain entry is keyed by the URL saved at login; AXERO_URL written
// slightly differently (a trailing slash) must still find it.
func TestExecFindsKeychainTokenWhateverAXERO_URLLooksLike(t *testing.T) {
	skipExecOnWindows(t)
	e := cmdtest.NewAuth(t)
	tok := e.Login("jdoe")
	e.Vars["AXERO_URL"] = e.Srv.URL() + "/"
	t.Setenv("WANT_TOKEN", tok)
	e.Expect(0, "", "exec", "--", "sh", "-c", `test "$AXERO_TOKEN" = "$WANT_TOKEN"`)
}
