package token_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/emulator"
)

// Keys as a terminal sends them to the picker.
const (
	keyDown  = "\x1b[B"
	keyEnter = "\r"
	keyCtrlC = "\x03"
)

// pickerWorld has jdoe's seed token and two tokens named "dup", the
// second minted last, at a terminal where a person may answer.
func pickerWorld(t *testing.T) (e *cmdtest.Env, first, second int64) {
	t.Helper()
	e = cmdtest.NewToken(t, emulator.Options{})
	exp := time.Now().Add(30 * 24 * time.Hour)
	first = e.Mint("dup", &exp).TokenID
	second = e.Mint("dup", &exp).TokenID
	e.TTY, e.CanPrompt = true, true
	return e, first, second
}

// live reports whether the token with that ID is still active.
func live(e *cmdtest.Env, id int64) bool {
	for _, t := range e.Srv.Tokens() {
		if t.TokenID == id {
			return !t.Revoked
		}
	}
	return false
}

func TestRevokeSharedNameOffersThePicker(t *testing.T) {
	t.Parallel()
	e, first, second := pickerWorld(t)
	e.Stdin = keyDown + keyEnter
	r := e.MustRun("token", "revoke", "dup", "--yes")
	if live(e, second) || !live(e, first) {
		t.Fatalf("the second dup should be revoked, the first kept:\n%s%s", r.Stdout, r.Stderr)
	}
	if !strings.Contains(r.Stdout, "Revoked token "+strconv.FormatInt(second, 10)) {
		t.Errorf("stdout %q", r.Stdout)
	}
}

func TestRevokeWithoutArgumentsOffersEveryToken(t *testing.T) {
	t.Parallel()
	e, first, second := pickerWorld(t)
	// The seed token comes first (oldest), then the two dups.
	e.Stdin = keyDown + keyEnter
	e.MustRun("token", "revoke", "--yes")
	if live(e, first) || !live(e, second) {
		t.Fatal("the second token offered (the first dup) should be revoked")
	}
}

func TestRotateAndRenameOfferThePicker(t *testing.T) {
	t.Parallel()
	e, first, second := pickerWorld(t)
	e.Stdin = keyEnter
	e.MustRun("token", "rotate", "dup")
	if live(e, first) || !live(e, second) {
		t.Fatal("rotate: the first dup should be replaced")
	}
	if n := len(e.ActiveNamed("dup")); n != 2 {
		t.Fatalf("rotate: %d active dups, want the kept one and the replacement", n)
	}
	e.Stdin = keyDown + keyEnter
	e.MustRun("token", "rename", "dup", "renamed")
	if n := len(e.ActiveNamed("renamed")); n != 1 {
		t.Fatalf("rename through the picker: %d tokens renamed", n)
	}
	// With only the token named, the new name is asked for.
	e.Stdin = "asked-for" + keyEnter
	e.MustRun("token", "rename", "renamed")
	if len(e.ActiveNamed("asked-for")) != 1 || len(e.ActiveNamed("renamed")) != 0 {
		t.Fatal("rename ID|NAME on a terminal should ask for the new name")
	}
}

func TestPickerCtrlCChangesNothing(t *testing.T) {
	t.Parallel()
	e, first, second := pickerWorld(t)
	e.Stdin = keyCtrlC
	r := e.Run("token", "revoke", "dup", "--yes")
	if r.Code != cmdutil.ExitInterrupted || !strings.Contains(r.Stderr, "nothing chosen; nothing changed") {
		t.Fatalf("exit %d, stderr %q", r.Code, r.Stderr)
	}
	if !live(e, first) || !live(e, second) {
		t.Fatal("a token was revoked")
	}
}

// Where nobody can answer (CI, AXERO_NO_PROMPT=1, no terminal) there is
// no picker: a shared name is an error listing the IDs (exit 1), and a
// missing argument a usage error (exit 2), as before.
func TestNoPickerWithoutAPersonToAnswer(t *testing.T) {
	t.Parallel()
	e, first, second := pickerWorld(t)
	// Keys that would pick, were a picker shown.
	e.Stdin = keyDown + keyEnter
	for _, world := range []struct {
		name           string
		tty, canPrompt bool
	}{
		{"CI or AXERO_NO_PROMPT on a terminal", true, false},
		{"no terminal", false, true},
	} {
		e.TTY, e.CanPrompt = world.tty, world.canPrompt
		for _, args := range [][]string{
			{"token", "revoke", "dup", "--yes"},
			{"token", "rename", "dup", "x"},
			{"token", "rotate", "dup"},
		} {
			r := e.Expect(cmdutil.ExitFailure, `"dup" matches 2 tokens: `, args...)
			if !strings.Contains(r.Stderr, strconv.FormatInt(first, 10)) || !strings.Contains(r.Stderr, strconv.FormatInt(second, 10)) {
				t.Errorf("%s: %v does not list both IDs: %q", world.name, args, r.Stderr)
			}
		}
		e.Expect(cmdutil.ExitUsage, "name the tokens to revoke", "token", "revoke", "--yes")
		e.Expect(cmdutil.ExitUsage, "give the ID or name of the token to rotate", "token", "rotate")
		e.Expect(cmdutil.ExitUsage, "token rename needs ID|NAME NEW-NAME: missing ID|NAME and NEW-NAME", "token", "rename")
		e.Expect(cmdutil.ExitUsage, "missing NEW-NAME", "token", "rename", "dup")
	}
	if !live(e, first) || !live(e, second) {
		t.Fatal("a token changed")
	}
}
