// Package safefile opens the files of a bulk run by rules that hold
// whatever was planted at their paths. The output, the journal, the
// failed file and the lock hold tokens or say which tokens exist, and
// each path may have been replaced by a symbolic link or a hard link to
// something else: they are never opened through a symlink, never anything
// but a regular file, new files are created exclusively with mode 0600,
// and an existing file is checked again after opening, so that a swap
// between the check and the open is noticed.
package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
)

// NotOursError is a path that a run will not write: a symbolic link,
// something that is not a regular file, or a file that others can read.
type NotOursError struct {
	What string // "--out out.jsonl", "the journal out.jsonl.journal"
	Why  string
}

func (e *NotOursError) Error() string { return fmt.Sprintf("%s %s", e.What, e.Why) }

// Usage marks the error as the caller's to fix: nothing was sent.
func (e *NotOursError) Usage() bool { return true }

// WithoutPath drops the path from an *os.PathError, which the caller
// names already, leaving "permission denied" or "no such file or
// directory".
func WithoutPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Check returns nil when path does not exist, its FileInfo when it is a
// regular file with one link, and an error for anything else. what names
// the path in messages.
func Check(path, what string) (fs.FileInfo, error) {
	fi, err := os.Lstat(path) //nolint:gosec // a path the user names, checked here before it is opened
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, WithoutPath(err))
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, &NotOursError{What: what, Why: "is a symbolic link; axero does not write through one"}
	case !fi.Mode().IsRegular():
		return nil, &NotOursError{What: what, Why: "is not a regular file"}
	case linkCount(fi) > 1:
		return nil, &NotOursError{What: what, Why: "has other hard links; axero does not write a file shared with another name"}
	}
	return fi, nil
}

// CheckPrivate refuses a file that others may read or write: appending
// tokens to it would hand them over. Windows has no such mode bits.
func CheckPrivate(fi fs.FileInfo, what string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return &NotOursError{What: what, Why: fmt.Sprintf("has mode %04o, so others can reach it; make it private first (chmod 600)", perm)}
	}
	return nil
}

// Create creates path exclusively, mode 0600. It fails if anything exists
// at path, a symbolic link included.
func Create(path string, flag int) (*os.File, error) {
	return os.OpenFile(path, flag|os.O_CREATE|os.O_EXCL|noFollow, 0o600) //nolint:gosec // a path the user names, created with O_EXCL and without following symlinks
}

// OpenChecked opens a file that Check accepted as fi, refusing a symbolic
// link, and makes sure that what was opened is what was checked.
func OpenChecked(path, what string, flag int, fi fs.FileInfo) (*os.File, error) {
	f, err := os.OpenFile(path, flag|noFollow, 0) //nolint:gosec // a path the user names, opened without following symlinks and checked to be ours
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, WithoutPath(err))
	}
	got, err := f.Stat()
	if err != nil || !os.SameFile(fi, got) {
		_ = f.Close()
		return nil, &NotOursError{What: what, Why: "was replaced while it was being opened"}
	}
	return f, nil
}

// Open opens an existing file by the rules above: a regular file, not a
// symlink, private when private is set. It returns nil, nil when path
// does not exist.
func Open(path, what string, flag int, private bool) (*os.File, error) {
	fi, err := Check(path, what)
	if err != nil || fi == nil {
		return nil, err
	}
	if private {
		if err := CheckPrivate(fi, what); err != nil {
			return nil, err
		}
	}
	return OpenChecked(path, what, flag, fi)
}
