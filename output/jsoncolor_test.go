package output

import (
	"regexp"
	"testing"

	"github.com/axero-cli/axero/internal/iostreams"
)

func TestColorizeJSON(t *testing.T) {
	doc := `{"a\"b": "x:y", "n": -1.5e3, "t": true, "z": null, "l": ["s", false]}`
	got := string(colorizeJSON([]byte(doc)))
	want := "{" + colorKey + `"a\"b"` + ansiReset + ": " + colorString + `"x:y"` + ansiReset +
		", " + colorKey + `"n"` + ansiReset + ": " + colorLiteral + "-1.5e3" + ansiReset +
		", " + colorKey + `"t"` + ansiReset + ": " + colorLiteral + "true" + ansiReset +
		", " + colorKey + `"z"` + ansiReset + ": " + colorNull + "null" + ansiReset +
		", " + colorKey + `"l"` + ansiReset + ": [" + colorString + `"s"` + ansiReset + ", " + colorLiteral + "false" + ansiReset + "]}"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if plain := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(got, ""); plain != doc {
		t.Errorf("colouring changed the text: %q", plain)
	}
}

func TestPrintJSONColourOnlyWhenEnabled(t *testing.T) {
	for _, tt := range []struct {
		tty, color, want bool
	}{
		{tty: true, color: true, want: true},
		{tty: true, color: false, want: false}, // NO_COLOR
		{tty: false, color: true, want: false}, // piped output stays plain
	} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(tt.tty)
		ios.SetColorEnabled(tt.color)
		if err := PrintJSON(ios, []byte(`{"a":1}`), ""); err != nil {
			t.Fatal(err)
		}
		if has := regexp.MustCompile("\x1b\\[").MatchString(out.String()); has != tt.want {
			t.Errorf("tty=%v color=%v: colour=%v in %q", tt.tty, tt.color, has, out.String())
		}
	}
}
