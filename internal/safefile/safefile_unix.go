//go:build unix

package safefile

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// noFollow makes an open fail on a symbolic link in the last element.
const noFollow = syscall.O_NOFOLLOW

func linkCount(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// Owner is the user and group that own fi.
func Owner(fi fs.FileInfo) (uid, gid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}

// keepOwner gives f the owner and group of old when they are not the
// process's own, as a root process editing a user's file must.
func keepOwner(f *os.File, old fs.FileInfo) error {
	uid, gid, ok := Owner(old)
	if !ok {
		return nil
	}
	mine, err := f.Stat()
	if err != nil {
		return err
	}
	if muid, mgid, _ := Owner(mine); muid == uid && mgid == gid {
		return nil
	}
	if err := f.Chown(uid, gid); err != nil {
		return fmt.Errorf("its owner (uid %d, gid %d) cannot be kept: %w", uid, gid, Unwrap(err))
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir) //nolint:gosec // the directory of a file just written, opened only to fsync it
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }()
	return d.Sync()
}
