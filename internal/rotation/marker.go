package rotation

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/axero-cli/axero/internal/resolve"
)

// The superseded marker: with --grace the old token is not revoked but
// renamed to "NAME (superseded; revoke after 2026-12-09T10:00Z)", so that
// `token revoke --superseded` revokes it once that time has passed, with
// no daemon. Mark and ParseMark are the one place that knows its form.

// markLayout is RFC 3339 in UTC, to the minute.
const markLayout = "2006-01-02T15:04Z"

const (
	markPrefix = " (superseded; revoke after "
	markSuffix = ")"
)

var markPattern = regexp.MustCompile(`(?s)^(.*) \(superseded; revoke after (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z)\)$`)

// Mark is name with the superseded marker for the time after, rounded up
// to the minute (never earlier than asked). name is cut, at a character
// boundary and without trailing spaces, so that the whole stays within
// the server's limit on names.
func Mark(name string, after time.Time) string {
	after = after.UTC()
	if t := after.Truncate(time.Minute); !t.Equal(after) {
		after = t.Add(time.Minute)
	}
	suffix := markPrefix + after.Format(markLayout) + markSuffix
	room := resolve.MaxNameLength - utf8.RuneCountInString(suffix)
	name = strings.TrimSpace(name)
	if base, _, ok := ParseMark(name); ok {
		name = base // a superseded token superseded again keeps one marker
	}
	if r := []rune(name); len(r) > room {
		name = strings.TrimRight(string(r[:room]), " ")
	}
	return name + suffix
}

// ParseMark takes a marked name apart: the name before the marker and the
// time after which the token may be revoked. ok is false for a name
// without a valid marker.
func ParseMark(name string) (base string, after time.Time, ok bool) {
	m := markPattern.FindStringSubmatch(name)
	if m == nil {
		return "", time.Time{}, false
	}
	t, err := time.Parse(markLayout, m[2])
	if err != nil {
		return "", time.Time{}, false
	}
	return m[1], t, true
}

// Due reports whether name carries a superseded marker whose time has
// passed at now.
func Due(name string, now time.Time) bool {
	_, after, ok := ParseMark(name)
	return ok && !now.Before(after)
}
