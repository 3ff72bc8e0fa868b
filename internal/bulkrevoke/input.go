package bulkrevoke

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/internal/textsafe"
)

// Item is one token to revoke, as a row of the input gives it.
type Item struct {
	Line    int   // CSV line, or JSON record number (1-based), for messages
	TokenID int64 // > 0 unless Err is set
	UserID  int64 // the owner the row claims; 0 when the input does not say
	// Fields are the CSV fields as read, so that a failed row can be
	// written back in the input's format; nil for JSON input.
	Fields []string
	Err    error // the row could not be read
}

// Format is the shape of an input file.
type Format int

const (
	FormatCSV       Format = iota // a header row with a TokenID column (any axero CSV)
	FormatJSONLines               // one JSON object per line (create-for-user's .jsonl, audit -o json as lines)
	FormatJSONArray               // a JSON array of objects (audit -o json)
)

// Reader streams the items of an input file: it holds one row at a time.
type Reader struct {
	name   string
	format Format
	f      *os.File
	br     *bufio.Reader

	// CSV
	cr              *csv.Reader
	header          []string
	tokenCol, userC int
	secretCol       int // a "token" column (create-for-user's output): blanked in failed rows

	// JSON
	dec *json.Decoder
	n   int
}

// InputError is a problem with the file as a whole: nothing in it can be
// revoked. Commands treat it as a usage error.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// Usage marks the error for the exit-code mapping.
func (e *InputError) Usage() bool { return true }

// Open opens an input file and works out its format from its content: a
// '[' starts a JSON array, a '{' JSON Lines, anything else is CSV.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path) //nolint:gosec // the input file the user names with --from
	if err != nil {
		return nil, fmt.Errorf("--from %s: %w", path, unwrapPath(err))
	}
	r, err := newReader(f, path)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	r.f = f
	return r, nil
}

