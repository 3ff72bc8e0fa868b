package root

import (
	"slices"
	"strings"
	"testing"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
)

// --expires offers what the site's policy allows, read within the
// completion's budget; offline it offers the usual list.
func TestCompleteExpiresFollowsThePolicy(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTest(t, emulator.Options{})
	env := map[string]string{"AXERO_URL": srv.URL(), "AXERO_TOKEN": srv.SeedToken("jdoe")}
	f, out, _ := isolatedFactory(t, env, true)
	for _, args := range [][]string{
		{"token", "create", "--expires", ""},
		{"token", "rotate", "x", "--expires", ""},
		{"token", "create-for-user", "--expires", ""},
	} {
		srv.SetPolicy(emulator.Policy{MaxExpirationMinutes: 90 * 24 * 60, AllowNoExpiration: false, DefaultExpirationMinutes: 30 * 24 * 60})
		c := tab(t, f, out, args...)
		if !slices.Equal(c.values, []string{"30d", "90d"}) || c.directive != noFileDirective {
			t.Errorf("%v with a 90-day maximum and no never: %q %s", args, c.values, c.directive)
		}
		srv.SetPolicy(emulator.Policy{MaxExpirationMinutes: 0, AllowNoExpiration: true, DefaultExpirationMinutes: 30 * 24 * 60})
		c = tab(t, f, out, args...)
		if !slices.Equal(c.values, []string{"30d", "90d", "1y", "never"}) {
			t.Errorf("%v where never is allowed: %q", args, c.values)
		}
	}
	// Offline: the usual list, and no error on the shell's line.
	off, offOut, errOut := isolatedFactory(t, map[string]string{"AXERO_URL": "http://127.0.0.1:9", "AXERO_TOKEN": "eyJhbGciOiJIUzI1NiJ9.e30.x"}, true) //nolint:gosec // test fixture, not a credential
	c := tab(t, off, offOut, "token", "create", "--expires", "")
	if !slices.Equal(c.values, []string{"30d", "90d", "1y", "never"}) || strings.Contains(errOut.String(), "axero:") {
		t.Errorf("offline: %q, stderr %q", c.values, errOut.String())
	}
}

// A flag that names a user completes the site's users for an
// administrator, and nothing (never file names) for anyone else.
func TestCompleteUserFlags(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTest(t, emulator.Options{Users: 3})
	if err := srv.AddUser(client.User{UserID: 900, UserName: "evil\x1b]0;pwned\a", Email: "evil@example.com"}, false); err != nil {
		t.Fatal(err)
	}
	admin := map[string]string{"AXERO_URL": srv.URL(), "AXERO_TOKEN": srv.SeedToken("admin")}
	f, out, _ := isolatedFactory(t, admin, true)
	for _, args := range [][]string{
		{"token", "list", "--user", "user"},
		{"token", "revoke", "--user", "user"},
		{"token", "create-for-user", "--user", "user"},
		{"token", "audit", "--created-by", "user"},
	} {
		c := tab(t, f, out, args...)
		if !slices.Equal(c.values, []string{"user0001", "user0002", "user0003"}) || c.directive != noFileDirective {
			t.Errorf("%v: %q %s", args, c.values, c.directive)
		}
		if !strings.HasPrefix(c.descs["user0001"], "user0001@example.com") {
			t.Errorf("%v: user0001 described as %q", args, c.descs["user0001"])
		}
	}
	if c := tab(t, f, out, "token", "list", "--user", "JDoe@"); !slices.Equal(c.values, []string{"jdoe@example.com"}) {
		t.Errorf("an email prefix: %q", c.values)
	}
	if c := tab(t, f, out, "token", "list", "--user", "100"); !slices.Equal(c.values, []string{"1001", "1002", "1003"}) {
		t.Errorf("digits: %q", c.values)
	}
	// A name holding control characters is not offered, raw or escaped.
	if c := tab(t, f, out, "token", "list", "--user", "ev"); len(c.values) != 0 {
		t.Errorf("a hostile name was offered: %q", c.values)
	}
	// --users is a file: that completion is the shell's.
	if c := tab(t, f, out, "token", "audit", "--users", ""); c.directive == noFileDirective {
		t.Error("--users FILE no longer completes file names")
	}

	// A plain user, or no server: nothing, and still no file names.
	for name, env := range map[string]map[string]string{
		"not an administrator": {"AXERO_URL": srv.URL(), "AXERO_TOKEN": srv.SeedToken("jdoe")},
		"offline":              {"AXERO_URL": "http://127.0.0.1:9", "AXERO_TOKEN": "eyJhbGciOiJIUzI1NiJ9.e30.x"}, //nolint:gosec // test fixture, not a credential
		"logged out":           nil,
	} {
		g, gOut, _ := isolatedFactory(t, env, true)
		c := tab(t, g, gOut, "token", "list", "--user", "")
		if len(c.values) != 0 || c.directive != noFileDirective {
			t.Errorf("%s: %q %s", name, c.values, c.directive)
		}
	}
}
