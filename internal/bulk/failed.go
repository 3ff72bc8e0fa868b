package bulk

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"

	"github.com/axero-cli/axero/internal/textsafe"
)

// FailedWriter writes the rows that failed to <out>.failed.csv: the
// input's columns plus a reason, so that the file can be fixed up and fed
// straight back as --from. The file is created on the first failure.
type FailedWriter struct {
	path   string
	header []string // the input's header, with reason last
	reason int      // index of the reason column
	f      *os.File
	w      *csv.Writer
	count  int
}

// NewFailedWriter prepares the failed file for an input with the given
// header. An input that already has a reason column (a failed file being
// re-run) keeps it in place and gets it overwritten.
func NewFailedWriter(path string, inputHeader []string) *FailedWriter {
	h := append([]string(nil), inputHeader...)
	reason := -1
	for i, c := range h {
		if c == ColReason {
			reason = i
		}
	}
	if reason < 0 {
		h = append(h, ColReason)
		reason = len(h) - 1
	}
	return &FailedWriter{path: path, header: h, reason: reason}
}

// Path is where failed rows go.
func (fw *FailedWriter) Path() string { return fw.path }

// Count is the number of rows written.
func (fw *FailedWriter) Count() int { return fw.count }

// Write appends one failed row and flushes it to the file. Every cell goes
// through textsafe.CSVCell, which Input undoes, so that the file is safe to
// open in a spreadsheet and still reads back as the rows that failed.
//
// The file of an earlier run is replaced, not truncated: it is unlinked
// and a new one created exclusively, so that neither a symbolic link nor a
// hard link planted at the path gets another file overwritten, and an
// input being re-run from this very file keeps reading what it held.
func (fw *FailedWriter) Write(fields []string, reason string) error {
	if fw.f == nil {
		if err := fw.create(); err != nil {
			return err
		}
		if err := fw.w.Write(textsafe.CSVRow(append([]string(nil), fw.header...))); err != nil {
			return err
		}
	}
	rec := make([]string, len(fw.header))
	copy(rec, fields)
	rec[fw.reason] = reason
	if err := fw.w.Write(textsafe.CSVRow(rec)); err != nil {
		return err
	}
	fw.w.Flush()
	if err := fw.w.Error(); err != nil {
		return fmt.Errorf("writing %s: %w", fw.path, err)
	}
	fw.count++
	return nil
}

func (fw *FailedWriter) create() error {
	what := "the failed file " + fw.path
	fi, err := checkExisting(fw.path, what)
	if err != nil {
		return err
	}
	if fi != nil {
		if err := os.Remove(fw.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cannot replace %s: %w", fw.path, unwrapPath(err))
		}
	}
	f, err := createPrivate(fw.path, os.O_WRONLY)
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", fw.path, unwrapPath(err))
	}
	fw.f, fw.w = f, csv.NewWriter(f)
	return nil
}

// Close closes the file. When no row failed, a failed file left by an
// earlier run of the same output is removed, so that it cannot be mistaken
// for this run's; anything but a regular file there is left alone.
func (fw *FailedWriter) Close() error {
	if fw.f == nil {
		fi, err := checkExisting(fw.path, "the failed file "+fw.path)
		if err != nil || fi == nil {
			return nil
		}
		if err := os.Remove(fw.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	return errors.Join(fw.f.Sync(), fw.f.Close())
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
