package config

import "fmt"

// MaxProfileNameLen is the longest profile name accepted.
const MaxProfileNameLen = 64

// ValidateProfileName accepts 1 to 64 letters, digits, '.', '_' and '-',
// starting with a letter or digit. Profile names become file names (the
// token file of login --insecure-storage), so nothing else is allowed: no
// path separators, and no "." or "..".
func ValidateProfileName(name string) error {
	if name == "" {
		return fmt.Errorf("the profile name is empty")
	}
	if len(name) > MaxProfileNameLen {
		return fmt.Errorf("invalid profile name: longer than %d characters", MaxProfileNameLen)
	}
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case i > 0 && (r == '.' || r == '_' || r == '-'):
		default:
			return fmt.Errorf("invalid profile name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", name)
		}
	}
	return nil
}
