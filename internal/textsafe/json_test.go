package textsafe

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestJSONEscapesWhatTerminalsObey(t *testing.T) {
	cases := map[string]string{
		`{"a":"plain","n":1}`:                   `{"a":"plain","n":1}`,
		"{\"a\":\"x\x7fy\"}":                    `{"a":"x\u007fy"}`,
		"[\"\u009b2J\",\"\u0085\"]":             `["\u009b2J","\u0085"]`,
		"\"pdf\u202efdp.exe\u2066\"":            `"pdf\u202efdp.exe\u2066"`,
		"\"line\u2028para\u2029\"":              `"line\u2028para\u2029"`,
		`"kept \" \u001b \\ escapes"`:           `"kept \" \u001b \\ escapes"`,
		"\"bad\xffbyte\"":                       `"bad\ufffdbyte"`,
		"{\n  \"k\u009b\": \"Zoë 日本\"\n}":       "{\n  \"k\\u009b\": \"Zoë 日本\"\n}",
		"\"\\\"\u009b\"":                        `"\"\u009b"`,
		"{\"raw\tcontrol\":\"lenient\x1bout\"}": `{"raw\u0009control":"lenient\u001bout"}`,
	}
	for in, want := range cases {
		if got := string(JSON([]byte(in))); got != want {
			t.Errorf("JSON(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJSONReturnsASafeDocumentUnchanged(t *testing.T) {
	doc := []byte("{\n\t\"name\": \"Zoë \\u001b\"\r\n}")
	if got := JSON(doc); &got[0] != &doc[0] {
		t.Error("a document with nothing to escape was copied")
	}
}

// jsonRawUnsafe reports a character inside doc that a terminal must not
// receive raw, outside the JSON whitespace.
func jsonRawUnsafe(doc []byte) bool {
	if !utf8.Valid(doc) {
		return true
	}
	return bytes.ContainsFunc(doc, func(r rune) bool {
		return r != '\n' && r != '\t' && r != '\r' && (unsafeRune(r) || r == 0x2028 || r == 0x2029)
	})
}

func decodeJSON(t *testing.T, doc []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%q does not decode: %v", doc, err)
	}
	return v
}

// FuzzJSON checks the JSON escaping of C1, DEL and bidi controls: the
// result of a valid document is valid, means the same, and carries none
// of them raw.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, "\"\u009b\"", "[\"\x7f\",1,null]", "\"\u202e\\\"\"", "\"\xff\"", `"\u0085"`, "{\"k\u2066\":[true]}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if !json.Valid(doc) {
			return
		}
		out := JSON(doc)
		if !json.Valid(out) {
			t.Fatalf("JSON(%q) = %q is not valid JSON", doc, out)
		}
		if jsonRawUnsafe(out) {
			t.Fatalf("JSON(%q) = %q carries a control character raw", doc, out)
		}
		if want, got := decodeJSON(t, doc), decodeJSON(t, out); !reflect.DeepEqual(want, got) {
			t.Fatalf("JSON(%q) = %q means %#v, not %#v", doc, out, got, want)
		}
		if strings.TrimSpace(string(out)) == "" {
			t.Fatal("empty result")
		}
	})
}
