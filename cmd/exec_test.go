package cmd

import (
	"runtime"
	"strings"
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
	e := newAuthEnv(t)
	tok := e.login("jdoe")
	// The expected values reach the child through the real environment,
	// so that no token is on the child's command line even in this test.
	t.Setenv("WANT_TOKEN", tok)
	t.Setenv("WANT_URL", e.srv.URL())
	t.Setenv("AXERO_TOKEN", "stale-value-from-the-parent")
	e.expect(0, "", "exec", "--", "sh", "-c", `test "$AXERO_TOKEN" = "$WANT_TOKEN" && test "$AXERO_URL" = "$WANT_URL" && test "$(env | grep -c '^AXERO_TOKEN=')" = 1`)
}

func TestExecWithoutDashDash(t *testing.T) {
	skipExecOnWindows(t)
	e := newAuthEnv(t)
	e.login("jdoe")
	r := e.expect(0, "", "exec", "echo", "-n", "hello")
	if r.stdout != "hello" {
		t.Errorf("stdout = %q; -n went to axero?", r.stdout)
	}
}

func TestExecPassesStdinAndExitCode(t *testing.T) {
	skipExecOnWindows(t)
	e := newAuthEnv(t)
	e.login("jdoe")
	e.stdin = "line from stdin\n"
	r := e.run("exec", "--", "sh", "-c", `read x; echo "got $x"; echo oops >&2; exit 7`)
	if r.code != 7 {
		t.Fatalf("exit %d, want 7", r.code)
	}
	if r.stdout != "got line from stdin\n" || r.stderr != "oops\n" {
		t.Errorf("stdout %q, stderr %q", r.stdout, r.stderr)
	}
}

func TestExecSignalledChildIs128PlusN(t *testing.T) {
	skipExecOnWindows(t)
	e := newAuthEnv(t)
	e.login("jdoe")
	r := e.run("exec", "--", "sh", "-c", `kill -TERM $$`)
	if r.code != 128+int(syscall.SIGTERM) {
		t.Fatalf("exit %d, want %d", r.code, 128+int(syscall.SIGTERM))
	}
}

func TestExecMissingCommand(t *testing.T) {
	e := newAuthEnv(t)
	e.login("jdoe")
	e.expect(cmdutil.ExitUsage, "no command to run", "exec")
	e.expect(cmdutil.ExitUsage, "no command to run", "exec", "--")
	e.expect(127, "cannot run no-such-command-axero", "exec", "--", "no-such-command-axero")
}

func TestExecNotLoggedIn(t *testing.T) {
	e := newAuthEnv(t)
	e.expect(cmdutil.ExitAuth, "not logged in", "exec", "--", "true")
}

func TestExecWithAxeroTokenNeedsURL(t *testing.T) {
	e := newAuthEnv(t)
	delete(e.env, "AXERO_URL")
	e.env["AXERO_TOKEN"] = e.srv.SeedToken("jdoe")
	e.expect(cmdutil.ExitUsage, "set AXERO_URL", "exec", "--", "true")
}

func TestExecKeychainUnavailable(t *testing.T) {
	e := newAuthEnv(t)
	e.login("jdoe")
	e.keychain.Fail = &keychain.UnavailableError{Cause: "no D-Bus session bus"}
	e.expect(cmdutil.ExitFailure, "no D-Bus session bus", "exec", "--", "true")
}

func TestChildEnvReplacesWithoutDuplicates(t *testing.T) {
	got := childEnv([]string{"A=1", "AXERO_TOKEN=old", "AXERO_URL=old", "B=2"}, map[string]string{"AXERO_URL": "u", "AXERO_TOKEN": "t"})
	want := "A=1 B=2 AXERO_URL=u AXERO_TOKEN=t"
	if strings.Join(got, " ") != want {
		t.Errorf("childEnv = %v", got)
	}
}

// The keychain entry is keyed by the URL saved at login; AXERO_URL written
// slightly differently (a trailing slash) must still find it.
func TestExecFindsKeychainTokenWhateverAXERO_URLLooksLike(t *testing.T) {
	skipExecOnWindows(t)
	e := newAuthEnv(t)
	tok := e.login("jdoe")
	e.env["AXERO_URL"] = e.srv.URL() + "/"
	t.Setenv("WANT_TOKEN", tok)
	e.expect(0, "", "exec", "--", "sh", "-c", `test "$AXERO_TOKEN" = "$WANT_TOKEN"`)
}
