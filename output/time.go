package output

import (
	"time"

	"github.com/axero-cli/axero/internal/timefmt"
)

// FormatTime shows t relative to now on a terminal ("3 days ago") and as
// RFC 3339 UTC when piped, so that scripts can parse it. A zero time is "".
func FormatTime(t time.Time, tty bool, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	if tty {
		return timefmt.Relative(t, now)
	}
	return t.UTC().Format(time.RFC3339)
}

// FormatExpiry describes an expiry: "never", "in 29 days" or "expired 3
// days ago" on a terminal; RFC 3339 UTC or "never" when piped.
func FormatExpiry(t *time.Time, tty bool, now time.Time) string {
	if t == nil || t.IsZero() {
		return "never"
	}
	if tty {
		return timefmt.Expiry(t, now)
	}
	return t.UTC().Format(time.RFC3339)
}
