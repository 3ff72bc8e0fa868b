package renew

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
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/bulk"
	"github.com/axero-cli/axero/internal/textsafe"
)

// Entry is one record read from a token file, or the reason it could not
// be read.
type Entry struct {
	Line   int
	Record bulk.Record
	Err    error // a damaged record; the reading goes on
}

// RecordReader streams the records of a file that create-for-user or a
// renewal wrote: JSON Lines, or CSV (by the .csv extension) with a header
// naming at least the UserID and TokenID columns. Columns it does not know
// (the failed file's reason) are ignored, so a failed file reads back as
// input. Only the current record is held in memory.
type RecordReader struct {
	path string
	f    *os.File
	size int64 // bytes up to the end of the last complete line

	// JSON Lines
	br   *bufio.Reader
	line int

	// CSV
	cr   *csv.Reader
	cols map[string]int
}

// utf8BOM is what spreadsheet programs put in front of a CSV file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// maxLine bounds one JSON line: a record is a few hundred bytes, so
// anything longer is not a record and must not be buffered whole.
const maxLine = 1 << 20

// OpenRecords opens path for reading. With completeOnly, a last line
// without its newline (a record torn by a crash while it was written) is
// left out, and Size reports where the complete records end.
func OpenRecords(path string, completeOnly bool) (*RecordReader, error) {
	f, err := os.Open(path) //nolint:gosec // the user names the file to read
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	return newRecordReader(f, path, completeOnly)
}

// newRecordReader reads the open file f, named path; it takes f over and
// closes it on failure.
func newRecordReader(f *os.File, path string, completeOnly bool) (*RecordReader, error) {
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	size := fi.Size()
	if completeOnly {
		if size, err = completeSize(f, size); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	rr := &RecordReader{path: path, f: f, size: size}
	br := bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 64*1024)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(3)
	}
	if !isCSVPath(path) {
		rr.br = br
		return rr, nil
	}
	rr.cr = csv.NewReader(br)
	rr.cr.FieldsPerRecord = -1
	rr.cr.TrimLeadingSpace = true
	header, err := rr.cr.Read()
	if errors.Is(err, io.EOF) {
		return rr, nil // an empty file has no records
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%s: cannot read the header row: %w", path, err)
	}
	rr.cols = map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := rr.cols[h]; !dup {
			rr.cols[h] = i
		}
	}
	for _, need := range []string{"userid", "tokenid"} {
		if _, ok := rr.cols[need]; !ok {
			_ = f.Close()
			return nil, fmt.Errorf("%s has no %s column: it is not a file of tokens that axero wrote", path, map[string]string{"userid": "UserID", "tokenid": "TokenID"}[need])
		}
	}
	return rr, nil
}

// Size is the length of the complete records, for appending after them.
func (rr *RecordReader) Size() int64 { return rr.size }

// Close closes the file.
func (rr *RecordReader) Close() error { return rr.f.Close() }

// Next returns the next record, or io.EOF.
func (rr *RecordReader) Next() (Entry, error) {
	if rr.cr != nil {
		return rr.nextCSV()
	}
	if rr.br == nil {
		return Entry{}, io.EOF
	}
	for {
		line, err := readLine(rr.br)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return Entry{}, io.EOF
		}
		rr.line++
		if err != nil && !errors.Is(err, io.EOF) {
			if errors.Is(err, errLongLine) {
				return Entry{Line: rr.line, Err: fmt.Errorf("line %d is not a token record (too long)", rr.line)}, nil
			}
			return Entry{}, fmt.Errorf("reading %s: %w", rr.path, err)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var r bulk.Record
		if err := json.Unmarshal(line, &r); err != nil {
			return Entry{Line: rr.line, Err: fmt.Errorf("line %d is not a token record", rr.line)}, nil
		}
		return check(Entry{Line: rr.line, Record: r}), nil
	}
}

func (rr *RecordReader) nextCSV() (Entry, error) {
	for {
		rec, err := rr.cr.Read()
		if errors.Is(err, io.EOF) {
			return Entry{}, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Entry{Line: pe.StartLine, Err: fmt.Errorf("line %d is not valid CSV: %w", pe.StartLine, pe.Err)}, nil
			}
			return Entry{}, fmt.Errorf("reading %s: %w", rr.path, err)
		}
		line, _ := rr.cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		get := func(col string) string {
			i, ok := rr.cols[col]
			if !ok || i >= len(rec) {
				return ""
			}
			return textsafe.CSVUncell(strings.TrimSpace(rec[i]))
		}
		e := Entry{Line: line}
		r := &e.Record
		r.User, r.Name, r.Token = get("user"), get("name"), get("token")
		var err1, err2, err3 error
		r.UserID, err1 = strconv.ParseInt(get("userid"), 10, 64)
		r.TokenID, err2 = strconv.ParseInt(get("tokenid"), 10, 64)
		r.Expiry, err3 = parseExpiry(get("expiry"))
		if err := errors.Join(err1, err2); err != nil {
			e.Err = fmt.Errorf("line %d: UserID and TokenID must be numbers", line)
			return e, nil
		}
		if err3 != nil {
			e.Err = fmt.Errorf("line %d: %w", line, err3)
			return e, nil
		}
		return check(e), nil
	}
}

// check refuses a record that names no user or token.
func check(e Entry) Entry {
	if e.Err == nil && (e.Record.UserID <= 0 || e.Record.TokenID <= 0) {
		e.Err = fmt.Errorf("line %d has no UserID or TokenID", e.Line)
	}
	return e
}

func parseExpiry(s string) (*time.Time, error) {
	switch strings.ToLower(s) {
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

// formatExpiry writes an expiry the way the output file does.
func formatExpiry(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
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
func completeSize(f *os.File, size int64) (int64, error) {
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

// isCSVPath reports whether a token file is CSV rather than JSON Lines, by
// the same rule as the bulk output.
func isCSVPath(path string) bool {
	return strings.EqualFold(strings.TrimSpace(path[max(0, len(path)-4):]), ".csv")
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
