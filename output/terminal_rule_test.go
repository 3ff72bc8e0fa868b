package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"maps"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/axero-cli/axero/internal/iostreams"
)

// The rule these tests hold the printer to: what reaches a terminal never
// carries a control character; what is piped keeps exact values only in
// the formats that can express them losslessly (JSON, YAML).

// bidiName reverses the text after it on screen (U+202E) and isolates
// some of it (U+2066, U+2069): "exe.txt" can be made to read "txt.exe".
const bidiName = "invoice\u202eexe.txt\u2066x\u2069"

// rawBidi reports whether s holds a bidi override, embedding or isolate.
func rawBidi(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
	})
}

// rawControlAnywhere reports any C0 control but the line feed, DEL, C1
// control or invalid byte: what a CSV cell may not carry once escaped.
func rawControlAnywhere(s string) bool {
	return !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
		return (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f)
	})
}

func TestCSVEscapesControlCharactersOnATerminalAndWhenPiped(t *testing.T) {
	for _, tty := range []bool{true, false} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(tty)
		if err := Print(ios, Options{Format: "csv"}, nil, hostileTable); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		if rawControlAnywhere(got) || strings.Contains(got, "\x1b") {
			t.Fatalf("tty=%v: -o csv carries raw control characters: %q", tty, got)
		}
		records, err := csv.NewReader(strings.NewReader(got)).ReadAll()
		if err != nil {
			t.Fatalf("tty=%v: the escaped CSV does not parse: %v\n%q", tty, err, got)
		}
		want := `evil\x1b]0;pwned\x07\x1b[2J\u009b31m\x7f\nsecond\tline\xff`
		if len(records) != 2 || len(records[1]) != 2 || records[1][1] != want {
			t.Errorf("tty=%v: got records %q, want the name escaped as %q", tty, records, want)
		}
	}
}

func TestTableAndTSVEscapeBidiControls(t *testing.T) {
	for _, format := range []string{"", "csv"} {
		for _, tty := range []bool{true, false} {
			ios, _, out, _ := iostreams.Test()
			ios.SetStdoutTTY(tty)
			if err := Print(ios, Options{Format: format}, nil, func(bool) TableData {
				return TableData{Headers: []string{"NAME"}, Rows: [][]string{{bidiName}}}
			}); err != nil {
				t.Fatal(err)
			}
			if rawBidi(out.String()) {
				t.Errorf("-o %q tty=%v: a bidi control reached the output raw: %q", format, tty, out.String())
			}
			if !strings.Contains(out.String(), `invoice\u202eexe.txt\u2066x\u2069`) {
				t.Errorf("-o %q tty=%v: the name is not shown escaped: %q", format, tty, out.String())
			}
		}
	}
}

// ownColour matches the SGR sequences the printer itself adds.
var ownColour = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// c1Doc holds DEL, a C1 CSI (U+009B), a bidi override and a line
// separator raw inside a valid JSON string, as a lying server may send it.
const c1Doc = "{\"Name\":\"a\x7fb\u009b2Jc\u202ed\u2028e\"}"

func TestJSONEscapesDELAndC1Losslessly(t *testing.T) {
	type rec struct {
		Name string `json:"Name"`
	}
	value := "a\x7fb\u009b2Jc\u202ed\u2028e"
	for _, tty := range []bool{true, false} {
		for what, v := range map[string]any{"a record": rec{Name: value}, "a raw body": []byte(c1Doc)} {
			ios, _, out, _ := iostreams.Test()
			ios.SetStdoutTTY(tty)
			ios.SetColorEnabled(tty)
			if err := PrintJSON(ios, v, ""); err != nil {
				t.Fatal(err)
			}
			got := ownColour.ReplaceAllString(out.String(), "")
			if hasRawControl(got) || rawBidi(got) || strings.Contains(got, "\u2028") {
				t.Errorf("%s, tty=%v: JSON carries DEL, C1 or bidi raw: %q", what, tty, got)
			}
			if !strings.Contains(got, `\u007f`) || !strings.Contains(got, `\u009b`) || !strings.Contains(got, `\u202e`) {
				t.Errorf("%s, tty=%v: want \\u007f, \\u009b and \\u202e escapes: %q", what, tty, got)
			}
			if tty {
				continue // coloured; the piped form is checked for exactness
			}
			var back rec
			if err := json.Unmarshal(out.Bytes(), &back); err != nil || back.Name != value {
				t.Errorf("%s: the value did not survive: %q (%v)", what, back.Name, err)
			}
		}
	}
}

