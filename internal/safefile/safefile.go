// Package safefile opens and replaces files that hold secrets by the rules
// every such file in axero follows: a path may have been replaced by a
// symbolic link or a hard link to something else, so a file is never
// opened through a symlink, never anything but a regular file with one
// link, checked again after opening so that a swap between the check and
// the open is noticed, and replaced only atomically (a temporary file in
// the same directory, synced, renamed over the old one, the directory
// synced), keeping its owner and never loosening its mode. Files that are
// only ever appended to (a bulk run's output, journal, failed file and
// lock) are created exclusively with mode 0600 instead (append.go).
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// RefusedError is a path that is not written or read because it is not a
// plain private file of ours: a symbolic link, a directory or device, a
// file with other hard links, a file that others can read, a file that
// changed while it was being replaced.
type RefusedError struct {
	Path string
	Why  string
}

func (e *RefusedError) Error() string { return fmt.Sprintf("%s %s", e.Path, e.Why) }

// Usage marks the refusal as the caller's to fix: the path must change
// before axero can use it.
func (e *RefusedError) Usage() bool { return true }

// Check returns nil, nil when path does not exist, its FileInfo when it is
// a regular file with one link, and a *RefusedError for anything else. It
// never follows a symbolic link in the last element of path.
func Check(path string) (fs.FileInfo, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, Unwrap(err))
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, &RefusedError{Path: path, Why: "is a symbolic link; axero does not write through one"}
	case fi.IsDir():
		return nil, &RefusedError{Path: path, Why: "is a directory"}
	case !fi.Mode().IsRegular():
		return nil, &RefusedError{Path: path, Why: "is not a regular file"}
	case linkCount(fi) > 1:
		return nil, &RefusedError{Path: path, Why: "has other hard links; axero does not write a file shared with another name"}
	}
	return fi, nil
}

// CheckPrivate refuses a file that others may read or write: a secret put
// in it would be handed to them. Windows has no such mode bits.
func CheckPrivate(path string, fi fs.FileInfo) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return &RefusedError{Path: path, Why: fmt.Sprintf("has mode %04o, so other users can read what it holds; make it private first (chmod 600 %s)", perm, path)}
	}
	return nil
}

// Open opens path, which Check accepted as fi, without following a
// symbolic link, and makes sure that what was opened is what was checked.
func Open(path string, flag int, fi fs.FileInfo) (*os.File, error) {
	f, err := os.OpenFile(path, flag|noFollow, 0) //nolint:gosec // a path the user names, opened without following symlinks and checked to be the file Check saw
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, Unwrap(err))
	}
	got, err := f.Stat()
	if err != nil || !os.SameFile(fi, got) {
		_ = f.Close()
		return nil, &RefusedError{Path: path, Why: "was replaced while it was being opened"}
	}
	return f, nil
}

// ReadFile reads path by the rules of Check and Open. It returns nil, nil
// when path does not exist, and fails when the file is larger than limit
// bytes.
func ReadFile(path string, limit int64) ([]byte, fs.FileInfo, error) {
	fi, err := Check(path)
	if err != nil || fi == nil {
		return nil, nil, err
	}
	f, err := Open(path, os.O_RDONLY, fi)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read %s: %w", path, Unwrap(err))
	}
	if int64(len(data)) > limit {
		return nil, nil, &RefusedError{Path: path, Why: fmt.Sprintf("is larger than %d bytes", limit)}
	}
	return data, fi, nil
}

// Replace writes data to path atomically. old is what Check said of path
// before the caller decided what to write (nil: it did not exist); if path
// is not that file any more when the new one is about to be renamed over
// it, nothing is replaced and a *RefusedError says so, since data was
// computed from what was there. The new file gets mode perm, and, when
// old is a file of another owner, old's owner and group (which only a
// privileged process can give a file). The temporary file is created
// exclusively, so it is never a link planted in advance.
func Replace(path string, data []byte, perm fs.FileMode, old fs.FileInfo) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".axero-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, DirError(dir, err))
	}
	tmpName := tmp.Name()
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmpName) //nolint:gosec // the temporary file this function created next to its target
		}
	}()
	if err := checkTemp(tmp, tmpName); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; Chmod makes the requested mode
	// exact, whatever the umask.
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, Unwrap(err))
	}
	if old != nil {
		if err := keepOwner(tmp, old); err != nil {
			return fmt.Errorf("cannot write %s: it belongs to another user, and %w", path, err)
		}
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, Unwrap(err))
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, Unwrap(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, Unwrap(err))
	}
	now, err := Check(path)
	if err != nil {
		return err
	}
	if (now == nil) != (old == nil) || (now != nil && (!os.SameFile(now, old) || !now.ModTime().Equal(old.ModTime()) || now.Size() != old.Size())) {
		return &RefusedError{Path: path, Why: "changed while axero was writing its replacement; nothing was replaced, try again"}
	}
	// rename replaces a symbolic link planted at path since the check
	// rather than following it, so the secret never lands elsewhere.
	if err := os.Rename(tmpName, path); err != nil { //nolint:gosec // the temporary file this function created, renamed onto the caller's path
		return fmt.Errorf("cannot write %s: %w", path, Unwrap(err))
	}
	done = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("wrote %s but could not make it durable: %w", path, Unwrap(err))
	}
	return nil
}

// checkTemp makes sure the temporary file just created is the regular file
// at its name, not something swapped in between.
func checkTemp(f *os.File, name string) error {
	opened, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", name, Unwrap(err))
	}
	atName, err := os.Lstat(name)
	if err != nil || !atName.Mode().IsRegular() || !os.SameFile(opened, atName) {
		return &RefusedError{Path: name, Why: "was replaced right after axero created it"}
	}
	return nil
}

// DirError explains a failure to create a file in dir: a missing or
// read-only directory is the usual cause.
func DirError(dir string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("the directory %s does not exist", dir)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("the directory %s is not writable", dir)
	}
	return Unwrap(err)
}

// Unwrap drops the path from an *os.PathError, which the caller names
// already, leaving "permission denied" or "no such file or directory".
func Unwrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
