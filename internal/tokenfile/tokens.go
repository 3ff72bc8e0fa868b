package tokenfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/internal/safefile"
)

// Format is the shape of a token file.
type Format int

const (
	FormatCSV       Format = iota // a header row with a TokenID column
	FormatJSONLines               // one JSON object per line
	FormatJSONArray               // a JSON array of objects (audit -o json)
)

// maxLine bounds one line of JSON Lines, and maxTokenField one CSV field
// of a token file: a record is a few hundred bytes, so anything longer is
// not a record and must not be buffered whole.
const (
	maxLine       = 1 << 20
	maxTokenField = 64 << 10
)

// Entry is one record read from a token file, or why it could not be.
type Entry struct {
	Line int // the CSV or JSON line, or the record number in a JSON array
	Record
	// Fields are the CSV cells as read (decoded), so that a failed row can
	// be written back in the input's columns; nil for JSON.
	Fields []string
	Err    error // the record could not be read; the reading goes on
}

// Reader streams the records of a token file, holding one at a time.
type Reader struct {
	name   string
	format Format
	f      *os.File
	br     *bufio.Reader
	size   int64

	t                             *table
	tokenC, userIDC, userC, nameC int
	expiryC, secretC              int
	dec                           *json.Decoder
	n                             int
}

// Open opens a token file the user names (--from). It must be a regular
// file: the bulk commands read it twice, and opening a pipe would wait
// for a writer. An empty file is a usage error.
func Open(path string) (*Reader, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, inputErrorf("%s: %v", path, safefile.Unwrap(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, inputErrorf("%s is not a regular file", path)
	}
	f, err := os.Open(path) //nolint:gosec // the token file the user names with --from
	if err != nil {
		return nil, inputErrorf("%s: %v", path, safefile.Unwrap(err))
	}
	r, err := newReader(f, path, -1, false)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	r.f = f
	return r, nil
}

// OpenComplete reads a token file axero is appending to (the output of a
// run being resumed), opened by the caller: only its complete lines, so
// that a record torn by a crash is left out, and Size says where they
// end. An empty file has no records. It takes f over.
func OpenComplete(f *os.File, name string) (*Reader, error) {
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	size, err := completeSize(f, fi.Size())
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	r, err := newReader(io.NewSectionReader(f, 0, size), name, size, true)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	r.f = f
	return r, nil
}

// NewReader reads a token file from r; name is how messages refer to it.
func NewReader(r io.Reader, name string) (*Reader, error) { return newReader(r, name, -1, false) }

func newReader(rd io.Reader, name string, size int64, emptyOK bool) (*Reader, error) {
	br := newBuffered(rd)
	r := &Reader{name: name, br: br, size: size}
	first, err := firstByte(br)
	switch {
	case errors.Is(err, io.EOF) && emptyOK:
		r.format = FormatJSONLines // no records
		return r, nil
	case errors.Is(err, io.EOF):
		return nil, inputErrorf("%s is empty: it needs token IDs (a TokenID column or field)", name)
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	switch first {
	case '[':
		r.format = FormatJSONArray
		r.dec = json.NewDecoder(br)
		if _, err := r.dec.Token(); err != nil {
			return nil, inputErrorf("%s is not a valid JSON array: %v", name, err)
		}
	case '{':
		r.format = FormatJSONLines
	default:
		r.format = FormatCSV
		needs := "a header row with a TokenID column"
		t, err := newTable(br, name, needs, maxTokenField, func(map[string]int) bool { return true })
		if err != nil {
			return nil, err
		}
		t.skipBlank = true
		r.t = t
		r.tokenC, r.userIDC, r.secretC = t.col("TokenID"), t.col("UserID"), t.col("token")
		r.userC, r.nameC, r.expiryC = firstCol(t, "user", "UserName"), t.col("name"), firstCol(t, "expiry", "Expires")
		if r.tokenC < 0 {
			return nil, inputErrorf("%s has no TokenID column in its header row (found: %s); give an output file of axero or a CSV with a TokenID column", name, describeHeader(t.header))
		}
	}
	return r, nil
}

func firstCol(t *table, names ...string) int {
	for _, n := range names {
		if i := t.col(n); i >= 0 {
			return i
		}
	}
	return -1
}

// firstByte peeks at the first byte that is not white space.
func firstByte(br *bufio.Reader) (byte, error) {
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) || (len(b) == i-1 && errors.Is(err, io.EOF)) {
				return 0, io.EOF // nothing, or a buffer's worth of white space
			}
			return 0, err
		}
		switch c := b[i-1]; c {
		case ' ', '\t', '\r', '\n':
			continue
		default:
			return c, nil
		}
	}
}

// Format is the file's format.
func (r *Reader) Format() Format { return r.format }

// Header is the CSV header row; nil for JSON.
func (r *Reader) Header() []string {
	if r.t == nil {
		return nil
	}
	return r.t.header
}

// SecretColumn is the index of a CSV column holding token values, or -1.
func (r *Reader) SecretColumn() int {
	if r.t == nil {
		return -1
	}
	return r.secretC
}

