package safefile

import (
	"os"
)

// Create creates path exclusively, mode 0600, for a file that is written
// once and appended to. It fails if anything exists at path, a symbolic
// link included.
func Create(path string, flag int) (*os.File, error) {
	return os.OpenFile(path, flag|os.O_CREATE|os.O_EXCL|noFollow, 0o600) //nolint:gosec // a path the user names, created with O_EXCL and without following symlinks
}

// OpenExisting opens an existing file by the rules of Check and Open,
// refusing one that others can reach when private is set. It returns nil,
// nil when path does not exist.
func OpenExisting(path string, flag int, private bool) (*os.File, error) {
	fi, err := Check(path)
	if err != nil || fi == nil {
		return nil, err
	}
	if private {
		if err := CheckPrivate(path, fi); err != nil {
			return nil, err
		}
	}
	return Open(path, flag, fi)
}
