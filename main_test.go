// End-to-end tests: testscript runs the real axero binary, built once by
// TestMain and put first on PATH, against a fresh emulator on loopback per
// script.
// Scripts live in testdata/script/*.txtar.
//
// Each script starts with this environment:
//
//	AXERO_URL          the emulator's site URL (http://127.0.0.1:PORT)
//	ADMIN_TOKEN        seed token of admin (UserID 1: site admin, can impersonate)
//	SITEADMIN_TOKEN    seed token of siteadmin (UserID 2: site admin, cannot impersonate)
//	USER_TOKEN         seed token of jdoe (UserID 3: Jane Doe, a plain user)
//	NOAPI_TOKEN        seed token of noapi (UserID 4: no REST API access, 403 everywhere)
//	HOME               $WORK/home (created, empty)
//	AXERO_CONFIG_DIR   $WORK/config (not created)
//	AXERO_KEYCHAIN     off (scripts that need the OS keychain unset it)
//	AXERO_NO_PROMPT    1
//	NO_COLOR           1
//
// and without CI, AXERO_TOKEN, AXERO_PROFILE or AXERO_DEBUG, whatever the
// environment of `go test` holds. The emulator also has 20 generated users,
// user0001..user0020 (UserID 1001..1020, user0001@example.com..).
//
// Commands added to the testscript language:
//
//	exitcode N PROGRAM [ARGS...]
//	    run PROGRAM like exec and assert that it exits with status N;
//	    stdout and stderr are kept for the stdout/stderr commands.
//
//	emulator fault KNOB VALUE
//	    latency D | jitter D | fail503 P | fail500 P | ratelimit R |
//	    retryafter D | maxconcurrent N | html on|off | dropnext N | drop P |
//	    bare on|off (successes without the envelope) | empty on|off (no
//	    body) | truncatenext N (the next N answers, after acting, are cut
//	    short and the connection closes); "emulator fault reset" clears
//	    every fault.
//	emulator policy max LIFETIME|0 | default LIFETIME | allownever on|off
//	    change the expiration policy; a LIFETIME is 90m, 12h, 30d, 26w, 1y,
//	    or a bare number of minutes.
//	emulator mint USER NAME LIFETIME|never|expired [by ADMIN] [env VAR]
//	    mint a token directly (no policy check); "by ADMIN" makes it an
//	    impersonation token; its value goes to $VAR if given, and only its
//	    TokenID is printed on stdout.
//	emulator history USER NAME CREATED-AGO LAST-USED-AGO|never EXPIRES-IN|-EXPIRED-AGO|never [by ADMIN]
//	    add a token with a past (no policy check, no value anyone holds):
//	    created 400d ago, last used 200d ago or never, expiring in 90d,
//	    expired 5d ago (-5d) or never; "by ADMIN" makes it an impersonation
//	    token minted by ADMIN. Its TokenID is printed on stdout.
//	emulator count USER NAME|* STATE N
//	    assert that USER has N tokens named NAME (* for any) in STATE:
//	    active (exists, not expired), expired, live (exists), revoked, all,
//	    undelivered (exists, but its create's answer was dropped: a value
//	    nobody holds) or dropped (answer dropped, revoked since or not).
//	emulator secret-valid FILE
//	    assert that FILE holds a token value that is a live, unexpired token;
//	    with ! assert that it holds none.
//	emulator noleak FILE|DIR...
//	    assert that no token value the emulator ever issued (seed tokens
//	    included), nor its signature alone, appears in the files (stdout and
//	    stderr name the last command's output; directories are walked; a
//	    path that does not exist holds nothing).
//	emulator requests METHOD|* PATH-PREFIX N
//	    assert the number of requests the emulator received.
//
//	envfrom FILE REGEXP VAR
//	    set $VAR to the first submatch of REGEXP (multi-line mode) in FILE,
//	    or in stdout or stderr; fail when there is no match.
//	sandbox-url STATEFILE VAR
//	    wait (up to a minute) until an `axero sandbox --state STATEFILE`
//	    started in the background answers, and set $VAR to its URL.
//
//	tlsemulator start [host NAME] [skew D] [html]
//	    start a second emulator, serving HTTPS from a private CA (valid for
//	    loopback and NAME), whose Date header is D off (e.g. 10m) and which
//	    answers HTML login pages with html; sets TLS_URL, TLS_PORT, TLS_CA
//	    (its CA certificate, written to $WORK/tls-ca.pem), TLS_USER_TOKEN
//	    and TLS_ADMIN_TOKEN.
//	tlsemulator skew D
//	    change the TLS emulator's clock skew.
//	proxy start
//	    start a CONNECT proxy on loopback that maps axero.test to
//	    127.0.0.1; sets PROXY_URL.
//	proxy reset
//	    forget the requests the proxy has received so far.
//	proxy used
//	    assert that the proxy received a request since the last reset;
//	    with ! that it received none.
//	proxy require USER PASSWORD
//	    answer CONNECT with 407 Proxy Authentication Required unless the
//	    client sends these credentials; "proxy open" tunnels again.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/axero-cli/axero/internal/emulator"
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// runTests builds a plain axero binary once for every script and
// end-to-end test to run. Re-running this test binary instead (what
// testscript.Main does) would start the whole test binary, race detector
// and all, for every command line of every script, which is most of what
// the suite used to spend its time on.
func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "axero-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	name := "axero"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, name), ".") //nolint:gosec // test runs the test binary or the go tool it was built with
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building axero for the end-to-end tests: %v\n", err)
		return 1
	}
	_ = os.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return m.Run()
}

