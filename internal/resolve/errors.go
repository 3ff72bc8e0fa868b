// Package resolve turns what users type (a UserID, an email address or a
// user name; a TokenID or an exact token name) into the server's records.
package resolve

import (
	"fmt"

	"github.com/axero-cli/axero/internal/textsafe"
)

// NotFoundError: nothing matches. Commands exit 4 on it.
type NotFoundError struct {
	What  string // "user" or "token"
	Input string
}

func (e *NotFoundError) Error() string {
	return textsafe.Terminal(fmt.Sprintf("no %s matches %q", e.What, e.Input))
}

// NotFound marks the error for the exit-code mapping.
func (e *NotFoundError) NotFound() bool { return true }

// AmbiguousError: several records match a name.
type AmbiguousError struct {
	What    string
	Input   string
	Matches []string // one short description per match
}

func (e *AmbiguousError) Error() string {
	msg := fmt.Sprintf("%q matches %d %ss: ", e.Input, len(e.Matches), e.What)
	for i, m := range e.Matches {
		if i > 0 {
			msg += "; "
		}
		msg += m
	}
	// The descriptions hold server text (names, emails): escape it.
	return textsafe.Terminal(msg + "; use the ID instead")
}
