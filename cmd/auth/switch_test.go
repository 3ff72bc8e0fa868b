package auth_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/cmd/cmdutil"
)

// twoProfiles logs jdoe in as default and admin as ops.
func twoProfiles(t *testing.T) *cmdtest.Env {
	t.Helper()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	e.Login("admin", "--profile", "ops")
	return e
}

func TestAuthSwitchChoosesTheDefaultProfile(t *testing.T) {
	t.Parallel()
	e := twoProfiles(t)
	r := e.Expect(0, `Switched to profile "ops" (`+e.Srv.URL()+" as admin).", "auth", "switch", "ops")
	if r.Stdout != "" {
		t.Errorf("stdout: %q", r.Stdout)
	}
	if got := e.Config().DefaultProfile; got != "ops" {
		t.Fatalf("default_profile = %q", got)
	}
	// Commands now use ops, status stars it, and --profile still wins.
	if r := e.MustRun("call", "users/me", "--jq", ".UserName"); strings.TrimSpace(r.Stdout) != "admin" {
		t.Errorf("call users/me: %q", r.Stdout)
	}
	entries := statusJSON(t, e, 0)
	if entries[0].Profile != "default" || entries[0].Active || entries[1].Profile != "ops" || !entries[1].Active {
		t.Errorf("status: %+v", entries)
	}
	e.TTY = true
	if r := e.MustRun("status", "--offline"); !strings.Contains(r.Stdout, "* ops") || strings.Contains(r.Stdout, "* default") {
		t.Errorf("status table:\n%s", r.Stdout)
	}
	e.TTY = false
	if r := e.MustRun("--profile", "default", "call", "users/me", "--jq", ".UserName"); strings.TrimSpace(r.Stdout) != "jdoe" {
		t.Errorf("--profile default: %q", r.Stdout)
	}
	// Switching back to "default" leaves no default_profile behind.
	e.Expect(0, `Switched to profile "default"`, "auth", "switch", "default")
	if got := e.Config().DefaultProfile; got != "" {
		t.Errorf("default_profile = %q after switching to default", got)
	}
	e.Expect(0, `Profile "default" (`+e.Srv.URL()+" as jdoe) was already the default.", "auth", "switch", "default")
}

func TestAuthSwitchRefusesAnUnknownProfile(t *testing.T) {
	t.Parallel()
	e := twoProfiles(t)
	e.Expect(cmdutil.ExitUsage, `there is no profile "nosuch"; the profiles are default, ops`, "auth", "switch", "nosuch")
	if got := e.Config().DefaultProfile; got != "" {
		t.Errorf("default_profile = %q", got)
	}
}

func TestAuthSwitchWithoutAProfileNeedsATerminal(t *testing.T) {
	t.Parallel()
	e := twoProfiles(t)
	e.Expect(cmdutil.ExitUsage, "pass it: axero auth switch PROFILE (the profiles are default, ops)", "auth", "switch")
	// A terminal where prompts are forbidden (CI) is no better.
	e.TTY = true
	e.CanPrompt = false
	e.Expect(cmdutil.ExitUsage, "axero auth switch PROFILE", "auth", "switch")
}

func TestAuthSwitchOffersThePickerAtATerminal(t *testing.T) {
	t.Parallel()
	e := twoProfiles(t)
	e.TTY, e.CanPrompt = true, true
	// The default profile is in focus: one down is ops.
	e.Stdin = "\x1b[B\r"
	e.Expect(0, `Switched to profile "ops"`, "auth", "switch")
	if e.Config().DefaultProfile != "ops" {
		t.Fatal("the choice was not kept")
	}
	// Now ops is in focus: Enter keeps it.
	e.Stdin = "\r"
	e.Expect(0, `Profile "ops"`, "auth", "switch")
	// Ctrl-C changes nothing.
	e.Stdin = "\x03"
	e.Expect(cmdutil.ExitInterrupted, "no profile chosen; nothing changed", "auth", "switch")
	if e.Config().DefaultProfile != "ops" {
		t.Fatal("an aborted choice changed the default")
	}
}

func TestAuthSwitchWarnsThatAXERO_PROFILEWins(t *testing.T) {
	t.Parallel()
	e := twoProfiles(t)
	e.Vars["AXERO_PROFILE"] = "default"
	e.Expect(0, "warning: AXERO_PROFILE=default is set, and takes precedence over the default while it is.", "auth", "switch", "ops")
}

func TestLogoutOfTheDefaultProfileForgetsItAsTheDefault(t *testing.T) {
	t.Parallel()
	e := twoProfiles(t)
	e.MustRun("auth", "switch", "ops")
	e.Expect(0, `Logged out of `+e.Srv.URL()+` (profile "ops")`, "logout")
	if got := e.Config().DefaultProfile; got != "" {
		t.Fatalf("default_profile = %q after logging its profile out", got)
	}
	if r := e.MustRun("call", "users/me", "--jq", ".UserName"); strings.TrimSpace(r.Stdout) != "jdoe" {
		t.Errorf("after logout: %q", r.Stdout)
	}
}

// auth login, logout and status are the top-level commands under another
// name, as gh users look for them.
func TestAuthGroupHoldsLoginLogoutAndStatus(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Stdin = e.Srv.SeedToken("jdoe") + "\n"
	e.Expect(0, "Logged in to", "auth", "login", "--with-token")
	e.Stdin = ""
	if entries := statusJSON(t, e, 0); len(entries) != 1 || entries[0].User != "jdoe" {
		t.Fatalf("status: %+v", entries)
	}
	r := e.MustRun("auth", "status", "-o", "json")
	if !strings.Contains(r.Stdout, `"User":"jdoe"`) {
		t.Errorf("auth status: %s", r.Stdout)
	}
	e.Expect(0, "Logged out of", "auth", "logout")
	if _, err := os.Stat(filepath.Join(e.ConfigDir, "config.yaml")); err != nil {
		t.Fatal(err)
	}
	if len(e.Config().ProfileNames()) != 0 {
		t.Error("auth logout left the profile")
	}
}
