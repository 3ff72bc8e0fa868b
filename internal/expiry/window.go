package expiry

import (
	"strconv"
	"strings"
	"time"
)

// ParseWindow reads a span of time given on the command line, such as the
// D of --stale D or --expiring-within D: a positive whole number of
// minutes, hours, days, weeks or years (90m, 12h, 180d, 26w, 1y), the
// same units as an --expires duration. flag names the option in the
// error, which is an *Error (a usage error, exit 2).
//
// A window is a length, not an instant, so dates and "never" are refused;
// it is bounded by MaxAhead like an expiry, so that it fits a
// time.Duration with room to spare.
func ParseWindow(flag, s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	m := durationRE.FindStringSubmatch(strings.ToLower(in))
	if m == nil {
		return 0, errorf("invalid %s %q: give a duration such as 90m, 12h, 180d, 26w or 1y", flag, in)
	}
	unit := unitOf(m[2])
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n > int64(MaxAhead/unit) {
		return 0, errorf("invalid %s %q: the most is 100 years", flag, in)
	}
	if n <= 0 {
		return 0, errorf("invalid %s %q: the duration must be positive", flag, in)
	}
	return time.Duration(n) * unit, nil
}
