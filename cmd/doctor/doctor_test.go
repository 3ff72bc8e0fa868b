package doctor_test

import (
	"encoding/json"
	"net"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/cmd/doctor"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/keychain"
)

// doctorJSON runs `doctor -o json`, checks the exit code, and returns the
// checks by name.
func doctorJSON(t *testing.T, e *cmdtest.Env, code int, args ...string) map[string]doctor.Check {
	t.Helper()
	e.CheckLeaks = true
	r := e.Run(append([]string{"doctor", "-o", "json"}, args...)...)
	if r.Code != code {
		t.Fatalf("doctor: exit %d, want %d\nstdout: %s\nstderr: %s", r.Code, code, r.Stdout, r.Stderr)
	}
	var checks []doctor.Check
	if err := json.Unmarshal([]byte(r.Stdout), &checks); err != nil {
		t.Fatalf("doctor -o json: %v\n%s", err, r.Stdout)
	}
	byName := map[string]doctor.Check{}
	for _, c := range checks {
		byName[c.Check] = c
	}
	if len(byName) != len(checks) {
		t.Fatalf("a check appears twice: %s", r.Stdout)
	}
	return byName
}

var allChecks = []string{"config", "keychain", "token", "site", "ca-file", "proxy", "dns", "connect", "tls", "http", "clock", "auth", "role", "policy"}

func want(t *testing.T, checks map[string]doctor.Check, name, status string, hintHas ...string) {
	t.Helper()
	c, ok := checks[name]
	if !ok {
		t.Fatalf("no %s check in %+v", name, checks)
	}
	if c.Status != status {
		t.Fatalf("%s: %+v, want %s", name, c, status)
	}
	for _, h := range hintHas {
		if !strings.Contains(c.Hint, h) {
			t.Fatalf("%s: hint %q lacks %q", name, c.Hint, h)
		}
	}
}

func TestDoctorAllOKAgainstTheTLSSandbox(t *testing.T) {
	t.Parallel()
	e, caFile := cmdtest.NewTLS(t)
	e.Vars["AXERO_CA_FILE"] = caFile
	checks := doctorJSON(t, e, 0)
	for _, name := range allChecks {
		want(t, checks, name, doctor.StatusOK)
	}
	if !strings.Contains(checks["auth"].Detail, "jdoe") || !strings.Contains(checks["tls"].Detail, "Axero Sandbox CA") {
		t.Errorf("auth %q, tls %q", checks["auth"].Detail, checks["tls"].Detail)
	}
}

func TestDoctorTextIsOneLinePerCheckWithHints(t *testing.T) {
	t.Parallel()
	e, _ := cmdtest.NewTLS(t)
	e.CheckLeaks = true
	r := e.Run("doctor")
	if r.Code != 1 {
		t.Fatalf("exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, line := range []string{"OK    config", "FAIL  tls", "hint: if your organisation uses its own certificate authority, pass its PEM bundle with --ca-file", "SKIP  http      not checked: tls failed", "SKIP  policy    not checked: tls failed", "1 FAIL"} {
		if !strings.Contains(r.Stdout, line) {
			t.Errorf("stdout lacks %q:\n%s", line, r.Stdout)
		}
	}
}

func TestDoctorWrongCA(t *testing.T) {
	t.Parallel()
	e, _ := cmdtest.NewTLS(t)
	checks := doctorJSON(t, e, 1)
	want(t, checks, "tls", doctor.StatusFail, "--ca-file")
	want(t, checks, "http", doctor.StatusSkip)
	want(t, checks, "auth", doctor.StatusSkip)

	other, err := emulator.NewCA("Some Other CA")
	if err != nil {
		t.Fatal(err)
	}
	e.Vars["AXERO_CA_FILE"] = e.WriteCA(other)
	checks = doctorJSON(t, e, 1)
	want(t, checks, "ca-file", doctor.StatusOK)
	want(t, checks, "tls", doctor.StatusFail, "does not hold the CA \"Axero Sandbox CA\"", "--ca-file")
}

func TestDoctorHTMLLoginPage(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{Faults: emulator.Faults{HTMLMode: true}})
	checks := doctorJSON(t, e, 1)
	want(t, checks, "tls", doctor.StatusOK)
	want(t, checks, "http", doctor.StatusFail, "site URL is probably wrong")
	want(t, checks, "auth", doctor.StatusSkip)
}

