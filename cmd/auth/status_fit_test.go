package auth_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/axero-cli/axero/cmd/cmdtest"
)

var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func TestStatusFitsTheTerminal(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	e.TTY = true
	for _, width := range []int{80, 120} {
		e.Width = width
		r := e.Expect(0, "", "status")
		for _, l := range strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n") {
			if n := utf8.RuneCountInString(l); n > width {
				t.Errorf("at %d columns a line of %d: %q", width, n, l)
			}
		}
		// The site stays whole; what gives way is the rest.
		if !strings.Contains(r.Stdout, e.Srv.URL()) || !strings.Contains(r.Stdout, "valid") {
			t.Errorf("at %d columns: %q", width, r.Stdout)
		}
	}
	// At 80 the expiry's date goes under its relative form.
	e.Width = 80
	r := e.Expect(0, "", "status")
	lines := strings.Split(r.Stdout, "\n")
	if len(lines) < 3 || !strings.HasPrefix(strings.TrimSpace(lines[2]), "(") {
		t.Errorf("want the expiry date wrapped under its column: %q", r.Stdout)
	}
}

func TestStatusColours(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	tok := e.Login("jdoe")
	e.TTY, e.Color = true, true
	r := e.Expect(0, "", "status")
	if !strings.Contains(r.Stdout, "\x1b[32mvalid\x1b[0m") {
		t.Errorf("valid is not green: %q", r.Stdout)
	}
	e.Vars["AXERO_TOKEN"] = tok
	e.MustRun("token", "revoke", e.TokenIDOf(tok), "--yes")
	delete(e.Vars, "AXERO_TOKEN")
	r = e.Run("status")
	if !strings.Contains(r.Stdout, "\x1b[31mrejected (401)\x1b[0m") {
		t.Errorf("rejected is not red: %q", r.Stdout)
	}
	e.Color = false
	if r := e.Run("status"); sgr.MatchString(r.Stdout) {
		t.Errorf("NO_COLOR: %q", r.Stdout)
	}
}
