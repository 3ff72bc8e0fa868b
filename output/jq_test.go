package output

import (
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/iostreams"
)

func TestJQ(t *testing.T) {
	doc := `{"ResponseData":[{"TokenID":1017,"Name":"ci","Big":12345678901234567890},{"TokenID":7,"Name":"dev","Big":1.5}]}`
	tests := []struct {
		name, expr string
		tty        bool
		want       string
	}{
		{name: "strings print raw", expr: ".ResponseData[].Name", want: "ci\ndev\n"},
		{name: "numbers keep precision", expr: ".ResponseData[].Big", want: "12345678901234567890\n1.5\n"},
		{name: "objects compact when piped", expr: ".ResponseData[0] | {TokenID}", want: "{\"TokenID\":1017}\n"},
		{name: "objects indented on a terminal", expr: "{a: 1}", tty: true, want: "{\n  \"a\": 1\n}\n"},
		{name: "empty output", expr: "empty", want: ""},
		{name: "length", expr: ".ResponseData | length", want: "2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			if err := PrintJSON(ios, []byte(doc), tt.expr); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}

func TestJQErrorsAreOneLine(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	err := PrintJSON(ios, []byte(`{"a":"x"}`), `.a + 1`)
	if err == nil {
		t.Fatal("want a jq error")
	}
	if !strings.HasPrefix(err.Error(), "jq: ") || strings.Contains(err.Error(), "\n") {
		t.Errorf("got %q", err)
	}
	err = PrintJSON(ios, []byte(`{"a":`), `.a`)
	if err == nil || !strings.Contains(err.Error(), "--jq needs a JSON document") {
		t.Errorf("got %v for a truncated document", err)
	}
}

func TestJQOverRecords(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	if err := Print(ios, Options{JQ: ".[] | select(.Status == \"Expired\") | .TokenID"}, samples, nil); err != nil {
		t.Fatal(err)
	}
	if out.String() != "12\n" {
		t.Errorf("got %q", out.String())
	}
}

func TestPrintJSONRawKeepsOrderAndNonJSONAsIs(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	if err := PrintJSON(ios, []byte(`{"z":1,"a":[1,2]}`), ""); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"z\": 1,\n  \"a\": [\n    1,\n    2\n  ]\n}\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	out.Reset()
	if err := PrintJSON(ios, []byte("plain text"), ""); err != nil {
		t.Fatal(err)
	}
	if out.String() != "plain text\n" {
		t.Errorf("got %q", out.String())
	}
}
