package textsafe

import (
	"bytes"
	"encoding/csv"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// writeRecords writes records as CSV through a CSVEscaper, chunk bytes at
// a time (0: all at once), as a buffered csv.Writer hands them on.
func writeRecords(t *testing.T, records [][]string, chunk int) string {
	t.Helper()
	var plain bytes.Buffer
	cw := csv.NewWriter(&plain)
	if err := cw.WriteAll(records); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	esc := NewCSVEscaper(&out)
	data := plain.Bytes()
	if chunk <= 0 {
		chunk = len(data) + 1
	}
	for len(data) > 0 {
		n := min(chunk, len(data))
		if _, err := esc.Write(data[:n]); err != nil {
			t.Fatal(err)
		}
		data = data[n:]
	}
	if err := esc.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func readRecords(t *testing.T, s string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(s))
	r.FieldsPerRecord = -1
	got, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%q does not parse as CSV: %v", s, err)
	}
	return got
}

func escapedRecords(records [][]string) [][]string {
	var want [][]string
	for _, rec := range records {
		var row []string
		for _, c := range rec {
			row = append(row, Terminal(c))
		}
		want = append(want, row)
	}
	return want
}

func TestCSVEscaperEscapesCellsAndKeepsRecords(t *testing.T) {
	records := [][]string{
		{"user", "name", "detail"},
		{"mallory\x1b]0;pwned\a", "two\nlines", "tab\there, \"quoted\""},
		{"\u009b2J", "pdf\u202efdp.exe", "cr\r\nlf and \x7f"},
		{"Zoë 日本", "", "\xffbad"},
	}
	for _, chunk := range []int{0, 1, 2, 3, 7} {
		out := writeRecords(t, records, chunk)
		if !utf8.ValidString(out) || strings.ContainsFunc(out, func(r rune) bool { return r != '\n' && unsafeRune(r) }) {
			t.Fatalf("chunk %d: raw control characters: %q", chunk, out)
		}
		if got := readRecords(t, out); !slices.EqualFunc(got, escapedRecords(records), slices.Equal) {
			t.Errorf("chunk %d: read back %q, want %q", chunk, got, escapedRecords(records))
		}
	}
}

func TestCSVEscaperFlushesAnIncompleteCharacter(t *testing.T) {
	var out bytes.Buffer
	esc := NewCSVEscaper(&out)
	if _, err := esc.Write([]byte("a,\xe2\x80")); err != nil {
		t.Fatal(err)
	}
	if out.String() != "a," {
		t.Fatalf("wrote %q before the character was complete", out.String())
	}
	if err := esc.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := `a,\xe2\x80`; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestCSVEscaperReportsWriteErrors(t *testing.T) {
	if _, err := NewCSVEscaper(failingWriter{}).Write([]byte("x\n")); err == nil {
		t.Error("a failed write was not reported")
	}
}

// FuzzCSVEscaper checks CSV on its way to a terminal: whatever cells a
// server sends, the output carries no control character but the line
// feeds that end records, stays valid CSV with the same records, and each
// cell reads back as Terminal of what was written, however the stream was
// cut into writes.
func FuzzCSVEscaper(f *testing.F) {
	f.Add("user", "mallory\x1b]0;pwned\a", "two\nlines", uint8(0))
	f.Add("\"q\"", "tab\tcomma,", "\u009b\u202e", uint8(1))
	f.Add("\xe2\x80", "\xff", "cr\r\n", uint8(2))
	f.Add("", " lead", "Zoë 日本", uint8(3))
	f.Fuzz(func(t *testing.T, a, b, c string, chunk uint8) {
		records := [][]string{{a, b, c}, {c, a}, {b}}
		out := writeRecords(t, records, int(chunk%8))
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 in %q", out)
		}
		if strings.ContainsFunc(out, func(r rune) bool { return r != '\n' && unsafeRune(r) }) {
			t.Fatalf("raw control character in %q", out)
		}
		if got, want := readRecords(t, out), escapedRecords(records); !slices.EqualFunc(got, want, slices.Equal) {
			// encoding/csv writes a record of one empty cell as an
			// empty line, which its reader skips.
			if !slices.Contains(records[2], "") || len(got) != 2 {
				t.Fatalf("read back %q, want %q (from %q)", got, want, out)
			}
		}
	})
}

// FuzzCSVEscaperAnyStream feeds bytes that need not be CSV at all: the
// output must still carry nothing raw but line feeds.
func FuzzCSVEscaperAnyStream(f *testing.F) {
	f.Add([]byte("a,\"b\nc\"\n\x1b[2J\n"), uint8(1))
	f.Add([]byte("\"unterminated\n\u009b"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		var out bytes.Buffer
		esc := NewCSVEscaper(&out)
		n := int(chunk%8) + 1
		for len(data) > 0 {
			k := min(n, len(data))
			if _, err := esc.Write(data[:k]); err != nil {
				t.Fatal(err)
			}
			data = data[k:]
		}
		if err := esc.Flush(); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && unsafeRune(r) }) {
			t.Fatalf("raw control character in %q", s)
		}
	})
}
