package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/axero-cli/axero/internal/safefile"
)

// ExistsError says that a secret file was not written because a file is
// already there. errors.Is(err, fs.ErrExist) holds.
type ExistsError struct{ Path string }

func (e *ExistsError) Error() string {
	return e.Path + " exists; refusing to overwrite it (use --force)"
}

func (e *ExistsError) Is(target error) bool { return target == fs.ErrExist }

// CreateSecretFile writes data, which holds a secret, to a new file at path
// with mode 0600. Without force it never touches an existing file; with
// force it replaces one atomically, so that the old content survives any
// failure. (--out FILE)
func CreateSecretFile(path string, data []byte, force bool) error {
	if force {
		if info, err := os.Stat(path); err == nil && info.IsDir() {
			return fmt.Errorf("%s is a directory", path)
		}
		return WriteFileAtomic(path, data, 0o600)
	}
	f, err := OpenNewSecretFile(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return fmt.Errorf("cannot write %s: %w", path, safefile.Unwrap(err))
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return fmt.Errorf("cannot write %s: %w", path, safefile.Unwrap(err))
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("cannot write %s: %w", path, safefile.Unwrap(err))
	}
	return nil
}

// OpenNewSecretFile creates path for writing with mode 0600 and fails with
// an *ExistsError if anything is already there (a file, or a symlink that an
// attacker could point elsewhere). Writers that stream records use it and
// Sync after each one.
func OpenNewSecretFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // the --out file the user names, created with O_EXCL so nothing existing is followed or replaced
	if errors.Is(err, fs.ErrExist) {
		return nil, &ExistsError{Path: path}
	}
	if err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", path, dirError(filepath.Dir(path), err))
	}
	// The umask can only remove bits from 0600, but make it exact anyway so
	// that the file is always readable and writable by its owner.
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("cannot create %s: %w", path, safefile.Unwrap(err))
	}
	return f, nil
}
