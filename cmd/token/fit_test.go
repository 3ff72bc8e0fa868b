package token_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/internal/emulator"
)

// sgr matches the colour sequences the printer adds.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// assertFits fails when a line of out is wider than width columns.
func assertFits(t *testing.T, what, out string, width int) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if n := utf8.RuneCountInString(sgr.ReplaceAllString(l, "")); n > width {
			t.Errorf("%s at %d columns: a line of %d: %q", what, width, n, l)
		}
	}
}

func TestTokenListFitsTheTerminal(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	exp := time.Now().Add(30 * 24 * time.Hour)
	e.Mint("a-rather-long-token-name-for-the-reporting-integration-2027", &exp)
	e.TTY = true
	for _, width := range []int{80, 120} {
		e.Width = width
		r := e.MustRun("token", "list")
		assertFits(t, "token list", r.Stdout, width)
		if !strings.Contains(r.Stdout, "LAST USED") {
			t.Errorf("at %d columns a name is cut before a column is left out: %q", width, r.Stdout)
		}
	}
	e.Width = 80
	if r := e.MustRun("token", "list"); !regexp.MustCompile(`a-rather-long-token-?n?…`).MatchString(r.Stdout) {
		t.Errorf("at 80 columns the long name is cut with an ellipsis: %q", r.Stdout)
	}
	e.Width = 50
	r := e.MustRun("token", "list")
	assertFits(t, "token list", r.Stdout, 50)
	if strings.Contains(r.Stdout, "TYPE") || !strings.Contains(r.Stdout, "EXPIRES") {
		t.Errorf("at 50 columns TYPE goes, EXPIRES stays: %q", r.Stdout)
	}
	// Piped, every cell is whole whatever the width.
	e.TTY = false
	if r := e.MustRun("token", "list"); !strings.Contains(r.Stdout, "a-rather-long-token-name-for-the-reporting-integration-2027\t") {
		t.Errorf("piped rows are cut: %q", r.Stdout)
	}
}

// At 120 columns an audit row with every finding and an impersonation
// used to wrap FINDINGS onto a line of its own.
func TestAuditTableFitsTheTerminal(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{Users: 20, History: &emulator.History{Seed: 7}})
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	e.TTY = true
	for _, width := range []int{80, 120} {
		e.Width = width
		r := e.MustRun("token", "audit", "--stale", "180d", "--never-expires", "--impersonation", "--expired")
		assertFits(t, "token audit", r.Stdout, width)
		header := ""
		for _, l := range strings.Split(r.Stdout, "\n") {
			if strings.HasPrefix(l, "USER") {
				header = l
			}
		}
		if !strings.Contains(header, "FINDINGS") || !strings.Contains(header, "EXPIRES") || !strings.Contains(header, "NAME") {
			t.Errorf("at %d columns NAME, EXPIRES and FINDINGS stay: %q", width, header)
		}
		for _, finding := range []string{"stale", "never-expires", "impersonation", "expired"} {
			if !strings.Contains(r.Stdout, finding) {
				t.Errorf("at %d columns the finding %s is missing or cut", width, finding)
			}
		}
	}
}

func TestListAndAuditColourExpiries(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	soon := time.Now().Add(3 * 24 * time.Hour)
	later := time.Now().Add(60 * 24 * time.Hour)
	e.Mint("due-soon", &soon)
	e.Mint("due-later", &later)
	past := time.Now().Add(-24 * time.Hour)
	if _, err := e.Srv.SeedHistory([]emulator.HistoryToken{{UserID: 3, Name: "gone", Created: past.Add(-time.Hour), Expires: &past}}); err != nil {
		t.Fatal(err)
	}
	e.TTY, e.Color = true, true
	r := e.MustRun("token", "list")
	for name, want := range map[string]string{"due-soon": "\x1b[33min 3 days\x1b[0m", "gone": "\x1b[31mexpired 24 hours ago\x1b[0m"} {
		if !lineHas(r.Stdout, name, want) {
			t.Errorf("token list: %s's expiry is not %q: %q", name, want, r.Stdout)
		}
	}
	if !lineHas(r.Stdout, "due-later", "in 2 months") || lineHas(r.Stdout, "due-later", "\x1b[") {
		t.Errorf("token list: a distant expiry is plain: %q", r.Stdout)
	}
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	users := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(users, []byte("user\njdoe\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = e.MustRun("token", "audit", "--users", users)
	if !lineHas(r.Stdout, "due-soon", "\x1b[33min 3 days\x1b[0m") || !lineHas(r.Stdout, "gone", "\x1b[31mexpired") {
		t.Errorf("token audit: expiries are not coloured: %q", r.Stdout)
	}
	// No colour without a colour terminal (NO_COLOR), nor piped.
	e.Color = false
	if r := e.MustRun("token", "list"); strings.Contains(r.Stdout, "\x1b") {
		t.Errorf("NO_COLOR: %q", r.Stdout)
	}
	e.TTY, e.Color = false, true
	if r := e.MustRun("token", "list"); strings.Contains(r.Stdout, "\x1b") {
		t.Errorf("piped: %q", r.Stdout)
	}
}

// lineHas reports whether the line of out that names name holds want.
func lineHas(out, name, want string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, " "+name+" ") && strings.Contains(l, want) {
			return true
		}
	}
	return false
}
