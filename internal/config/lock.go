package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/axero-cli/axero/internal/safefile"
)

// LockFileName is the lock file in the configuration directory. It is
// always empty: the lock is the advisory lock on it (flock on Unix,
// LockFileEx on Windows), never its content, so it never holds a secret.
const LockFileName = "config.lock"

// lockWait bounds how long a change waits for another axero process to
// finish its own; a change takes milliseconds, so a holder this slow is
// stuck, and saying so beats hanging.
var lockWait = 30 * time.Second

// lockPoll is the pause between two attempts to take the lock.
const lockPoll = 10 * time.Millisecond

// errLocked is what tryLock returns while another holder has the lock.
var errLocked = errors.New("locked")

// lockConfigDir takes the exclusive lock of dir's configuration, creating
// dir (0700) and the lock file (0600) if needed, and returns the function
// that releases it. The lock file is refused if it is a symbolic link.
func lockConfigDir(dir string) (func(), error) {
	if err := EnsureDir(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, LockFileName)
	f, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := tryLock(f)
		if err == nil {
			return func() {
				_ = unlock(f)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, errLocked) {
			_ = f.Close()
			return nil, fmt.Errorf("cannot lock %s: %w", path, safefile.Unwrap(err))
		}
		if time.Now().After(deadline) {
			_ = f.Close()
			return nil, fmt.Errorf("another axero process has held %s for over %s; try again when it is done", path, lockWait)
		}
		time.Sleep(lockPoll)
	}
}

// openLockFile opens (or creates, 0600) the lock file without following a
// symbolic link: a link planted there could make us create or lock a file
// elsewhere.
func openLockFile(path string) (*os.File, error) {
	if info, err := os.Lstat(path); err == nil && info.Mode()&os.ModeSymlink != 0 { //nolint:gosec // the lock file in the configuration directory, checked not to be a symlink
		return nil, fmt.Errorf("refusing to use %s: it is a symbolic link", path)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|noFollow, 0o600) //nolint:gosec // the lock file in the configuration directory, opened without following symlinks
	if err != nil {
		if isSymlinkLoop(err) {
			return nil, fmt.Errorf("refusing to use %s: it is a symbolic link", path)
		}
		return nil, fmt.Errorf("cannot open %s: %w", path, safefile.Unwrap(err))
	}
	if info, err := f.Stat(); err == nil && !info.Mode().IsRegular() {
		_ = f.Close()
		return nil, fmt.Errorf("refusing to use %s: it is not a regular file", path)
	}
	return f, nil
}
