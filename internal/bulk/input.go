package bulk

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/internal/textsafe"
)

// Column names of the input file. Only ColUser is required.
const (
	ColUser    = "user"
	ColName    = "name"
	ColExpires = "expires"
	ColReason  = "reason" // added by the failed file; ignored on input
)

// Row is one data row of the input file.
type Row struct {
	Line    int      // 1-based line number in the input, for messages
	User    string   // as given, trimmed
	Name    string   // the name column, trimmed; "" when absent
	Expires string   // the expires column, trimmed; "" when absent
	Fields  []string // every field as read, trimmed, for the failed file
	Err     error    // a row the CSV reader could not parse
}

// InputError is a problem with the input file as a whole (no header, no
// user column): nothing can be done with it.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// Input reads rows from a CSV file one at a time. It tolerates a UTF-8 byte
// order mark, CRLF line ends, blank lines, spaces around fields and quoted
// fields, and it never holds more than the current row.
type Input struct {
	name   string
	r      *csv.Reader
	header []string
	user   int
	nameI  int
	expI   int
	uncell bool // a failed file: undo textsafe.CSVCell
}

// utf8BOM is what spreadsheet programs put in front of a CSV file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// NewInput reads the header row of r. name is how messages refer to the
// file ("users.csv", "standard input").
func NewInput(r io.Reader, name string) (*Input, error) {
	br := bufio.NewReaderSize(r, 64*1024)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(newQuoteSpaceTrimmer(br))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	in := &Input{name: name, r: cr, user: -1, nameI: -1, expI: -1}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &InputError{Msg: fmt.Sprintf("%s is empty: it needs a header row with a %q column", name, ColUser)}
	}
	if err != nil {
		return nil, &InputError{Msg: fmt.Sprintf("%s: cannot read the header row: %v", name, csvErr(err))}
	}
	if why := notText(header); why != "" {
		return nil, &InputError{Msg: fmt.Sprintf("%s is not a CSV text file: its header row %s", name, why)}
	}
	// A reason column marks a failed file that axero wrote, with every
	// cell neutralised by textsafe.CSVCell: undoing it makes that file
	// read back exactly as the rows that failed. Any other file is read as
	// written, so a user literally named '=x stays '=x.
	for _, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), ColReason) {
			in.uncell = true
		}
	}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if in.uncell {
			h = textsafe.CSVUncell(h)
		}
		h = strings.ToLower(strings.TrimSpace(h))
		header[i] = h
		switch h {
		case ColUser:
			if in.user < 0 {
				in.user = i
			}
		case ColName:
			if in.nameI < 0 {
				in.nameI = i
			}
		case ColExpires:
			if in.expI < 0 {
				in.expI = i
			}
		}
	}
	if in.user < 0 {
		return nil, &InputError{Msg: fmt.Sprintf("%s has no %q column in its header row (found: %s)", name, ColUser, describeHeader(header))}
	}
	in.header = header
	return in, nil
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

// Header is the header row, lower-cased and trimmed.
func (in *Input) Header() []string { return in.header }

// HasNameColumn reports whether rows may carry their own token name.
func (in *Input) HasNameColumn() bool { return in.nameI >= 0 }

// Next returns the next row, or io.EOF. A row that is not valid CSV comes
// back with Err set and the reading goes on.
func (in *Input) Next() (Row, error) {
	rec, err := in.r.Read()
	if errors.Is(err, io.EOF) {
		return Row{}, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Row{Line: pe.StartLine, Err: fmt.Errorf("line %d is not valid CSV: %w", pe.StartLine, pe.Err)}, nil
		}
		return Row{}, fmt.Errorf("reading %s: %w", in.name, err)
	}
	line, _ := in.r.FieldPos(0)
	if why := notText(rec); why != "" {
		// Its bytes are not repeated: they would reach the terminal raw.
		return Row{Line: line, Err: fmt.Errorf("line %d is not text: it %s", line, why)}, nil
	}
	for _, f := range rec {
		if len(f) > maxField {
			return Row{Line: line, Err: fmt.Errorf("line %d has a field of %d bytes; at most %d are accepted", line, len(f), maxField)}, nil
		}
	}
	row := Row{Line: line, Fields: rec}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
		if in.uncell {
			rec[i] = textsafe.CSVUncell(rec[i])
		}
	}
	row.User = field(rec, in.user)
	row.Name = field(rec, in.nameI)
	row.Expires = field(rec, in.expI)
	return row, nil
}

// maxField bounds one field: users, emails and token names are short, and
// the journal records users and names in lines of bounded length.
const maxField = 1024

// notText says why a row is not text, or "": a NUL byte or bytes that are
// not UTF-8 mean a binary file, not a list of users.
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

func field(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return rec[i]
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d: %w", pe.StartLine, pe.Err)
	}
	return err
}

// UserKey is how two spellings of the same input are recognised as one
// user before any lookup: case and surrounding space do not matter, and a
// UserID is compared as a number ("042" is 42).
func UserKey(user string) string {
	u := strings.ToLower(strings.TrimSpace(user))
	if id, ok := resolve.ParseID(u); ok {
		return "#" + strconv.FormatInt(id, 10)
	}
	return u
}