// scriptUsers is how many generated users each script's emulator has.
const scriptUsers = 20

type emulatorKey struct{}

func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams(filepath.Join("testdata", "script")))
}

// scriptParams is the harness: a fresh emulator per script, the conditions
// and the commands documented above.
func scriptParams(dir string) testscript.Params {
	return testscript.Params{
		Dir:       dir,
		Setup:     setupScript,
		Condition: scriptCondition,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"emulator":    cmdEmulator,
			"exitcode":    cmdExitCode,
			"envfrom":     cmdEnvFrom,
			"sandbox-url": cmdSandboxURL,
			"tlsemulator": cmdTLSEmulator,
			"proxy":       cmdProxy,
		},
	}
}

// inheritedVars are removed from every script's environment, so that a
// developer's own settings never change a test's outcome.
var inheritedVars = []string{"CI", "AXERO_TOKEN", "AXERO_PROFILE", "AXERO_DEBUG", "AXERO_URL", "AXERO_FORCE_TTY",
	"AXERO_CA_FILE", "GITHUB_ACTIONS", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"}

func setupScript(env *testscript.Env) error {
	srv, err := emulator.Start(emulator.Options{Users: scriptUsers, RecordSecrets: true})
	if err != nil {
		return err
	}
	env.Defer(func() { _ = srv.Close() })
	env.Values[emulatorKey{}] = srv
	env.Values[netWorldKey{}] = &netWorld{}

	vars := env.Vars[:0]
	for _, kv := range env.Vars {
		name, _, _ := strings.Cut(kv, "=")
		if !contains(inheritedVars, name) {
			vars = append(vars, kv)
		}
	}
	env.Vars = vars

	home := filepath.Join(env.WorkDir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	env.Setenv("HOME", home)
	env.Setenv("AXERO_CONFIG_DIR", filepath.Join(env.WorkDir, "config"))
	env.Setenv("AXERO_KEYCHAIN", "off")
	env.Setenv("AXERO_NO_PROMPT", "1")
	env.Setenv("NO_COLOR", "1")
	env.Setenv("AXERO_URL", srv.URL())
	env.Setenv("ADMIN_TOKEN", srv.SeedToken("admin"))
	env.Setenv("SITEADMIN_TOKEN", srv.SeedToken("siteadmin"))
	env.Setenv("USER_TOKEN", srv.SeedToken("jdoe"))
	env.Setenv("NOAPI_TOKEN", srv.SeedToken("noapi"))
	passKeychainEnv(env)
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func emulatorOf(ts *testscript.TestScript) *emulator.Server {
	return ts.Value(emulatorKey{}).(*emulator.Server)
}
