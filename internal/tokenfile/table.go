package tokenfile

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/internal/usage"
)

// inputErrorf is a problem with a file as a whole (empty, no header, a
// required column missing, broken JSON): nothing in it can be used. It is
// the caller's to fix: a usage error, exit 2.
func inputErrorf(format string, args ...any) error { return usage.Errorf(format, args...) }

// table reads a CSV file with a header row, one row at a time, keeping
// only the current row. It tolerates a UTF-8 byte order mark, CRLF line
// ends, blank lines, spaces around fields (also after a closing quote) and
// quoted fields; a row that is not valid CSV, not text, or has an
// overlong field comes back with Err set and the reading goes on.
type table struct {
	name     string
	r        *csv.Reader
	header   []string       // trimmed, decoded, as written
	cols     map[string]int // lower-cased header → its first column
	decode   bool           // the cells are CSVCell-neutralised: undo it
	maxField int
	// skipBlank skips rows whose every cell is blank; else only empty
	// lines are skipped, and a row of empty cells is the caller's to judge.
	skipBlank bool
}

// row is one data row of a table.
type row struct {
	Line  int
	Cells []string // trimmed and decoded
	Err   error
}

// newTable reads the header row. needs says what an empty file lacks,
// for its message; decode says, from the lower-cased header, whether
// axero wrote the file and so neutralised its cells.
func newTable(br *bufio.Reader, name, needs string, maxField int, decode func(cols map[string]int) bool) (*table, error) {
	cr := csv.NewReader(newQuoteSpaceTrimmer(br))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, inputErrorf("%s is empty: it needs %s", name, needs)
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			err = fmt.Errorf("line %d: %w", pe.StartLine, pe.Err)
		}
		return nil, inputErrorf("%s: cannot read the header row: %v", name, err)
	}
	if why := notText(header); why != "" {
		return nil, inputErrorf("%s is not a CSV text file: its header row %s", name, why)
	}
	t := &table{name: name, r: cr, cols: map[string]int{}, maxField: maxField}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		if _, dup := t.cols[strings.ToLower(h)]; !dup {
			t.cols[strings.ToLower(h)] = i
		}
	}
	if decode != nil && decode(t.cols) {
		t.decode = true
		t.cols = map[string]int{}
		for i, h := range header {
			header[i] = strings.TrimSpace(textsafe.CSVUncell(h))
			if _, dup := t.cols[strings.ToLower(header[i])]; !dup {
				t.cols[strings.ToLower(header[i])] = i
			}
		}
	}
	t.header = header
	return t, nil
}

// lowerHeader is the header lower-cased, for messages.
func (t *table) lowerHeader() []string {
	out := make([]string, len(t.header))
	for i, h := range t.header {
		out[i] = strings.ToLower(h)
	}
	return out
}

// col is the index of the column named name (any case), or -1.
func (t *table) col(name string) int {
	if i, ok := t.cols[strings.ToLower(name)]; ok {
		return i
	}
	return -1
}

// next returns the next row, or io.EOF.
func (t *table) next() (row, error) {
	for {
		rec, err := t.r.Read()
		if errors.Is(err, io.EOF) {
			return row{}, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return row{Line: pe.StartLine, Err: fmt.Errorf("line %d is not valid CSV: %w", pe.StartLine, pe.Err)}, nil
			}
			return row{}, fmt.Errorf("reading %s: %w", t.name, err)
		}
		line, _ := t.r.FieldPos(0)
		if why := notText(rec); why != "" {
			// Its bytes are not repeated: they would reach the terminal raw.
			return row{Line: line, Err: fmt.Errorf("line %d is not text: it %s", line, why)}, nil
		}
		blank := true
		for i, f := range rec {
			if len(f) > t.maxField {
				return row{Line: line, Err: fmt.Errorf("line %d has a field of %d bytes; at most %d are accepted", line, len(f), t.maxField)}, nil
			}
			rec[i] = strings.TrimSpace(f)
			if t.decode {
				rec[i] = textsafe.CSVUncell(rec[i])
			}
			blank = blank && rec[i] == ""
		}
		if !blank || !t.skipBlank {
			return row{Line: line, Cells: rec}, nil
		}
	}
}

// cell is the cell of column i, or "".
func cell(cells []string, i int) string {
	if i < 0 || i >= len(cells) {
		return ""
	}
	return cells[i]
}

// notText says why a row is not text, or "": a NUL byte or bytes that are
// not UTF-8 mean a binary file.
func notText(rec []string) string {
	for _, f := range rec {
		if strings.IndexByte(f, 0) >= 0 {
			return "holds a NUL byte"
		}
		if !utf8.ValidString(f) {
			return "holds bytes that are not UTF-8"
		}
	}
	return ""
}

// describeHeader lists the columns found for an error message. A column
// name that is not plain printable text is quoted, so that a binary or
// hostile file cannot put raw bytes or escape sequences on the terminal;
// only the first few are shown, cut short, so the message stays one line.
func describeHeader(header []string) string {
	const maxColumns, maxLen = 8, 40
	parts := make([]string, 0, maxColumns+1)
	for i, h := range header {
		if i == maxColumns {
			parts = append(parts, fmt.Sprintf("and %d more", len(header)-maxColumns))
			break
		}
		if r := []rune(h); len(r) > maxLen {
			h = string(r[:maxLen]) + "…"
		}
		if !isPlainText(h) {
			h = strconv.QuoteToASCII(h)
		}
		parts = append(parts, h)
	}
	return strings.Join(parts, ", ")
}

// isPlainText reports whether s is valid UTF-8 made of printable
// characters, with nothing that would need quoting to be read back.
func isPlainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || r == '"' || r == ',' {
			return false
		}
	}
	return true
}

// utf8BOM is what spreadsheet programs put in front of a CSV file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// newBuffered wraps r and drops a byte order mark.
func newBuffered(r io.Reader) *bufio.Reader {
	br := bufio.NewReaderSize(r, 64*1024)
	if b, err := br.Peek(3); err == nil && string(b) == string(utf8BOM) {
		_, _ = br.Discard(3)
	}
	return br
}