func TestJQResultsCarryNoControlCharacters(t *testing.T) {
	doc := []byte(`{"Name":"evil\u001b]0;pwned\u0007\u001b[2J\u009b31m\u007f","List":["\u009b","\u202e"],"N":1}`)
	for _, tty := range []bool{true, false} {
		for _, expr := range []string{`.Name`, `.List`, `.`, `"\(.N)\t\(.Name)"`} {
			ios, _, out, _ := iostreams.Test()
			ios.SetStdoutTTY(tty)
			if err := PrintJSON(ios, doc, expr); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if hasRawControl(got) || rawBidi(got) || strings.Contains(got, "\x1b") {
				t.Errorf("--jq %s, tty=%v: raw control characters: %q", expr, tty, got)
			}
		}
	}
	// A string the expression lays out keeps its tabs and line breaks:
	// they are the expression's own (@tsv escapes those of the values).
	ios, _, out, _ := iostreams.Test()
	if err := PrintJSON(ios, doc, `[.N, "x\ty"] | @tsv, "a\nb"`); err != nil {
		t.Fatal(err)
	}
	if want := "1\tx\\ty\na\nb\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	// The string shown escaped is the one jq sees.
	ios, _, out, _ = iostreams.Test()
	if err := PrintJSON(ios, doc, `.Name`); err != nil {
		t.Fatal(err)
	}
	if want := `evil\x1b]0;pwned\x07\x1b[2J\u009b31m\x7f` + "\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestABodyThatIsNotJSONIsEscapedOnATerminalOnly(t *testing.T) {
	body := []byte("<p>\x1b]0;pwned\a\x1b[2J\u009b31m</p>\r\nline two\rover\n")
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	if err := PrintJSON(ios, body, ""); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if hasRawControl(strings.ReplaceAll(got, "\r\n", "\n")) || strings.Contains(got, "\rover") {
		t.Fatalf("a body that is not JSON reached the terminal raw: %q", got)
	}
	if want := `<p>\x1b]0;pwned\x07\x1b[2J\u009b31m</p>` + "\r\nline two\\rover\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Piped, it is the server's bytes, exactly.
	ios, _, out, _ = iostreams.Test()
	if err := PrintJSON(ios, body, ""); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), body) {
		t.Errorf("piped: got %q, want the body as it is", out.Bytes())
	}
}

func TestYAMLEscapesC1AndDEL(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	if err := Print(ios, Options{Format: "yaml"}, map[string]string{"Name": "a\x7fb\u009b2J\x1b"}, nil); err != nil {
		t.Fatal(err)
	}
	if hasRawControl(out.String()) {
		t.Errorf("YAML carries a raw control character: %q", out.String())
	}
}

func TestYAMLShowsBidiEscapedAndKeepsTheValue(t *testing.T) {
	in := map[string]string{"Name": bidiName, "k\u202e": "plain"}
	ios, _, out, _ := iostreams.Test()
	if err := Print(ios, Options{Format: "yaml"}, in, nil); err != nil {
		t.Fatal(err)
	}
	if rawBidi(out.String()) || !strings.Contains(out.String(), `\u202e`) {
		t.Fatalf("YAML shows a bidi control raw: %q", out.String())
	}
	var back map[string]string
	if err := yaml.Unmarshal(out.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(back, in) {
		t.Errorf("YAML changed the values: %q, want %q", back, in)
	}
}
