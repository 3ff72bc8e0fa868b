//go:build !unix

package safefile

import (
	"io/fs"
	"os"
)

// noFollow is not available: Lstat before the open and the SameFile check
// after it stand in for it.
const noFollow = 0

func linkCount(fs.FileInfo) uint64 { return 1 }

// Owner is not known on this platform.
func Owner(fs.FileInfo) (uid, gid int, ok bool) { return 0, 0, false }

func keepOwner(*os.File, fs.FileInfo) error { return nil }

// syncDir: not every platform can sync a directory (Windows cannot).
func syncDir(string) error { return nil }
