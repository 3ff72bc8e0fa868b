//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package config

import (
	"os"
	"sync"
)

// On platforms without flock or LockFileEx (none that axero ships for),
// changes are serialised within the process only.
const noFollow = 0

var processLock sync.Mutex

func tryLock(*os.File) error {
	if processLock.TryLock() {
		return nil
	}
	return errLocked
}

func unlock(*os.File) error { processLock.Unlock(); return nil }

func isSymlinkLoop(error) bool { return false }
