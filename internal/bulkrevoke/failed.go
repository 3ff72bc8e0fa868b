package bulkrevoke

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/axero-cli/axero/internal/textsafe"
)

// ColReason is the column a failed file adds: why the row failed.
const ColReason = "reason"

// DefaultFailedPath is where the failed rows of input go: beside it,
// named input.failed.csv, or the input itself when it already is a failed
// file (a re-run refines it).
func DefaultFailedPath(input string) string {
	if strings.HasSuffix(strings.ToLower(input), ".failed.csv") {
		return input
	}
	return input + ".failed.csv"
}

// failedWriter collects failed rows in a new temporary file beside the
// target (mode 0600, created exclusively, so no symlink is followed) and
// moves it into place at the end. A rename replaces a symlink rather than
// writing through it, and the file it replaces was checked to be a failed
// file of this command, so nobody else's file is ever overwritten. Input
// in CSV keeps its columns (plus reason), so the failed file can be fed
// back as --from; JSON input gives TokenID,UserID,reason.
type failedWriter struct {
	path      string
	header    []string
	reason    int // index of the reason column
	secretCol int // a column holding token values, blanked; -1 for none
	replace   bool
	tmp       *os.File
	w         *csv.Writer
	count     int
}

// newFailedWriter checks that path may be written and prepares the file.
// Nothing is created until the first failure.
func newFailedWriter(path string, in *Reader) (*failedWriter, error) {
	fw := &failedWriter{path: path, secretCol: -1}
	if in.Format() == FormatCSV {
		fw.header = append([]string(nil), in.Header()...)
		fw.reason = -1
		for i, c := range fw.header {
			if strings.EqualFold(c, ColReason) {
				fw.reason = i
			}
		}
		if fw.reason < 0 {
			fw.header = append(fw.header, ColReason)
			fw.reason = len(fw.header) - 1
		}
		fw.secretCol = in.secretCol
	} else {
		fw.header = []string{"TokenID", "UserID", ColReason}
		fw.reason = 2
	}
	replace, err := checkReplaceable(path)
	if err != nil {
		return nil, err
	}
	fw.replace = replace
	return fw, nil
}

// checkReplaceable reports whether a failed file is already at path; it
// refuses anything but a regular file whose header has TokenID and reason
// columns (a failed file of this command).
func checkReplaceable(path string) (bool, error) {
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("the failed file %s: %w", path, unwrapPath(err))
	}
	refuse := fmt.Errorf("refusing to replace %s: it is not a failed file of token revoke; move it away or choose another failed file", path)
	if !info.Mode().IsRegular() {
		return false, refuse
	}
	f, err := os.Open(path) //nolint:gosec // the failed-rows file of the user's own run
	if err != nil {
		return false, fmt.Errorf("the failed file %s: %w", path, unwrapPath(err))
	}
	defer func() { _ = f.Close() }()
	line, _ := bufio.NewReaderSize(f, 4096).ReadString('\n')
	h, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil {
		return false, refuse
	}
	var hasToken, hasReason bool
	for _, c := range h {
		c = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")))
		hasToken = hasToken || c == "tokenid"
		hasReason = hasReason || c == ColReason
	}
	if !hasToken || !hasReason {
		return false, refuse
	}
	return true, nil
}

// write records one failed item.
func (fw *failedWriter) write(it Item, reason string) error {
	if fw.tmp == nil {
		dir, base := filepath.Split(fw.path)
		if dir == "" {
			dir = "."
		}
		f, err := os.CreateTemp(dir, "."+base+".tmp-*")
		if err != nil {
			return fmt.Errorf("cannot create the failed file %s: %w", fw.path, unwrapPath(err))
		}
		fw.tmp, fw.w = f, csv.NewWriter(f)
		if err := fw.w.Write(fw.header); err != nil {
			return err
		}
	}
	rec := make([]string, len(fw.header))
	if it.Fields != nil {
		copy(rec, it.Fields)
		if fw.secretCol >= 0 && fw.secretCol < len(rec) {
			rec[fw.secretCol] = "" // revoking needs no secret: keep it out of one more file
		}
	} else {
		rec[0] = idText(it.TokenID)
		rec[1] = idText(it.UserID)
	}
	rec[fw.reason] = textsafe.CSVCell(reason)
	if err := fw.w.Write(rec); err != nil {
		return err
	}
	fw.w.Flush()
	if err := fw.w.Error(); err != nil {
		return fmt.Errorf("writing the failed file: %w", err)
	}
	fw.count++
	return nil
}

// close moves the failed rows into place. Without failures it removes a
// failed file of an earlier run, which no longer says anything true.
func (fw *failedWriter) close() error {
	if fw.tmp == nil {
		if fw.replace {
			if err := os.Remove(fw.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		return nil
	}
	tmp := fw.tmp.Name()
	if err := errors.Join(fw.tmp.Sync(), fw.tmp.Close()); err != nil {
		return fmt.Errorf("writing the failed file: %w", err)
	}
	// Check again: a file may have appeared since the start.
	if _, err := checkReplaceable(fw.path); err != nil {
		return fmt.Errorf("%w (the failed rows are in %s)", err, tmp)
	}
	if err := os.Rename(tmp, fw.path); err != nil {
		return fmt.Errorf("cannot move the failed rows to %s: %w (they are in %s)", fw.path, unwrapPath(err), tmp)
	}
	return nil
}

// discard removes the temporary file (a run that failed before it began).
func (fw *failedWriter) discard() {
	if fw.tmp != nil {
		_ = fw.tmp.Close()
		_ = os.Remove(fw.tmp.Name())
	}
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}
