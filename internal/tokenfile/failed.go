package tokenfile

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/axero-cli/axero/internal/safefile"
)

// FailedFile is where a bulk run writes the rows it could not finish:
// the input's columns plus a reason, every cell neutralised for
// spreadsheets (and read back exactly by the readers above), mode 0600,
// so that the file can be fixed up and fed straight back as --from.
//
// It is created on the first failure. A failed file of an earlier run is
// replaced, not truncated: it is unlinked and a new one created
// exclusively, so that neither a symbolic link nor a hard link planted at
// the path gets another file overwritten, and an input being re-run from
// this very file keeps reading what it held. When no row fails, an
// earlier run's failed file is removed, so that it cannot be mistaken for
// this run's. Anything at the path that is not a failed file of axero is
// refused before the run starts.
type FailedFile struct {
	path   string
	header []string // with the reason column
	reason int      // its index
	f      *os.File
	w      *CSVWriter
	count  int
}

// NewFailedFile checks that path may hold the failed rows of input with
// the given header, before anything is done; nothing is created yet. An
// input that already has a reason column (a failed file being re-run)
// keeps it in place.
func NewFailedFile(path string, inputHeader []string) (*FailedFile, error) {
	if err := CheckFailedPath(path); err != nil {
		return nil, err
	}
	h := append([]string(nil), inputHeader...)
	reason := -1
	for i, c := range h {
		if strings.EqualFold(c, ColReason) {
			reason = i
		}
	}
	if reason < 0 {
		h = append(h, ColReason)
		reason = len(h) - 1
	}
	return &FailedFile{path: path, header: h, reason: reason}, nil
}

// CheckFailedPath refuses a path that is not free or a failed file of
// axero: a symbolic link, not a regular file, one with other hard links,
// or a file whose header has no reason column.
func CheckFailedPath(path string) error {
	fi, err := safefile.Check(path)
	if err != nil || fi == nil {
		return err
	}
	f, err := safefile.Open(path, os.O_RDONLY, fi)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	line, _ := bufio.NewReaderSize(f, 4096).ReadString('\n')
	h, _ := csv.NewReader(strings.NewReader(strings.TrimPrefix(line, string(utf8BOM)))).Read()
	for _, c := range h {
		if strings.EqualFold(strings.TrimSpace(c), ColReason) {
			return nil
		}
	}
	return &safefile.RefusedError{Path: "the failed file " + path, Why: "is not a failed file of axero (it has no reason column); move it away first"}
}

// Path is where failed rows go.
func (fw *FailedFile) Path() string { return fw.path }

// Count is the number of rows written.
func (fw *FailedFile) Count() int { return fw.count }

// Write appends one failed row, its fields in the header's order, and
// flushes it to the file.
func (fw *FailedFile) Write(fields []string, reason string) error {
	if fw.f == nil {
		if err := fw.create(); err != nil {
			return err
		}
	}
	rec := make([]string, len(fw.header))
	copy(rec, fields)
	rec[fw.reason] = reason
	if err := errors.Join(fw.w.Row(rec...), fw.w.Flush()); err != nil {
		return fmt.Errorf("writing %s: %w", fw.path, err)
	}
	fw.count++
	return nil
}

func (fw *FailedFile) create() error {
	if err := CheckFailedPath(fw.path); err != nil {
		return err
	}
	if err := os.Remove(fw.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cannot replace %s: %w", fw.path, safefile.Unwrap(err))
	}
	f, err := safefile.Create(fw.path, os.O_WRONLY)
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", fw.path, safefile.Unwrap(err))
	}
	w, err := NewCSVWriter(f, fw.header...)
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("writing %s: %w", fw.path, err)
	}
	fw.f, fw.w = f, w
	return nil
}

// Close closes the file. When no row failed, a failed file left by an
// earlier run is removed.
func (fw *FailedFile) Close() error {
	if fw.f == nil {
		if CheckFailedPath(fw.path) != nil {
			return nil // nothing of ours there
		}
		if err := os.Remove(fw.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	return errors.Join(fw.f.Sync(), fw.f.Close())
}