// Size is where the complete records end, for OpenComplete.
func (r *Reader) Size() int64 { return r.size }

// Close closes the file, if the reader opened it.
func (r *Reader) Close() error {
	if r.f == nil {
		return nil
	}
	return r.f.Close()
}

// Next returns the next record, or io.EOF. A record that cannot be read
// comes back with Err set and reading goes on; an error that ends the
// file (a JSON array that breaks off, a read failure) is returned as such.
func (r *Reader) Next() (Entry, error) {
	switch {
	case r.t != nil:
		return r.nextCSV()
	case r.dec != nil:
		return r.nextArray()
	}
	return r.nextLine()
}

func (r *Reader) nextCSV() (Entry, error) {
	row, err := r.t.next()
	if err != nil || row.Err != nil {
		return Entry{Line: row.Line, Err: row.Err}, err
	}
	c := row.Cells
	e := Entry{Line: row.Line, Fields: c}
	e.User, e.Name, e.Token = cell(c, r.userC), cell(c, r.nameC), cell(c, r.secretC)
	e.Expiry, _ = parseExpiry(cell(c, r.expiryC))
	e.TokenID, e.UserID, e.Err = parseIDs(cell(c, r.tokenC), cell(c, r.userIDC))
	if e.Err != nil {
		e.Err = fmt.Errorf("line %d: %w", e.Line, e.Err)
	}
	return e, nil
}

func (r *Reader) nextLine() (Entry, error) {
	if r.br == nil {
		return Entry{}, io.EOF
	}
	for {
		line, err := readLine(r.br)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return Entry{}, io.EOF
		}
		r.n++
		if err != nil && !errors.Is(err, io.EOF) {
			if errors.Is(err, errLongLine) {
				return Entry{Line: r.n, Err: fmt.Errorf("line %d is not a token record (too long)", r.n)}, nil
			}
			return Entry{}, fmt.Errorf("reading %s: %w", r.name, err)
		}
		if line = bytes.TrimSpace(line); len(line) == 0 {
			continue
		}
		return decodeJSON(line, r.n, "line"), nil
	}
}

func (r *Reader) nextArray() (Entry, error) {
	if !r.dec.More() {
		if _, err := r.dec.Token(); err != nil {
			return Entry{}, inputErrorf("%s: the JSON array is not closed: %v", r.name, err)
		}
		return Entry{}, io.EOF
	}
	var raw json.RawMessage
	if err := r.dec.Decode(&raw); err != nil {
		return Entry{}, inputErrorf("%s: record %d is not valid JSON: %v", r.name, r.n+1, err)
	}
	r.n++
	return decodeJSON(raw, r.n, "record"), nil
}

// jsonRecord holds the fields read from a JSON token record; others are
// ignored. Names match in any case, and "UserName" and "Expires" (the
// audit's) stand in for "user" and "expiry".
type jsonRecord struct {
	User     *string         `json:"user"`
	UserName *string         `json:"UserName"`
	UserID   json.RawMessage `json:"UserID"`
	TokenID  json.RawMessage `json:"TokenID"`
	Name     string          `json:"name"`
	Expiry   *string         `json:"expiry"`
	Expires  *string         `json:"Expires"`
	Token    string          `json:"token"`
}

func decodeJSON(raw []byte, n int, unit string) Entry {
	e := Entry{Line: n}
	var j jsonRecord
	if err := json.Unmarshal(raw, &j); err != nil {
		e.Err = fmt.Errorf("%s %d is not a JSON object with a TokenID", unit, n)
		return e
	}
	e.User = deref(j.User, j.UserName)
	e.Name, e.Token = j.Name, j.Token
	e.Expiry, _ = parseExpiry(deref(j.Expiry, j.Expires))
	e.TokenID, e.UserID, e.Err = parseIDs(jsonNumber(j.TokenID), jsonNumber(j.UserID))
	if e.Err != nil {
		e.Err = fmt.Errorf("%s %d: %w", unit, n, e.Err)
	}
	return e
}

func deref(ss ...*string) string {
	for _, s := range ss {
		if s != nil {
			return *s
		}
	}
	return ""
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

// parseExpiry reads an expiry as the files write it: RFC 3339, or never
// (or nothing) for none.
func parseExpiry(s string) (*time.Time, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "never":
		return nil, nil
	}
	t, err := client.ParseTime(s)
	if err != nil {
		return nil, fmt.Errorf("invalid expiry %q", s)
	}
	t = t.UTC()
	return &t, nil
}

var errLongLine = errors.New("line too long")

// readLine reads one line of at most maxLine bytes; a longer one is
// skipped to its end and reported as errLongLine.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > maxLine {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			return nil, errLongLine
		}
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return buf, err
	}
}

// completeSize is the offset just past the last newline in the first size
// bytes of f: where the complete lines end.
func completeSize(f io.ReaderAt, size int64) (int64, error) {
	buf := make([]byte, 4096)
	for end := size; end > 0; {
		start := max(0, end-int64(len(buf)))
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}
