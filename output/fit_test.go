package output

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/axero-cli/axero/internal/iostreams"
)

// sgr matches the colour sequences the printer adds.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// visibleWidth is what a line takes on a terminal.
func visibleWidth(s string) int { return displayWidth.StringWidth(sgr.ReplaceAllString(s, "")) }

// wideTable is an audit-like table: ten columns, free-text names, a list
// of findings.
func wideTable() TableData {
	return TableData{
		Headers: []string{"USER ID", "USER", "TOKEN ID", "NAME", "TYPE", "CREATED BY", "CREATED", "LAST USED", "EXPIRES", "FINDINGS"},
		Rows: [][]string{
			{"1001", "user0001", "100008", "search-indexer-for-the-intranet-4", "impersonation", "secadmin", "4 months ago", "39 days ago", "in 4 months", "stale,never-expires,impersonation"},
			{"1002", "user0002", "100011", "hr-feed-3", "personal", "user0002", "2 years ago", "2 years ago", "in 8 months", "stale"},
		},
		Fit: Fit{
			Truncate: []string{"NAME", "USER", "CREATED BY"},
			Drop:     []string{"USER ID", "CREATED", "CREATED BY", "TYPE", "LAST USED"},
		},
	}
}

func printAt(t *testing.T, width int, color bool, td TableData) []string {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetColorEnabled(color)
	ios.SetTerminalWidth(width)
	if err := Print(ios, Options{}, nil, func(bool) TableData { return td }); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}

func TestTableFitsTheTerminal(t *testing.T) {
	for _, width := range []int{80, 100, 120} {
		lines := printAt(t, width, false, wideTable())
		if len(lines) != 3 {
			t.Fatalf("width %d: want a header and two rows, one line each: %q", width, lines)
		}
		for _, l := range lines {
			if w := visibleWidth(l); w > width {
				t.Errorf("width %d: a line of %d columns: %q", width, w, l)
			}
		}
		// FINDINGS is neither cut nor left out: it is the point.
		if !strings.Contains(lines[1], "stale,never-expires,impersonation") {
			t.Errorf("width %d: findings cut: %q", width, lines[1])
		}
	}
}

func TestTableCutsTheWidestNameFirstThenDrops(t *testing.T) {
	// At 200 columns everything fits as it is.
	lines := printAt(t, 200, false, wideTable())
	if !strings.Contains(lines[1], "search-indexer-for-the-intranet-4") || !strings.HasPrefix(lines[0], "USER ID") {
		t.Errorf("a wide terminal changed the table: %q", lines)
	}
	// A little narrower: the name is cut with an ellipsis, nothing is
	// left out.
	natural := 0
	for _, l := range lines {
		natural = max(natural, visibleWidth(l))
	}
	lines = printAt(t, natural-5, false, wideTable())
	if !strings.HasPrefix(lines[0], "USER ID") || !strings.Contains(lines[1], "search-indexer-for-the-intr…") {
		t.Errorf("want the name cut by 5 columns and every column kept: %q", lines)
	}
	// Much narrower: USER ID goes first, then CREATED.
	lines = printAt(t, 100, false, wideTable())
	if strings.Contains(lines[0], "USER ID") || strings.Contains(lines[0], "CREATED ") {
		t.Errorf("USER ID and CREATED should be left out at 100 columns: %q", lines[0])
	}
	if !strings.Contains(lines[0], "LAST USED") {
		t.Errorf("LAST USED is the last to go: %q", lines[0])
	}
}

func TestTableWithoutLimitOrFitIsWhole(t *testing.T) {
	for _, width := range []int{0, 40} {
		td := wideTable()
		if width > 0 {
			td.Fit = Fit{} // a table that marks nothing keeps every column
		}
		lines := printAt(t, width, false, td)
		if !strings.Contains(lines[1], "search-indexer-for-the-intranet-4") || !strings.HasPrefix(lines[0], "USER ID") {
			t.Errorf("width %d: the table was cut: %q", width, lines)
		}
	}
}

func TestPipedAndMachineFormatsIgnoreTheWidth(t *testing.T) {
	for _, format := range []string{"table", "csv", "json"} {
		ios, _, out, _ := iostreams.Test()
		ios.SetTerminalWidth(40)
		if format != "table" {
			ios.SetStdoutTTY(true)
		}
		if err := Print(ios, Options{Format: format}, []map[string]string{{"Name": "search-indexer-for-the-intranet-4"}}, func(bool) TableData { return wideTable() }); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "search-indexer-for-the-intranet-4") || strings.Contains(out.String(), "…") {
			t.Errorf("-o %s at 40 columns is not complete: %q", format, out.String())
		}
	}
}

