package root_test

import (
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/internal/emulator"
)

// A shell shows completion candidates on the terminal and inserts the one
// chosen into the command line, so a name from the server must reach it
// neither with escape sequences nor split over lines.
func TestCompletionHandsNoHostileNameToTheShell(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	exp := time.Now().Add(48 * time.Hour)
	hostile := []string{
		"title\x1b]0;pwned\a\x1b[2J",
		"split\nsecond-candidate",
		"tab\tfake description",
		"c1\u009b31m",
		"bidi\u202eexe.txt",
	}
	for _, name := range hostile {
		e.Mint(name, &exp)
	}
	plain := e.Mint("deploy-prod", &exp)
	for _, args := range [][]string{
		{"__complete", "token", "revoke", ""},
		{"__complete", "token", "rotate", ""},
		{"__complete", "token", "rename", ""},
		{"__complete", "token", "revoke", "1"},
	} {
		r := e.MustRun(args...)
		lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
		if len(lines) < 2 || lines[len(lines)-1] != ":4" {
			t.Fatalf("%v: want candidates and the :4 directive, got %q", args, r.Stdout)
		}
		for _, line := range lines[:len(lines)-1] {
			if strings.ContainsFunc(line, func(r rune) bool {
				return (r < 0x20 && r != '\t') || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
			}) {
				t.Errorf("%v: a raw control character reaches the shell: %q", args, line)
			}
			value, desc, _ := strings.Cut(line, "\t")
			if strings.Contains(desc, "\t") {
				t.Errorf("%v: a tab inside a description splits it: %q", args, line)
			}
			if value == "second-candidate" || strings.HasPrefix(value, "title") || strings.HasPrefix(value, "split") ||
				strings.HasPrefix(value, "tab") || strings.HasPrefix(value, "c1") || strings.HasPrefix(value, "bidi") {
				t.Errorf("%v: a name that cannot be typed back is offered: %q", args, line)
			}
		}
		if args[len(args)-1] == "" && !strings.Contains(r.Stdout, "deploy-prod\tID ") {
			t.Errorf("%v: the plain name is no longer offered: %q", args, r.Stdout)
		}
		if !strings.Contains(r.Stdout, `title\x1b]0;pwned\x07\x1b[2J`) {
			t.Errorf("%v: the ID of a hostile name is not described with it escaped: %q", args, r.Stdout)
		}
	}
	_ = plain
}