func TestDoctorUnreachableHost(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()
	e.Vars["AXERO_URL"] = "http://" + closed
	checks := doctorJSON(t, e, 1)
	want(t, checks, "dns", doctor.StatusOK)
	want(t, checks, "connect", doctor.StatusFail, "check the port")
	for _, name := range []string{"tls", "http", "clock", "auth", "role", "policy"} {
		want(t, checks, name, doctor.StatusSkip)
		if checks[name].Detail != "not checked: connect failed" {
			t.Errorf("%s: %q", name, checks[name].Detail)
		}
	}
}

func TestDoctorRejectedToken(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	id := e.TokenIDOf(e.Vars["AXERO_TOKEN"])
	e.MustRun("token", "revoke", id, "--yes")
	checks := doctorJSON(t, e, 1)
	want(t, checks, "token", doctor.StatusOK)
	want(t, checks, "auth", doctor.StatusFail, "axero login")
	want(t, checks, "role", doctor.StatusSkip)
}

func TestDoctorKeychain(t *testing.T) {
	t.Parallel()
	t.Run("unreachable, holding the token", func(t *testing.T) {
		e := cmdtest.NewAuth(t)
		e.Login("jdoe")
		e.Memory.Fail = &keychain.UnavailableError{Cause: "no D-Bus session bus"}
		checks := doctorJSON(t, e, 1)
		want(t, checks, "keychain", doctor.StatusFail, "AXERO_TOKEN", "--insecure-storage")
		want(t, checks, "token", doctor.StatusSkip)
		want(t, checks, "auth", doctor.StatusSkip)
		want(t, checks, "http", doctor.StatusOK)
	})
	t.Run("off, with the token in the keychain", func(t *testing.T) {
		e := cmdtest.NewAuth(t)
		e.Login("jdoe")
		e.Vars["AXERO_KEYCHAIN"] = "off"
		want(t, doctorJSON(t, e, 1), "keychain", doctor.StatusFail, "AXERO_KEYCHAIN")
	})
	t.Run("off, with the token in the environment", func(t *testing.T) {
		e := cmdtest.NewToken(t, emulator.Options{})
		e.Vars["AXERO_KEYCHAIN"] = "off"
		checks := doctorJSON(t, e, 0)
		want(t, checks, "keychain", doctor.StatusOK)
		want(t, checks, "auth", doctor.StatusOK)
	})
	t.Run("unreachable, with the token in a file", func(t *testing.T) {
		e := cmdtest.NewAuth(t)
		e.Login("jdoe", "--insecure-storage")
		e.Memory.Fail = &keychain.UnavailableError{Cause: "no D-Bus session bus"}
		checks := doctorJSON(t, e, 0)
		want(t, checks, "keychain", doctor.StatusOK)
		if !strings.Contains(checks["keychain"].Detail, "unreachable (") || !strings.Contains(checks["keychain"].Detail, "not needed: the token is in a file") {
			t.Errorf("keychain: %q", checks["keychain"].Detail)
		}
		want(t, checks, "token", doctor.StatusOK)
		want(t, checks, "auth", doctor.StatusOK)
	})
	// In CI the token comes from AXERO_TOKEN and there is no keychain:
	// nothing to warn about.
	t.Run("unreachable in CI, with the token in the environment", func(t *testing.T) {
		e := cmdtest.NewToken(t, emulator.Options{})
		e.Vars["CI"], e.Vars["GITHUB_ACTIONS"] = "true", "true"
		e.Memory.Fail = &keychain.UnavailableError{Cause: "no D-Bus session bus"}
		checks := doctorJSON(t, e, 0)
		want(t, checks, "keychain", doctor.StatusOK)
		if !strings.Contains(checks["keychain"].Detail, "not needed: the token comes from AXERO_TOKEN") {
			t.Errorf("keychain: %q", checks["keychain"].Detail)
		}
		for _, c := range checks {
			if c.Status == doctor.StatusWarn {
				t.Errorf("a WARN in CI: %+v", c)
			}
		}
	})
}

func TestDoctorClockSkew(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{Faults: emulator.Faults{ClockSkew: 10 * time.Minute}})
	checks := doctorJSON(t, e, 0)
	want(t, checks, "clock", doctor.StatusWarn, "clock")
	if !strings.Contains(checks["clock"].Detail, "ahead of") {
		t.Errorf("clock: %q", checks["clock"].Detail)
	}
	e.Srv.SetFaults(emulator.Faults{ClockSkew: 30 * time.Second})
	want(t, doctorJSON(t, e, 0), "clock", doctor.StatusOK)
}

