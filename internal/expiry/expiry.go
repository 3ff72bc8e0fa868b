// Package expiry reads the --expires value of the token commands and checks
// it against the site's policy before anything is minted, so that a user
// learns the limit from the CLI instead of from a 400.
//
// An expiry is sent as a whole number of minutes (ExpiresInMinutes), so it
// must lie in the future and at most MaxAhead (100 years) away: anything
// else is refused, never clamped, and every refusal is an *Error, whose
// Usage method marks it as a usage error (exit 2).
package expiry

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/timefmt"

	"github.com/axero-cli/axero/internal/usage"
)

// MaxAhead is the furthest expiry accepted: 100 years of 365.25 days. Its
// minutes (52,596,000) fit an int32, so any server stores them exactly,
// and no real site needs more; "never" exists for that.
const MaxAhead = 36525 * 24 * time.Hour

// errorf refuses an expiry: a value that does not parse, lies in the
// past, is too far ahead, or is beyond the site's policy. It is a usage
// error: the value the user gave is wrong.
func errorf(format string, args ...any) error { return usage.Errorf(format, args...) }

// Spec is a parsed --expires value: the server's default, never, or an
// instant.
type Spec struct {
	Default bool      // no --expires: the server's DefaultExpirationMinutes
	Never   bool      // never expires
	At      time.Time // the expiry instant, when neither Default nor Never
	input   string
}

// Examples are the forms shown in help and offered by completion.
var Examples = []string{"90m", "12h", "30d", "26w", "1y", "2027-01-31", "2027-01-31T17:00:00Z", "never"}

// Help describes the accepted forms in one sentence, for flag usage.
const Help = "expiry: a duration (90m, 12h, 30d, 26w, 1y), a date (2027-01-31, the end of that day UTC), an RFC 3339 time, or never"

var durationRE = regexp.MustCompile(`^(\d+)\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?|y|years?)$`)

// Parse reads s relative to now. An empty s is the server's default. An
// instant that is not in the future, or is more than MaxAhead away, is
// refused here, before any request.
func Parse(s string, now time.Time) (Spec, error) {
	in := strings.TrimSpace(s)
	lower := strings.ToLower(in)
	switch lower {
	case "":
		return Spec{Default: true}, nil
	case "never", "none", "unlimited":
		return Spec{Never: true, input: in}, nil
	}
	if m := durationRE.FindStringSubmatch(lower); m != nil {
		return parseDuration(in, m[1], m[2], now)
	}
	if t, err := time.Parse("2006-01-02", in); err == nil {
		// A bare date means the end of that day in UTC: "valid through
		// 2027-01-31" is what people mean when they type it.
		return instant(in, t.Add(24*time.Hour-time.Second), now)
	}
	if t, err := client.ParseTime(in); err == nil && strings.ContainsAny(in, "T") {
		return instant(in, t, now)
	}
	if strings.HasPrefix(in, "-") {
		return Spec{}, errorf("invalid expiry %q: it must lie in the future", in)
	}
	return Spec{}, errorf("invalid expiry %q: use a duration (90m, 12h, 30d, 26w, 1y), a date (2027-01-31), an RFC 3339 time, or never", in)
}

// unitOf is the length of a duration unit that durationRE matched: its
// first letter tells (m, h, d, w, y; a year is 365 days).
func unitOf(name string) time.Duration {
	switch name[0] {
	case 'h':
		return time.Hour
	case 'd':
		return 24 * time.Hour
	case 'w':
		return 7 * 24 * time.Hour
	case 'y':
		return 365 * 24 * time.Hour
	}
	return time.Minute
}

// parseDuration reads "<digits><unit>". A count too large for any integer
// is "too far in the future", not "must be positive".
func parseDuration(in, digits, unitName string, now time.Time) (Spec, error) {
	unit := unitOf(unitName)
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > int64(MaxAhead/unit) {
		return Spec{}, tooFar(in)
	}
	if n <= 0 {
		return Spec{}, errorf("invalid expiry %q: the duration must be positive", in)
	}
	return Spec{At: now.Add(time.Duration(n) * unit).UTC(), input: in}, nil
}

