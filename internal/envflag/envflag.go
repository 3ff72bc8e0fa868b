// Package envflag reads the on/off environment variables axero honours
// (AXERO_DEBUG, AXERO_FORCE_TTY, AXERO_NO_PROMPT), one way everywhere.
package envflag

import "strings"

// Truthy reports whether v turns a switch on: 1, true, yes or on, in any
// case, surrounding spaces ignored.
func Truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}
