package output

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/iostreams"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// sampleToken mirrors the shape of the API's Token object, with a wide
// (East Asian) name and one with a tab, so that alignment and escaping
// are both exercised.
type sampleToken struct {
	TokenID        int64      `json:"TokenID"`
	Name           string     `json:"Name"`
	ExpirationDate *time.Time `json:"ExpirationDate"`
	Status         string     `json:"Status"`
}

var (
	now     = time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	in29d   = now.Add(29 * 24 * time.Hour)
	ago3d   = now.Add(-3 * 24 * time.Hour)
	samples = []sampleToken{
		{TokenID: 1017, Name: "ci-deploy-prod", ExpirationDate: &in29d, Status: "Active"},
		{TokenID: 7, Name: "日本語のトークン", ExpirationDate: nil, Status: "Active"},
		{TokenID: 12, Name: "old, \"quoted\"\tname", ExpirationDate: &ago3d, Status: "Expired"},
	}
)

func sampleTable(tty bool) TableData {
	t := TableData{Headers: []string{"ID", "NAME", "EXPIRES", "STATUS"}}
	for _, s := range samples {
		t.Rows = append(t.Rows, []string{
			strconv.FormatInt(s.TokenID, 10), s.Name, FormatExpiry(s.ExpirationDate, tty, now), s.Status,
		})
	}
	return t
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil { //nolint:gosec // golden files are committed and readable by everyone
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if err != nil {
		t.Fatalf("%v (run go test ./output -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestPrintGolden(t *testing.T) {
	tests := []struct {
		golden string
		format string
		tty    bool
	}{
		{"table_tty.golden", "", true},
		{"table_piped.golden", "table", false},
		{"csv.golden", "csv", false},
		{"csv_tty.golden", "csv", true},
		{"json_tty.golden", "json", true},
		{"json_piped.golden", "json", false},
		{"yaml.golden", "yaml", false},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			if err := Print(ios, Options{Format: tt.format}, samples, sampleTable); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, out.Bytes())
		})
	}
}

func TestTableTTYHasHeadersAsGivenAndNoTrailingBlanks(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	data := TableData{Headers: []string{"Id", "Last used"}, Rows: [][]string{{"1", "a\nb"}}}
	if err := Print(ios, Options{}, nil, func(bool) TableData { return data }); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a header and one row on two lines, got %q", out.String())
	}
	if !strings.HasPrefix(lines[0], "Id") || !strings.Contains(lines[0], "Last used") {
		t.Errorf("headers were rewritten: %q", lines[0])
	}
	for _, l := range lines {
		if strings.HasSuffix(l, " ") {
			t.Errorf("trailing blanks in %q", l)
		}
	}
}

func TestTablePipedHasNoHeader(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	if err := Print(ios, Options{}, nil, func(bool) TableData {
		return TableData{Headers: []string{"ID"}, Rows: [][]string{{"1"}, {"2"}}}
	}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "1\n2\n" {
		t.Errorf("got %q, want the bare rows", out.String())
	}
}

func TestTableFunctionSeesTTY(t *testing.T) {
	for _, tty := range []bool{true, false} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(tty)
		var seen []bool
		_ = Print(ios, Options{}, nil, func(tt bool) TableData {
			seen = append(seen, tt)
			return TableData{Headers: []string{"X"}}
		})
		if len(seen) != 1 || seen[0] != tty {
			t.Errorf("tty=%v: table saw %v", tty, seen)
		}
		_ = out
	}
}

func TestJSONKeepsTagsAndDoesNotEscapeHTML(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	v := []sampleToken{{TokenID: 1, Name: "a<b>&c"}}
	if err := Print(ios, Options{Format: "json"}, v, nil); err != nil {
		t.Fatal(err)
	}
	want := `[{"TokenID":1,"Name":"a<b>&c","ExpirationDate":null,"Status":""}]` + "\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestYAMLQuotesStringsThatLookLikeOtherTypes(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	v := map[string]any{"Name": "true", "Code": "0012", "N": 12, "F": 1.5, "Nil": nil}
	if err := Print(ios, Options{Format: "yaml"}, v, nil); err != nil {
		t.Fatal(err)
	}
	want := "Code: \"0012\"\nF: 1.5\nN: 12\nName: \"true\"\nNil: null\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestPrintUnknownFormat(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	if err := Print(ios, Options{Format: "xml"}, nil, nil); err == nil {
		t.Fatal("want an error for an unknown format")
	}
}

func TestPrintWithoutTableFallsBackToJSON(t *testing.T) {
	for _, format := range []string{"", "table", "csv"} {
		ios, _, out, _ := iostreams.Test()
		if err := Print(ios, Options{Format: format}, map[string]int{"a": 1}, nil); err != nil {
			t.Fatal(err)
		}
		if out.String() != "{\"a\":1}\n" {
			t.Errorf("-o %q: got %q", format, out.String())
		}
	}
}