// instant checks a date or time against now.
func instant(in string, t, now time.Time) (Spec, error) {
	t = t.UTC()
	if !t.After(now) {
		return Spec{}, errorf("invalid expiry %s: it lies in the past", t.Format(time.RFC3339))
	}
	if t.Sub(now) > MaxAhead {
		return Spec{}, tooFar(in)
	}
	return Spec{At: t, input: in}, nil
}

func tooFar(in string) error {
	return errorf("invalid expiry %q: too far in the future; the most is 100 years, or never", in)
}

// String is how the expiry reads back to the user.
func (s Spec) String() string {
	switch {
	case s.Default:
		return "the server's default"
	case s.Never:
		return "never"
	}
	return s.At.UTC().Format(time.RFC3339)
}

// Minutes is the ExpiresInMinutes to send: nil for the server's default,
// 0 for never, else the minutes from now to the expiry (to the nearest).
// It refuses, naming the limit, anything the policy would refuse.
func (s Spec) Minutes(now time.Time, p *client.Policy) (*int64, error) {
	if s.Default {
		return nil, nil
	}
	if s.Never {
		if p != nil && !p.AllowNoExpiration {
			return nil, errorf("the site's policy does not allow tokens that never expire (maximum %s)", describeMax(p))
		}
		zero := int64(0)
		return &zero, nil
	}
	d := s.At.Sub(now)
	if d <= 0 {
		return nil, errorf("invalid expiry %s: it lies in the past", s.At.UTC().Format(time.RFC3339))
	}
	if d > MaxAhead {
		// Sub saturates far out: refuse rather than send a wrong count.
		return nil, tooFar(s.describe())
	}
	// Nearest minute: "30d" parsed a moment ago is still 43200 minutes, and
	// a date's end of day does not spill into the next day.
	minutes := int64(math.Round(d.Minutes()))
	if minutes < 1 {
		minutes = 1
	}
	if p != nil && p.MaxExpirationMinutes > 0 && minutes > p.MaxExpirationMinutes {
		// A duration typed as "1y" or "52w" that overshoots the maximum by
		// the minute or so spent between parsing and checking is the user
		// asking for the maximum; anything more is refused.
		if minutes-p.MaxExpirationMinutes > 1 {
			return nil, errorf("expiry %s is beyond the site's maximum of %s", s.describe(), describeMax(p))
		}
		minutes = p.MaxExpirationMinutes
	}
	return &minutes, nil
}

func (s Spec) describe() string {
	if s.input != "" {
		return s.input
	}
	return s.String()
}

func describeMax(p *client.Policy) string {
	if p.MaxExpirationMinutes <= 0 {
		return "no maximum"
	}
	return fmt.Sprintf("%d minutes (%s)", p.MaxExpirationMinutes, timefmt.Minutes(p.MaxExpirationMinutes))
}

// FromToken is the lifetime of an existing token, as a Spec relative to
// now: a rotation without --expires gives the replacement the same lifetime
// the old token was created with.
func FromToken(t client.Token, now time.Time) Spec {
	if t.ExpirationDate == nil || t.ExpirationDate.IsZero() {
		return Spec{Never: true, input: "never"}
	}
	lifetime := t.ExpirationDate.Sub(t.DateCreated.Time)
	if lifetime <= 0 {
		return Spec{Default: true}
	}
	return Spec{At: now.Add(lifetime).UTC(), input: "the old token's lifetime (" + timefmt.Minutes(int64(math.Round(lifetime.Minutes()))) + ")"}
}

// Clamp brings an instant beyond the policy's maximum back to the maximum,
// and a never that the policy forbids down to the maximum. Rotation uses it:
// the old token's lifetime may predate a stricter policy.
func (s Spec) Clamp(now time.Time, p *client.Policy) Spec {
	if p == nil || s.Default {
		return s
	}
	limit := now.Add(time.Duration(p.MaxExpirationMinutes) * time.Minute).UTC()
	if s.Never && !p.AllowNoExpiration {
		if p.MaxExpirationMinutes <= 0 {
			return Spec{Default: true}
		}
		return Spec{At: limit, input: "the site's maximum"}
	}
	if !s.Never && p.MaxExpirationMinutes > 0 && s.At.After(limit) {
		return Spec{At: limit, input: "the site's maximum"}
	}
	return s
}
