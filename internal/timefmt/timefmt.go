// Package timefmt formats times and durations for people: "in 29 days",
// "3 hours ago", "expired 3 days ago".
package timefmt

import (
	"time"
)

// Duration rounds d to its largest sensible unit: "45 seconds", "3 hours",
// "29 days", "2 years".
func Duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return plural(int64(d/time.Second), "second")
	case d < time.Hour:
		return plural(int64(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int64(d/time.Hour), "hour")
	case d < 60*24*time.Hour:
		return plural(int64(d/(24*time.Hour)), "day")
	case d < 365*24*time.Hour:
		return plural(int64(d/(30*24*time.Hour)), "month")
	}
	return plural(int64(d/(365*24*time.Hour)), "year")
}

// Relative says when t is relative to now: "in 29 days" or "3 days ago".
func Relative(t, now time.Time) string {
	if t.After(now) {
		return "in " + Duration(t.Sub(now))
	}
	return Duration(now.Sub(t)) + " ago"
}

// Expiry describes an expiry date: "never", "in 29 days", "expired 3 days ago".
func Expiry(t *time.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return "never"
	}
	if t.After(now) {
		return "in " + Duration(t.Sub(now))
	}
	return "expired " + Duration(now.Sub(*t)) + " ago"
}
