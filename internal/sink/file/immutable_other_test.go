//go:build !linux

package file

import "errors"

// setImmutable: only Linux's chattr +i is used to make a directory that
// refuses root.
func setImmutable(string, bool) error {
	return errors.New("no immutable attribute on this platform")
}
