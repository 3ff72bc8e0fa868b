package token_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/internal/emulator"
)

// After a run that finished every row, a person at a terminal is told
// what the journal and the lock left beside the output are for; a script
// still gets the one summary line, and a run that left work for --resume
// says nothing of the kind.
func TestAFinishedRunSaysItsJournalAndLockCanGo(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	dir := t.TempDir()
	users := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(users, []byte("user\njdoe\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("user\nnobody-at-all\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	note := "hold no tokens and only serve --resume: delete them when done."

	e.TTY = true
	out := filepath.Join(dir, "out.jsonl")
	r := e.MustRun("token", "create-for-user", "--from", users, "--out", out, "--name", "sync", "--expires", "30d")
	if !strings.Contains(r.Stderr, out+".journal and "+out+".lock "+note) {
		t.Errorf("on a terminal, a finished run says nothing of its journal and lock:\n%s", r.Stderr)
	}
	renewed := filepath.Join(dir, "renewed.jsonl")
	if r := e.MustRun("token", "rotate", "--from", out, "--out", renewed); !strings.Contains(r.Stderr, renewed+".journal and "+renewed+".lock "+note) {
		t.Errorf("on a terminal, a finished renewal says nothing of its journal and lock:\n%s", r.Stderr)
	}
	failed := filepath.Join(dir, "failed.jsonl")
	if r := e.Run("token", "create-for-user", "--from", bad, "--out", failed, "--name", "sync"); r.Code != 5 || strings.Contains(r.Stderr, note) {
		t.Errorf("a run with a failed row: exit %d, and it calls its journal needless:\n%s", r.Code, r.Stderr)
	}

	e.TTY = false
	piped := filepath.Join(dir, "piped.jsonl")
	r = e.MustRun("token", "create-for-user", "--from", users, "--out", piped, "--name", "sync2", "--expires", "30d")
	if strings.Count(r.Stderr, "\n") != 1 || strings.Contains(r.Stderr, note) {
		t.Errorf("piped, stderr is more than the summary line:\n%s", r.Stderr)
	}
}
