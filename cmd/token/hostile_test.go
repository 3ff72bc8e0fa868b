package token_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/internal/emulator"
)

// hostile retitles the window and clears the screen when printed raw.
const hostile = "evil\x1b]0;pwned\a\x1b[2J"

// rawControl reports whether s holds a control character that is not a
// line break or a TSV separator, or a bidi control: what a hostile server
// must never get onto the terminal.
func rawControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069))
	})
}

// withoutStatusLine drops from a bulk run's stderr the control sequences
// of its own status line (return to the start of the line, erase to its
// end): the command's, not the server's.
func withoutStatusLine(s string) string {
	return strings.NewReplacer("\r", "", "\x1b[K", "").Replace(s)
}

func assertNoRawControl(t *testing.T, what string, r cmdtest.Result) {
	t.Helper()
	if rawControl(r.Stdout) || rawControl(withoutStatusLine(r.Stderr)) {
		t.Fatalf("%s printed a raw control character:\nstdout %q\nstderr %q", what, r.Stdout, r.Stderr)
	}
}

func TestServerTextReachesNoTerminalRaw(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	exp := time.Now().Add(48 * time.Hour)
	tok := e.Mint(hostile, &exp)
	id := strconv.FormatInt(tok.TokenID, 10)

	for _, tty := range []bool{true, false} {
		e.TTY = tty
		assertNoRawControl(t, "token list", e.MustRun("token", "list"))
	}

	// -o json keeps the exact value, escaped by the encoder.
	e.TTY = false
	r := e.MustRun("token", "list", "-o", "json")
	var listed []client.Token
	if err := json.Unmarshal([]byte(r.Stdout), &listed); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, lt := range listed {
		found = found || lt.Name == hostile
	}
	if !found || rawControl(r.Stdout) {
		t.Fatalf("-o json does not keep the exact name, escaped: %q", r.Stdout)
	}

	// Revoke's summary and confirmation.
	e.TTY = true
	r = e.MustRun("token", "revoke", id, "--yes")
	assertNoRawControl(t, "token revoke", r)
	if !strings.Contains(r.Stdout, `evil\x1b]0;pwned\a\x1b[2J`) && !strings.Contains(r.Stdout, `evil\x1b]0;pwned\x07\x1b[2J`) {
		t.Errorf("the revoked name is not shown escaped: %q", r.Stdout)
	}
}

func TestHostileUserNamesReachNoTerminalRaw(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	for _, u := range []client.User{
		{UserName: "mallory", DisplayName: "Mallory " + hostile, Email: "mallory@example.com"},
	} {
		if err := e.Srv.AddUser(u, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, tty := range []bool{true, false} {
		e.TTY = tty
		// The create-for-user banner names the user.
		r := e.MustRun("token", "create-for-user", "--user", "mallory", "--name", "imp-"+strconv.FormatBool(tty), "--expires", "30d")
		assertNoRawControl(t, "create-for-user", r)
		if !strings.Contains(r.Stderr, `Mallory evil\x1b]0;pwned`) {
			t.Errorf("the banner does not show the display name escaped: %q", r.Stderr)
		}
		// An error that repeats what it was given.
		r = e.Run("token", "create-for-user", "--user", "no\x1b[2Jbody", "--name", "x")
		assertNoRawControl(t, "the unknown-user error", r)
		if r.Code != 4 || !strings.Contains(r.Stderr, `no\x1b[2Jbody`) {
			t.Fatalf("the unknown user is not named escaped: exit %d, %q", r.Code, r.Stderr)
		}
	}
}
