//go:build !unix && !windows

package job

import "os"

// tryLock has no advisory lock to take on this platform (wasip1, js):
// nothing else can run there at the same time anyway.
func tryLock(*os.File) error { return nil }
