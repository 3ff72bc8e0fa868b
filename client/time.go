package client

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Time is a timestamp as Axero writes it: RFC 3339 in UTC, an offset with no
// colon (+0000), or the legacy /Date(1714558830000)/ form. It marshals as
// RFC 3339 UTC.
type Time struct{ time.Time }

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
}

// ParseTime reads any of the forms Axero uses.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "/Date(") && strings.HasSuffix(s, ")/") {
		inner := strings.TrimSuffix(strings.TrimPrefix(s, "/Date("), ")/")
		// The legacy form may carry an offset after the milliseconds
		// (/Date(1714558830000+0000)/); the milliseconds are UTC either way.
		// The search starts after the first byte, which may be the
		// milliseconds' own sign; an empty inner part has nothing to cut.
		if len(inner) > 1 {
			if i := strings.IndexAny(inner[1:], "+-"); i >= 0 {
				inner = inner[:i+1]
			}
		}
		ms, err := strconv.ParseInt(inner, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("invalid legacy date %q", s)
		}
		return inRange(s, time.UnixMilli(ms).UTC())
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return inRange(s, t.UTC())
		}
	}
	return time.Time{}, fmt.Errorf("invalid time %q", s)
}

// inRange refuses an instant whose UTC year has no four digits: RFC 3339
// cannot write it, so the CLI could not print it, store it or read back
// what it wrote (a huge /Date(ms)/, or 9999-12-31T23:59:59-01:00).
func inRange(s string, t time.Time) (time.Time, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return time.Time{}, fmt.Errorf("invalid time %q: outside the years 0000 to 9999", s)
	}
	return t, nil
}

// UnmarshalJSON accepts a JSON string in any supported form, or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("invalid time %s", b)
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	parsed, err := ParseTime(s)
	if err != nil {
		return err
	}
	t.Time = parsed
	return nil
}

// MarshalJSON writes RFC 3339 UTC.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(strconv.Quote(t.UTC().Format(time.RFC3339))), nil
}
