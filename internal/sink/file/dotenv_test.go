package file

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseDotenvReadsValuesAsToolsDo(t *testing.T) {
	t.Parallel()
	data := []byte("# a comment\n" +
		"PLAIN=value\n" +
		"SPACED = value with spaces   # and a comment\n" +
		"export EXPORTED=yes\n" +
		"\tINDENTED='single # not a comment'\n" +
		`DOUBLE="a \"quoted\" \\ line\n"` + "\n" +
		"MULTI=\"first\nTOKEN=inside-a-value\nlast\"\n" +
		"EMPTY=\n" +
		"HASH=a#b\n" +
		"dotted.key=kept\n" +
		"CRLF=windows\r\n" +
		"NOEQUALS\n")
	want := map[string]string{
		"PLAIN":      "value",
		"SPACED":     "value with spaces",
		"EXPORTED":   "yes",
		"INDENTED":   "single # not a comment",
		"DOUBLE":     "a \"quoted\" \\ line\n",
		"MULTI":      "first\nTOKEN=inside-a-value\nlast",
		"EMPTY":      "",
		"HASH":       "a#b",
		"dotted.key": "kept",
		"CRLF":       "windows",
	}
	got := map[string]string{}
	for _, e := range parseDotenv(data) {
		if _, dup := got[e.key]; dup {
			t.Errorf("key %q found twice", e.key)
		}
		got[e.key] = e.value
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["TOKEN"]; ok {
		t.Error("a line inside a multi-line value was taken for an entry")
	}
	if len(got) != len(want) {
		t.Errorf("entries %v, want %d of them", got, len(want))
	}
}

func TestSetDotenvChangesOnlyTheValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"replace", "A=1\nTOKEN=old\nB=2\n", "A=1\nTOKEN=new.tok-en_1\nB=2\n"},
		{"keep comment and export", "export TOKEN='old' # rotated\n", "export TOKEN=new.tok-en_1 # rotated\n"},
		{"keep CRLF", "A=1\r\nTOKEN=\"old\"\r\nB=2\r\n", "A=1\r\nTOKEN=new.tok-en_1\r\nB=2\r\n"},
		{"append", "A=1\n", "A=1\nTOKEN=new.tok-en_1\n"},
		{"append after a missing newline", "A=1", "A=1\nTOKEN=new.tok-en_1\n"},
		{"append in CRLF", "A=1\r\nB=2", "A=1\r\nB=2\r\nTOKEN=new.tok-en_1\r\n"},
		{"new file", "", "TOKEN=new.tok-en_1\n"},
		{"every duplicate", "TOKEN=a\nX=1\nTOKEN=b\n", "TOKEN=new.tok-en_1\nX=1\nTOKEN=new.tok-en_1\n"},
		{"multi-line value", "TOKEN=\"line1\nline2\"\nB=2\n", "TOKEN=new.tok-en_1\nB=2\n"},
		{"not a prefix match", "TOKEN_OLD=1\nMY_TOKEN=2\n", "TOKEN_OLD=1\nMY_TOKEN=2\nTOKEN=new.tok-en_1\n"},
	}
	for _, tt := range tests {
		got, err := setDotenv([]byte(tt.in), "TOKEN", "new.tok-en_1")
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestSetDotenvRefusesAnUnclosedQuote(t *testing.T) {
	t.Parallel()
	_, err := setDotenv([]byte("TOKEN=\"never closed\nB=2\n"), "TOKEN", "x")
	if err == nil || !strings.Contains(err.Error(), "never closes") {
		t.Fatalf("err = %v", err)
	}
	// Another key's unclosed quote swallows the rest of the file, as
	// readers do: TOKEN is then missing, and a line appended would be
	// swallowed too.
	_, err = setDotenv([]byte("A='open\nTOKEN=x\n"), "TOKEN", "y")
	if err == nil || !strings.Contains(err.Error(), "the value of A opens a quote") {
		t.Fatalf("err = %v", err)
	}
	// Before the unclosed quote, TOKEN can be replaced.
	got, err := setDotenv([]byte("TOKEN=x\nA='open\n"), "TOKEN", "y")
	if err != nil || !bytes.HasPrefix(got, []byte("TOKEN=y\nA='open")) {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestQuoteDotenv(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"eyJhbGciOi.eyJzdWIi.sig-_", "eyJhbGciOi.eyJzdWIi.sig-_"},
		{"has space", "'has space'"},
		{"it's", `"it's"`},
		{`it's "$HOME" \`, `"it's \"\$HOME\" \\"`},
		{"", "''"},
	}
	for _, tt := range tests {
		got, err := quoteDotenv(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("quoteDotenv(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := quoteDotenv("a\nb"); err == nil {
		t.Error("a value with a newline was accepted")
	}
}

// FuzzSetDotenv: whatever the file, setting a key makes every reader of
// that key get the value, and every other entry keeps its value.
func FuzzSetDotenv(f *testing.F) {
	f.Add([]byte("A=1\nTOKEN=old\n"), "v")
	f.Add([]byte("X=\"a\nTOKEN=b\"\r\n# c\nexport TOKEN='q' # d"), "it's")
	f.Add([]byte("TOKEN=\"\\\"\nY=2"), "a b")
	f.Fuzz(func(t *testing.T, data []byte, value string) {
		before := map[string][]string{}
		for _, e := range parseDotenv(data) {
			before[e.key] = append(before[e.key], e.value)
		}
		got, err := setDotenv(data, "TOKEN", value)
		if err != nil {
			return
		}
		values, err := dotenvValues(got, "TOKEN")
		if err != nil || len(values) == 0 {
			t.Fatalf("after set: %v, %v in %q", values, err, got)
		}
		for _, v := range values {
			if v != value {
				t.Fatalf("TOKEN reads %q, want %q, in %q", v, value, got)
			}
		}
		after := map[string][]string{}
		for _, e := range parseDotenv(got) {
			after[e.key] = append(after[e.key], e.value)
		}
		for k, vs := range before {
			if k == "TOKEN" {
				continue
			}
			if strings.Join(after[k], "\x00") != strings.Join(vs, "\x00") {
				t.Fatalf("%s changed from %q to %q; file %q became %q", k, vs, after[k], data, got)
			}
		}
	})
}
