// Package timefmt formats times and durations for people: "in 29 days",
// "3 hours ago", "expired 3 days ago".
package timefmt

import (
	"math"
	"time"
)

const (
	day   = 24 * time.Hour
	month = 30 * day
	year  = 365 * day
)

// Duration says d in its largest sensible unit, rounded to the nearest:
// "45 seconds", "3 hours", "30 days", "3 months", "2 years". Rounding (not
// truncating) matters: a token minted for 30 days a second ago expires "in
// 30 days", not "in 29 days", and a 90-day one "in 3 months", not 2.
func Duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	round := func(unit time.Duration) int64 { return int64(math.Round(float64(d) / float64(unit))) }
	// Each unit takes over where the smaller one would round to its size,
	// so that no value reads as "60 minutes" or "12 months".
	switch {
	case d < time.Minute-time.Second/2:
		return plural(round(time.Second), "second")
	case d < time.Hour-time.Minute/2:
		return plural(round(time.Minute), "minute")
	case d < 48*time.Hour-time.Hour/2:
		return plural(round(time.Hour), "hour")
	case d < 60*day-day/2:
		return plural(round(day), "day")
	case d < year-month/2:
		return plural(round(month), "month")
	}
	return plural(round(year), "year")
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
