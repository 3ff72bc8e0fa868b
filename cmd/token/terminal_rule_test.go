package token_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// hostileAll adds to hostile a C1 CSI, DEL and a right-to-left override:
// every kind of character a terminal must not receive raw.
const hostileAll = hostile + "\u009b31m\x7f\u202eexe.txt"

// hostileAllShown is hostileAll as every escaping output shows it.
const hostileAllShown = `evil\x1b]0;pwned\x07\x1b[2J\u009b31m\x7f\u202eexe.txt`

func TestMachineFormatsOfListCarryNoRawControl(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	exp := time.Now().Add(48 * time.Hour)
	e.Mint(hostileAll, &exp)
	for _, tty := range []bool{true, false} {
		e.TTY = tty
		for _, args := range [][]string{
			{"token", "list", "-o", "csv"},
			{"token", "list", "--jq", ".[].Name"},
			{"token", "list", "--jq", ".[] | [.TokenID, .Name]"},
			{"token", "list", "-o", "json"},
			{"token", "list", "-o", "yaml"},
			{"token", "list"},
		} {
			r := e.MustRun(args...)
			assertNoRawControl(t, strings.Join(args, " "), r)
			if !strings.Contains(r.Stdout, "evil") {
				t.Errorf("%s: the token is missing: %q", strings.Join(args, " "), r.Stdout)
			}
		}
		// CSV shows the name escaped, as TSV does; JSON keeps it exact.
		r := e.MustRun("token", "list", "-o", "csv")
		if !strings.Contains(r.Stdout, hostileAllShown) {
			t.Errorf("tty=%v: -o csv does not show the name escaped: %q", tty, r.Stdout)
		}
		r = e.MustRun("token", "list", "-o", "json")
		var listed []client.Token
		if err := json.Unmarshal([]byte(r.Stdout), &listed); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, lt := range listed {
			found = found || lt.Name == hostileAll
		}
		if !found {
			t.Errorf("tty=%v: -o json lost the exact name: %q", tty, r.Stdout)
		}
	}
}

func TestAuditMachineFormatsCarryNoRawControl(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	exp := time.Now().Add(48 * time.Hour)
	e.Mint(hostileAll, &exp)
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	for _, tty := range []bool{true, false} {
		e.TTY = tty
		for _, format := range []string{"csv", "json", "table"} {
			r := e.MustRun("token", "audit", "-o", format)
			assertNoRawControl(t, "token audit -o "+format, r)
			if !strings.Contains(r.Stdout, "evil") {
				t.Errorf("audit -o %s: the token is missing: %q", format, r.Stdout)
			}
		}
		r := e.MustRun("token", "audit", "-o", "json")
		var rows []struct{ Name string }
		if err := json.Unmarshal([]byte(r.Stdout), &rows); err != nil {
			t.Fatalf("audit -o json: %v\n%s", err, r.Stdout)
		}
		found := false
		for _, row := range rows {
			found = found || row.Name == hostileAll
		}
		if !found {
			t.Errorf("audit -o json lost the exact name: %q", r.Stdout)
		}
	}
}

// A dry run's plan is CSV on stdout; the names it shows can come from the
// server (a template over the display name) or from a file someone sent.
func TestDryRunPlansCarryNoRawControl(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	if err := e.Srv.AddUser(client.User{UserName: "mallory", DisplayName: hostileAll, Email: "mallory@example.com"}, false); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	users := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(users, []byte("user\nmallory\n\"no\x1b[2Jbody\u009b\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, "old.jsonl")
	for _, tty := range []bool{true, false} {
		e.TTY = tty
		r := e.Run("token", "create-for-user", "--from", users, "--dry-run", "--name-template", "{{.DisplayName}}", "--expires", "30d")
		assertNoRawControl(t, "create-for-user --dry-run", r)
		if r.Code != 5 || !strings.Contains(r.Stdout, hostileAllShown) || !strings.Contains(r.Stdout, `no\x1b[2Jbody\u009b`) {
			t.Errorf("tty=%v: exit %d, the plan does not show the names escaped:\n%s\n%s", tty, r.Code, r.Stdout, r.Stderr)
		}
		if _, err := csv.NewReader(strings.NewReader(r.Stdout)).ReadAll(); err != nil {
			t.Errorf("the plan is not CSV: %v\n%q", err, r.Stdout)
		}
	}

	// rotate --from --dry-run shows the names of the tokens it would
	// renew, as the old file and the server have them.
	mallory, _ := e.Srv.UserByName("mallory")
	admin, _ := e.Srv.UserByName("admin")
	exp := time.Now().Add(48 * time.Hour)
	ct, err := e.Srv.MintToken(mallory.UserID, hostileAll, &exp, admin.UserID)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := json.Marshal(tokenfile.RecordFor("mallory\x1b]0;t\a", &ct))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, append(rec, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tty := range []bool{true, false} {
		e.TTY = tty
		// The name cannot be used again (it holds control characters), so
		// the row would fail: exit 5, with the plan shown.
		r := e.Run("token", "rotate", "--from", old, "--dry-run")
		assertNoRawControl(t, "rotate --from --dry-run", r)
		if r.Code != 5 || !strings.Contains(r.Stdout, hostileAllShown) || !strings.Contains(r.Stdout, `mallory\x1b]0;t\x07`) {
			t.Errorf("tty=%v: exit %d, the renewal plan does not show the names escaped: %q", tty, r.Code, r.Stdout)
		}
	}
}
