package auth_test

import (
	"encoding/json"
	"github.com/axero-cli/axero/cmd/auth"
	"github.com/axero-cli/axero/cmd/cmdtest"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/keychain"
)

func statusJSON(t *testing.T, e *cmdtest.Env, code int, args ...string) []auth.StatusEntry {
	t.Helper()
	r := e.Run(append([]string{"status", "-o", "json"}, args...)...)
	if r.Code != code {
		t.Fatalf("status: exit %d, want %d\nstdout: %s\nstderr: %s", r.Code, code, r.Stdout, r.Stderr)
	}
	var entries []auth.StatusEntry
	if err := json.Unmarshal([]byte(r.Stdout), &entries); err != nil {
		t.Fatalf("status -o json: %v\n%s", err, r.Stdout)
	}
	return entries
}

func TestStatusNotLoggedIn(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Expect(cmdutil.ExitAuth, "not logged in", "status")
}

func TestStatusValidProfiles(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	e.Login("admin", "--profile", "ops")
	entries := statusJSON(t, e, 0)
	if len(entries) != 2 || entries[0].Profile != "default" || entries[1].Profile != "ops" {
		t.Fatalf("entries = %+v", entries)
	}
	d := entries[0]
	if !d.Active || d.Site != e.Srv.URL() || d.User != "jdoe" || d.Source != "keychain" ||
		d.Server != "valid" || !d.Usable || d.Expires == nil || d.TokenID == 0 || d.TokenName != "seed" {
		t.Errorf("default = %+v", d)
	}
	if entries[1].Active {
		t.Error("ops is marked active")
	}
}

func TestStatusTableOnTerminal(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	e.TTY = true
	r := e.Expect(0, "", "status")
	for _, want := range []string{"PROFILE", "* default", e.Srv.URL(), "jdoe", "keychain", "in ", "valid"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.Stdout)
		}
	}
}

func TestStatusOfflineMakesNoRequest(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	before := e.Srv.RequestCount("GET", "/api/users/me")
	entries := statusJSON(t, e, 0, "--offline")
	if e.Srv.RequestCount("GET", "/api/users/me") != before {
		t.Error("status --offline asked the server")
	}
	if entries[0].Server != "not checked" || !entries[0].Usable {
		t.Errorf("entry = %+v", entries[0])
	}
}

func TestStatusRejectedTokenIsExit3(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	tok := e.Login("jdoe")
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	e.Expect(0, "", "token", "revoke", e.TokenIDOf(tok), "--yes")
	delete(e.Vars, "AXERO_TOKEN")
	entries := statusJSON(t, e, cmdutil.ExitAuth)
	if entries[0].Server != "rejected (401)" || entries[0].Usable {
		t.Errorf("entry = %+v", entries[0])
	}
}

func TestStatusExpiredToken(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	e.Now = func() time.Time { return time.Now().Add(400 * 24 * time.Hour) }
	entries := statusJSON(t, e, cmdutil.ExitAuth, "--offline")
	if !entries[0].Expired || entries[0].Usable {
		t.Errorf("entry = %+v", entries[0])
	}
}