func newReader(rd io.Reader, name string) (*Reader, error) {
	br := bufio.NewReaderSize(rd, 64*1024)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	r := &Reader{name: name, br: br, tokenCol: -1, userC: -1, secretCol: -1}
	first, err := firstByte(br)
	if errors.Is(err, io.EOF) {
		return nil, &InputError{Msg: fmt.Sprintf("%s is empty: it needs token IDs (a TokenID column or field)", name)}
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	switch first {
	case '[':
		r.format = FormatJSONArray
		r.dec = json.NewDecoder(br)
		if _, err := r.dec.Token(); err != nil {
			return nil, &InputError{Msg: fmt.Sprintf("%s is not a valid JSON array: %v", name, err)}
		}
	case '{':
		r.format = FormatJSONLines
		r.dec = json.NewDecoder(br)
	default:
		r.format = FormatCSV
		if err := r.readHeader(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// firstByte peeks at the first byte that is not white space.
func firstByte(br *bufio.Reader) (byte, error) {
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if err != nil {
			if len(b) == i-1 && errors.Is(err, io.EOF) {
				return 0, io.EOF
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				return 0, err
			}
			return 0, io.EOF // a buffer's worth of white space
		}
		switch c := b[i-1]; c {
		case ' ', '\t', '\r', '\n':
			continue
		default:
			return c, nil
		}
	}
}

func (r *Reader) readHeader() error {
	r.cr = csv.NewReader(r.br)
	r.cr.FieldsPerRecord = -1
	r.cr.TrimLeadingSpace = true
	h, err := r.cr.Read()
	if err != nil {
		return &InputError{Msg: fmt.Sprintf("%s: cannot read the CSV header row: %v", r.name, err)}
	}
	for i, c := range h {
		c = strings.TrimSpace(c)
		h[i] = c
		switch strings.ToLower(c) {
		case "tokenid":
			if r.tokenCol < 0 {
				r.tokenCol = i
			}
		case "userid":
			if r.userC < 0 {
				r.userC = i
			}
		case "token":
			r.secretCol = i
		}
	}
	if r.tokenCol < 0 {
		return &InputError{Msg: fmt.Sprintf("%s has no TokenID column in its header row (found: %s); give an output file of axero or a CSV with a TokenID column", r.name, strings.Join(h, ", "))}
	}
	r.header = h
	return nil
}

// Format is the input's format.
func (r *Reader) Format() Format { return r.format }

// Header is the CSV header row; nil for JSON.
func (r *Reader) Header() []string { return r.header }

// Close closes the file.
func (r *Reader) Close() error {
	if r.f == nil {
		return nil
	}
	return r.f.Close()
}

// Next returns the next item, or io.EOF. A row that cannot be read comes
// back with Err set and reading goes on; an error that ends the file
// (broken JSON structure, a read failure) is returned as such.
func (r *Reader) Next() (Item, error) {
	if r.format == FormatCSV {
		return r.nextCSV()
	}
	return r.nextJSON()
}

func (r *Reader) nextCSV() (Item, error) {
	for {
		rec, err := r.cr.Read()
		if errors.Is(err, io.EOF) {
			return Item{}, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Item{Line: pe.StartLine, Err: fmt.Errorf("line %d is not valid CSV: %w", pe.StartLine, pe.Err)}, nil
			}
			return Item{}, fmt.Errorf("reading %s: %w", r.name, err)
		}
		line, _ := r.cr.FieldPos(0)
		blank := true
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
			blank = blank && rec[i] == ""
		}
		if blank {
			continue
		}
		it := Item{Line: line, Fields: rec}
		it.TokenID, it.UserID, it.Err = parseIDs(cell(rec, r.tokenCol), cell(rec, r.userC))
		if it.Err != nil {
			it.Err = fmt.Errorf("line %d: %w", line, it.Err)
		}
		return it, nil
	}
}

func cell(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return textsafe.CSVUncell(rec[i])
}

// jsonIDs are the fields read from a JSON record; every other field is
// ignored. Field names match without regard to case.
type jsonIDs struct {
	TokenID json.RawMessage `json:"TokenID"`
	UserID  json.RawMessage `json:"UserID"`
}

func (r *Reader) nextJSON() (Item, error) {
	if r.format == FormatJSONArray && !r.dec.More() {
		if _, err := r.dec.Token(); err != nil {
			return Item{}, &InputError{Msg: fmt.Sprintf("%s: the JSON array is not closed: %v", r.name, err)}
		}
		return Item{}, io.EOF
	}
	var raw json.RawMessage
	if err := r.dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) && r.format == FormatJSONLines {
			return Item{}, io.EOF
		}
		return Item{}, &InputError{Msg: fmt.Sprintf("%s: record %d is not valid JSON: %v", r.name, r.n+1, err)}
	}
	r.n++
	it := Item{Line: r.n}
	var ids jsonIDs
	if err := json.Unmarshal(raw, &ids); err != nil {
		it.Err = fmt.Errorf("record %d is not a JSON object with a TokenID", r.n)
		return it, nil
	}
	it.TokenID, it.UserID, it.Err = parseIDs(jsonNumber(ids.TokenID), jsonNumber(ids.UserID))
	if it.Err != nil {
		it.Err = fmt.Errorf("record %d: %w", r.n, it.Err)
	}
	return it, nil
}

// jsonNumber turns a JSON number or numeric string into its text; null
// and absence give "".
func jsonNumber(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "null" {
		return ""
	}
	if uq, err := strconv.Unquote(s); err == nil {
		return strings.TrimSpace(uq)
	}
	return s
}

// parseIDs reads a TokenID (required) and a UserID (optional).
func parseIDs(token, user string) (int64, int64, error) {
	if token == "" {
		return 0, 0, errors.New("no TokenID")
	}
	tid, ok := resolve.ParseID(token)
	if !ok {
		// The value is not echoed: a misplaced column could hold a secret.
		return 0, 0, errors.New("the TokenID is not a positive whole number")
	}
	if user == "" {
		return tid, 0, nil
	}
	uid, ok := resolve.ParseID(user)
	if !ok {
		return tid, 0, errors.New("the UserID is not a positive whole number")
	}
	return tid, uid, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
