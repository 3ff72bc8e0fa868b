package resolve

import (
	"strings"
	"testing"
)

func TestErrorsEscapeServerText(t *testing.T) {
	for _, err := range []error{
		&AmbiguousError{What: "user", Input: "bob", Matches: []string{"1 bob\x1b]0;pwned\a", "2 bob\u009b2J"}},
		&NotFoundError{What: "token", Input: "x\x1b[2J"},
	} {
		msg := err.Error()
		if strings.ContainsAny(msg, "\x1b\a\u009b") {
			t.Errorf("raw control characters in %q", msg)
		}
	}
}