func TestDoctorThroughAProxy(t *testing.T) {
	t.Parallel()
	e, caFile := cmdtest.NewTLS(t)
	p, err := emulator.StartProxy()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	u, _ := url.Parse(e.Srv.URL())
	e.Vars["AXERO_URL"] = "https://" + emulator.TestHost + ":" + u.Port()
	e.Vars["AXERO_CA_FILE"] = caFile
	e.Vars["HTTPS_PROXY"] = p.URL()
	checks := doctorJSON(t, e, 0)
	for _, name := range allChecks {
		if name != "token" {
			want(t, checks, name, doctor.StatusOK)
		}
	}
	// The emulator's tokens name it by its loopback address, so that
	// AXERO_TOKEN is another site's as far as its iss says: a warning, not
	// a failure, since a site may answer under two names.
	want(t, checks, "token", doctor.StatusWarn, "answers under both names")
	if !strings.Contains(checks["token"].Detail, "issued by "+e.Srv.URL()+", not by the site in use https://"+emulator.TestHost) {
		t.Errorf("token: %q", checks["token"].Detail)
	}
	if !strings.Contains(checks["proxy"].Detail, p.URL()+" (from HTTPS_PROXY)") {
		t.Errorf("proxy: %q", checks["proxy"].Detail)
	}
}

func TestDoctorNotLoggedIn(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	checks := doctorJSON(t, e, 1)
	want(t, checks, "token", doctor.StatusFail, "axero login")
	want(t, checks, "http", doctor.StatusOK)
	want(t, checks, "auth", doctor.StatusSkip)
}

func TestDoctorTimeoutSkipsWhatIsLeft(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{Faults: emulator.Faults{Latency: time.Minute}})
	checks := doctorJSON(t, e, 1, "--timeout", "300ms")
	want(t, checks, "http", doctor.StatusFail)
	for _, name := range []string{"clock", "auth", "role", "policy"} {
		want(t, checks, name, doctor.StatusSkip)
	}
}

// A stored token is bound to its site: doctor does not send it to another
// site named by AXERO_URL, and says so on the token line.
func TestDoctorDoesNotSendAStoredTokenToAnotherSite(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	b := emulator.NewTest(t, emulator.Options{})
	e.Vars["AXERO_URL"] = b.URL()
	checks := doctorJSON(t, e, 1)
	want(t, checks, "token", doctor.StatusFail, "only sent to its own site")
	if !strings.Contains(checks["token"].Detail, "no profile is logged in to this site") {
		t.Errorf("token: %q", checks["token"].Detail)
	}
	want(t, checks, "site", doctor.StatusOK)
	want(t, checks, "auth", doctor.StatusSkip)
	if n := b.RequestCount("", "/api/bearertokens"); n != 0 {
		t.Errorf("site B received %d token requests", n)
	}
}

func TestDoctorFitsTheTerminalAndColoursStatuses(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	id := e.TokenIDOf(e.Vars["AXERO_TOKEN"])
	e.MustRun("token", "revoke", id, "--yes")
	e.TTY, e.Color, e.Width = true, true, 80
	r := e.Run("doctor")
	plain := regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(r.Stdout, "")
	for _, l := range strings.Split(plain, "\n") {
		if n := utf8.RuneCountInString(l); n > 80 {
			t.Errorf("a line of %d columns: %q", n, l)
		}
	}
	// A long detail goes on under itself, not under the status.
	if !regexp.MustCompile(`(?m)^OK    http      GET .*\n {16}\(application/json`).MatchString(plain) {
		t.Errorf("the http detail does not wrap under itself:\n%s", plain)
	}
	for _, want := range []string{"\x1b[32mOK\x1b[0m    config", "\x1b[31mFAIL\x1b[0m  auth"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("want %q in:\n%s", want, r.Stdout)
		}
	}
	e.Color, e.Width = false, 0
	r = e.Run("doctor")
	if strings.Contains(r.Stdout, "\x1b") || !strings.Contains(r.Stdout, "\nOK    http      GET ") {
		t.Errorf("without colour or a width limit:\n%s", r.Stdout)
	}
}
