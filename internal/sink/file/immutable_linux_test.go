package file

import (
	"os"

	"golang.org/x/sys/unix"
)

// fsImmutableFL is FS_IMMUTABLE_FL of linux/fs.h: no entry of the
// directory can be created, removed or renamed, even by root.
const fsImmutableFL = 0x10

// setImmutable sets or clears the immutable attribute (chattr +i) of dir.
func setImmutable(dir string, on bool) error {
	f, err := os.Open(dir) //nolint:gosec // the test's own directory
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	flags, err := unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
	if err != nil {
		return err
	}
	if on {
		flags |= fsImmutableFL
	} else {
		flags &^= fsImmutableFL
	}
	return unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(flags))
}
