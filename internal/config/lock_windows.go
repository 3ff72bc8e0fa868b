//go:build windows

package config

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// Windows has no O_NOFOLLOW; openLockFile checks with Lstat first.
const noFollow = 0

// tryLock takes an exclusive LockFileEx lock on the first byte of f
// without blocking. Locks belong to the handle, so two goroutines with
// their own opens exclude each other as two processes do.
func tryLock(f *os.File) error {
	var ol windows.Overlapped
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return errLocked
	}
	return err
}

func unlock(f *os.File) error {
	var ol windows.Overlapped
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
}

func isSymlinkLoop(error) bool { return false }