func TestStatusKeychainUnavailableIsOneLinePerProfile(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	e.Login("admin", "--profile", "ops")
	e.Memory.Fail = &keychain.UnavailableError{Cause: "no D-Bus session bus"}
	r := e.Run("status")
	if r.Code != cmdutil.ExitAuth {
		t.Fatalf("exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if n := strings.Count(r.Stdout, "keychain unavailable: no D-Bus session bus"); n != 2 {
		t.Errorf("%d mentions of the keychain, want one per profile:\n%s", n, r.Stdout)
	}
}

func TestStatusEnvironmentEntry(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("siteadmin")
	entries := statusJSON(t, e, 0)
	if len(entries) != 1 {
		t.Fatalf("entries = %+v", entries)
	}
	en := entries[0]
	if en.Profile != "(AXERO_TOKEN)" || en.Source != "env" || en.Site != e.Srv.URL() || en.User != "siteadmin" || !en.Usable {
		t.Errorf("entry = %+v", en)
	}
}

func TestStatusUnreachableIsExit1(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	_ = e.Srv.Close()
	entries := statusJSON(t, e, cmdutil.ExitFailure)
	if !strings.HasPrefix(entries[0].Server, "unreachable: ") {
		t.Errorf("server = %q", entries[0].Server)
	}
}

func TestStatusNoAPIAccess(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("noapi")
	entries := statusJSON(t, e, cmdutil.ExitAuth)
	if !strings.Contains(entries[0].Server, "403") {
		t.Errorf("server = %q", entries[0].Server)
	}
}

// blockedKeychain never answers, like a locked collection whose unlock
// prompt nobody sees.
type blockedKeychain struct{ release chan struct{} }

func (b blockedKeychain) Get(string) (string, error) { <-b.release; return "", nil }
func (b blockedKeychain) Set(string, string) error   { <-b.release; return nil }
func (b blockedKeychain) Delete(string) error        { <-b.release; return nil }

func TestStatusDoesNotHangOnABlockedKeychain(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	e.Login("admin", "--profile", "ops")
	release := make(chan struct{})
	defer close(release)
	e.Keychain = keychain.WithTimeout(blockedKeychain{release}, 20*time.Millisecond)
	r := e.Run("status")
	if r.Code != cmdutil.ExitAuth {
		t.Fatalf("exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	want := "keychain unavailable: timed out after 20ms waiting for the keychain (is it locked?)"
	if n := strings.Count(r.Stdout, want); n != 2 {
		t.Errorf("%d mentions of %q, want one per profile:\n%s", n, want, r.Stdout)
	}
}

func TestStatusShowsTheSiteInUseAndWhereItComesFrom(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	site := e.Srv.URL()
	for _, c := range []struct {
		url  string // AXERO_URL
		args []string
		from string
	}{
		{site, nil, "AXERO_URL"},
		{"", []string{"--url", site + "/api/"}, "--url"},
		{"", nil, "profile"},
	} {
		e.Vars["AXERO_URL"] = c.url
		for _, offline := range [][]string{nil, {"--offline"}} {
			args := append(append([]string{}, c.args...), offline...)
			entries := statusJSON(t, e, 0, args...)
			if !entries[0].Active || entries[0].SiteFrom != c.from {
				t.Errorf("%v: entry = %+v, want active from %s", args, entries[0], c.from)
			}
			r := e.Expect(0, "", append([]string{"status"}, args...)...)
			from := c.from
			if from == "profile" {
				from = `profile "default"`
			}
			if want := "Site in use: " + site + " (from " + from + `), with profile "default"`; !strings.Contains(r.Stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, r.Stderr)
			}
		}
	}
}

func TestStatusRefusesASiteNoProfileIsLoggedInTo(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	e.Vars["AXERO_URL"] = "https://other.example.com"
	entries := statusJSON(t, e, cmdutil.ExitAuth, "--offline")
	if len(entries) != 2 {
		t.Fatalf("entries = %+v", entries)
	}
	other, def := entries[0], entries[1]
	if other.Profile != "(AXERO_URL)" || !other.Active || other.Site != "https://other.example.com" || other.SiteFrom != "AXERO_URL" ||
		other.Cause != auth.CauseOtherSite || other.Usable || !strings.Contains(other.Problem, "login --url https://other.example.com") {
		t.Errorf("entry for the site in use = %+v", other)
	}
	if def.Active || !def.Usable {
		t.Errorf("default = %+v", def)
	}
	r := e.Expect(cmdutil.ExitAuth, "Site in use: https://other.example.com (from AXERO_URL), with no stored token", "status", "--offline")
	if !strings.Contains(r.Stderr, "axero: no profile is logged in to https://other.example.com") {
		t.Errorf("stderr: %s", r.Stderr)
	}
}

// Offline, a token is judged by what it says of itself: one that is not
// even a JWT is not called usable.
func TestStatusOfflineDoesNotCallAnUndecodableTokenUsable(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Vars["AXERO_TOKEN"] = "opaque-not-a-jwt"
	entries := statusJSON(t, e, cmdutil.ExitAuth, "--offline")
	env := entries[0]
	if env.Profile != "(AXERO_TOKEN)" || env.Usable || env.Cause != auth.CauseMalformed || !strings.Contains(env.Problem, "not a JWT") {
		t.Fatalf("entry = %+v", env)
	}
	// A stored token that does not decode is no better.
	delete(e.Vars, "AXERO_TOKEN")
	e.Login("jdoe", "--insecure-storage")
	cfg := e.Config()
	if err := cfg.WriteFileToken("default", "opaque-not-a-jwt"); err != nil {
		t.Fatal(err)
	}
	entries = statusJSON(t, e, cmdutil.ExitAuth, "--offline")
	if entries[0].Usable || entries[0].Cause != auth.CauseMalformed {
		t.Fatalf("stored entry = %+v", entries[0])
	}
	e.TTY = true
	if r := e.Expect(cmdutil.ExitAuth, "", "status", "--offline"); !strings.Contains(r.Stdout, "not a JWT") {
		t.Errorf("table:\n%s", r.Stdout)
	}
}
