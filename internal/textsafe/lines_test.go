package textsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLinesKeepsLayoutAndEscapesTheRest(t *testing.T) {
	cases := map[string]string{ //nolint:gosec // test fixture, not a credential
		"a\tb\nc":                  "a\tb\nc",
		"crlf\r\nnext":             "crlf\r\nnext",
		"over\rwrite":              `over\rwrite`,
		"end\r":                    `end\r`,
		"\x1b]0;pwned\a\x1b[2J":    `\x1b]0;pwned\x07\x1b[2J`,
		"csi\u009b2J del\x7f":      `csi\u009b2J del\x7f`,
		"bidi\u202e\u2066":         `bidi\u202e\u2066`,
		"bad\xff":                  `bad\xff`,
		"Zoë 日本 עברית":             "Zoë 日本 עברית",
		"nul\x00 bell\a back\b ff": `nul\x00 bell\x07 back\x08 ff`,
	}
	for in, want := range cases {
		if got := Lines(in); got != want {
			t.Errorf("Lines(%q) = %q, want %q", in, got, want)
		}
	}
}

// linesSafe reports whether s holds nothing Lines would escape.
func linesSafe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i, r := range s {
		if unsafeRune(r) && (r >= 0x20 || !layoutAt(s, i)) {
			return false
		}
	}
	return true
}

// FuzzLines checks the sanitiser of --jq strings, bodies shown on a
// terminal and --debug lines: nothing but layout survives raw, and text
// without anything to escape is left alone.
func FuzzLines(f *testing.F) {
	for _, s := range []string{"", "a\tb\nc", "x\r\ny", "over\rwrite", "\x1b]0;t\a", "\u009b", "\u202e", "\xe2\x80", "\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Lines(s)
		if !linesSafe(out) {
			t.Fatalf("Lines(%q) = %q still holds a control character", s, out)
		}
		if linesSafe(s) && out != s {
			t.Fatalf("Lines(%q) = %q changed text with nothing to escape", s, out)
		}
		if strings.Count(out, "\n") != strings.Count(s, "\n") {
			t.Fatalf("Lines(%q) = %q changed the line count", s, out)
		}
	})
}