func TestColouredCellsAlignByWhatIsShown(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetColorEnabled(true)
	td := TableData{
		Headers: []string{"ID", "EXPIRES", "TYPE"},
		Rows: [][]string{
			{"1", Tint(ios, Bad, "expired 3 days ago"), "personal"},
			{"22", "never", Tint(ios, Notable, "impersonation")},
		},
	}
	lines := printAt(t, 0, true, td)
	plain := make([]string, len(lines))
	for i, l := range lines {
		plain[i] = sgr.ReplaceAllString(l, "")
	}
	col := strings.Index(plain[0], "TYPE")
	for _, l := range plain[1:] {
		if utf8.RuneCountInString(l[:col]) != col || l[col-2:col] != "  " || l[col] == ' ' {
			t.Errorf("TYPE is not aligned at column %d: %q", col, plain)
		}
	}
	// Each colour is closed once, right after its text: no reset on its
	// own, none in the padding.
	if strings.Count(lines[1], ansiReset) != 1 || !strings.Contains(lines[1], ansi["red"]+"expired 3 days ago"+ansiReset+"  ") {
		t.Errorf("row 1: %q", lines[1])
	}
	if strings.Contains(lines[2], ansiReset) && !strings.HasSuffix(lines[2], ansi["purple"]+"impersonation"+ansiReset) {
		t.Errorf("row 2: %q", lines[2])
	}
	if strings.Contains(lines[0], "\x1b") {
		t.Errorf("the header carries colour: %q", lines[0])
	}
}

func TestCutColouredCellKeepsItsColourAndWidth(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ios.SetColorEnabled(true)
	td := TableData{
		Headers: []string{"ID", "NAME", "EXPIRES"},
		Rows:    [][]string{{"1", Color(ios, "red", "a-very-long-name-that-does-not-fit"), "never"}},
		Fit:     Fit{Truncate: []string{"NAME"}},
	}
	lines := printAt(t, 30, true, td)
	if w := visibleWidth(lines[1]); w > 30 {
		t.Errorf("a line of %d columns: %q", w, lines[1])
	}
	if !strings.Contains(lines[1], ansi["red"]+"a-very-long-name…"+ansiReset+"  never") {
		t.Errorf("want the cut name still red: %q", lines[1])
	}
}

func TestWrappedColumnWrapsUnderItself(t *testing.T) {
	td := TableData{
		Headers: []string{"PROFILE", "SITE", "STATUS"},
		Rows: [][]string{
			{"* default", "https://intranet.example.com", "no token stored: run `axero login` to keep one in the keychain"},
			{"  ci", "https://ci.example.com", "valid"},
		},
		Fit: Fit{Wrap: []string{"STATUS"}},
	}
	lines := printAt(t, 80, false, td)
	col := strings.Index(lines[0], "STATUS")
	if len(lines) < 4 {
		t.Fatalf("want the long status on more than one line: %q", lines)
	}
	for _, l := range lines {
		if len(l) > 80 {
			t.Errorf("a line of %d columns: %q", len(l), l)
		}
	}
	if strings.TrimSpace(lines[2][:col]) != "" || !strings.Contains(strings.Join(lines[1:3], " "), "axero login") {
		t.Errorf("the status does not continue under itself: %q", lines)
	}
	if !strings.HasPrefix(lines[len(lines)-1], "  ci") {
		t.Errorf("the next row does not follow: %q", lines)
	}
	// A picker's choices stay one line each.
	if got := TableLines(td, 80); len(got) != 3 || !strings.HasSuffix(got[1], "…") {
		t.Errorf("TableLines: %q", got)
	}
}

func TestWrapText(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"short", 10, []string{"short"}},
		{"one two three", 0, []string{"one two three"}},
		{"one two three", 7, []string{"one two", "three"}},
		{"abcdefghij xy", 4, []string{"abcd", "efgh", "ij", "xy"}},
		{"日本語のトークン", 5, []string{"日本", "語の", "トー", "クン"}},
		{"日本", 1, []string{"日", "本"}},
	}
	for _, tt := range tests {
		if got := WrapText(tt.in, tt.width); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("WrapText(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

func TestCutNameStaysEscaped(t *testing.T) {
	td := TableData{
		Headers: []string{"ID", "NAME"},
		Rows:    [][]string{{"1", "evil\x1b]0;pwned\a-and-a-long-tail-to-cut"}},
		Fit:     Fit{Truncate: []string{"NAME"}},
	}
	for _, l := range printAt(t, 24, false, td) {
		if hasRawControl(l) {
			t.Errorf("raw control character in %q", l)
		}
	}
}

func TestWrapComesAfterDropping(t *testing.T) {
	td := TableData{
		Headers: []string{"PROFILE", "SOURCE", "EXPIRES"},
		Rows:    [][]string{{"default", "keychain", "in 1 year (2027-12-02T17:10:00Z)"}},
		Fit:     Fit{Wrap: []string{"EXPIRES"}, Drop: []string{"SOURCE"}},
	}
	// Three columns too many: SOURCE goes, the expiry stays on one line.
	lines := printAt(t, 50, false, td)
	if len(lines) != 2 || strings.Contains(lines[0], "SOURCE") || !strings.HasSuffix(lines[1], "in 1 year (2027-12-02T17:10:00Z)") {
		t.Errorf("at 50 columns: %q", lines)
	}
	// Narrower still: with SOURCE gone, the expiry wraps.
	lines = printAt(t, 36, false, td)
	if len(lines) != 3 || !strings.HasSuffix(lines[1], "in 1 year") || strings.TrimSpace(lines[2]) != "(2027-12-02T17:10:00Z)" {
		t.Errorf("at 36 columns: %q", lines)
	}
}
