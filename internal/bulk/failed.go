package bulk

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
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

// Write appends one failed row and flushes it to the file.
func (fw *FailedWriter) Write(fields []string, reason string) error {
	if fw.f == nil {
		f, err := os.OpenFile(fw.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("cannot create %s: %w", fw.path, unwrapPath(err))
		}
		fw.f, fw.w = f, csv.NewWriter(f)
		if err := fw.w.Write(fw.header); err != nil {
			return err
		}
	}
	rec := make([]string, len(fw.header))
	copy(rec, fields)
	rec[fw.reason] = reason
	if err := fw.w.Write(rec); err != nil {
		return err
	}
	fw.w.Flush()
	if err := fw.w.Error(); err != nil {
		return fmt.Errorf("writing %s: %w", fw.path, err)
	}
	fw.count++
	return nil
}

// Close closes the file. When no row failed, a failed file left by an
// earlier run of the same output is removed, so that it cannot be mistaken
// for this run's.
func (fw *FailedWriter) Close() error {
	if fw.f == nil {
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
