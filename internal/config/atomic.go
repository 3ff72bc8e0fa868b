package config

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/axero-cli/axero/internal/safefile"
)

// WriteFileAtomic writes data to path through a temporary file in the same
// directory and a rename, with mode perm. Readers see the old content or the
// new, never a mix, and a crash leaves at most a stray temporary file. The
// data is synced before the rename so that a power cut cannot leave an
// empty file under the final name.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, dirError(dir, err))
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmpName) //nolint:gosec // the temporary file this function created next to its target
		}
	}()
	// CreateTemp makes the file 0600; Chmod makes any other requested mode
	// exact, whatever the umask.
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, safefile.Unwrap(err))
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, safefile.Unwrap(err))
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, safefile.Unwrap(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, safefile.Unwrap(err))
	}
	if err := os.Rename(tmpName, path); err != nil { //nolint:gosec // the temporary file this function created, renamed onto the caller's path
		return fmt.Errorf("cannot write %s: %w", path, safefile.Unwrap(err))
	}
	ok = true
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable. Not every platform can sync a directory
// (Windows cannot), so failures are ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil { //nolint:gosec // the directory of a file just written, opened only to fsync it
		_ = d.Sync()
		_ = d.Close()
	}
}

// dirError explains a failure to create a file in dir: a missing or
// read-only directory is the usual cause.
func dirError(dir string, err error) error {
	if os.IsNotExist(err) {
		return fmt.Errorf("the directory %s does not exist", dir)
	}
	if os.IsPermission(err) {
		return fmt.Errorf("the directory %s is not writable", dir)
	}
	return safefile.Unwrap(err)
}
