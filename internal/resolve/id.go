package resolve

import (
	"strconv"
	"strings"
)

// ParseID reports whether s, surrounding space aside, is an ID: a TokenID
// or a UserID, which are positive decimal numbers. It is the one rule for
// telling an ID from a name or an email address wherever a user may give
// either.
func ParseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return id, err == nil && id > 0
}
