//go:build unix

package safefile

import (
	"io/fs"
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
