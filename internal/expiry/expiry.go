// Package expiry reads the --expires value of the token commands and checks
// it against the site's policy before anything is minted, so that a user
// learns the limit from the CLI instead of from a 400.
package expiry

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/axero-cli/axero/client"
)

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

// maxAhead is the furthest expiry accepted, in any form: far beyond any
// policy, and well inside what a time.Duration (about 292 years) holds, so
// that the minutes sent are exactly the instant asked for, never a clamp.
const maxAhead = 200 * 365 * 24 * time.Hour

var durationRE = regexp.MustCompile(`^(\d+)\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?|y|years?)$`)

// Parse reads s relative to now. An empty s is the server's default.
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
		n, err := strconv.ParseInt(m[1], 10, 64)
		if errors.Is(err, strconv.ErrRange) {
			return Spec{}, fmt.Errorf("invalid expiry %q: too far in the future", in)
		}
		if err != nil || n <= 0 {
			return Spec{}, fmt.Errorf("invalid expiry %q: the duration must be positive", in)
		}
		var unit time.Duration
		switch m[2][0] {
		case 'm':
			unit = time.Minute
		case 'h':
			unit = time.Hour
		case 'd':
			unit = 24 * time.Hour
		case 'w':
			unit = 7 * 24 * time.Hour
		case 'y':
			unit = 365 * 24 * time.Hour
		}
		if n > int64(maxAhead/unit) {
			return Spec{}, fmt.Errorf("invalid expiry %q: too far in the future", in)
		}
		return Spec{At: now.Add(time.Duration(n) * unit).UTC(), input: in}, nil
	}
	if t, err := time.Parse("2006-01-02", in); err == nil {
		// A bare date means the end of that day in UTC: "valid through
		// 2027-01-31" is what people mean when they type it.
		return instant(in, t.Add(24*time.Hour-time.Second).UTC(), now)
	}
	if t, err := client.ParseTime(in); err == nil && strings.ContainsAny(in, "T") {
		return instant(in, t.UTC(), now)
	}
	if strings.HasPrefix(in, "-") {
		return Spec{}, fmt.Errorf("invalid expiry %q: it must lie in the future", in)
	}
	return Spec{}, fmt.Errorf("invalid expiry %q: use a duration (90m, 12h, 30d, 26w, 1y), a date (2027-01-31), an RFC 3339 time, or never", in)
}

// instant is the Spec of a date or time, refused when it lies too far
// ahead to be sent exactly.
func instant(in string, at, now time.Time) (Spec, error) {
	if at.Sub(now) > maxAhead {
		return Spec{}, fmt.Errorf("invalid expiry %q: too far in the future (more than 200 years)", in)
	}
	return Spec{At: at, input: in}, nil
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
			return nil, fmt.Errorf("the site's policy does not allow tokens that never expire (maximum %s)", describeMax(p))
		}
		zero := int64(0)
		return &zero, nil
	}
	d := s.At.Sub(now)
	if d <= 0 {
		return nil, fmt.Errorf("invalid expiry %s: it lies in the past", s.At.UTC().Format(time.RFC3339))
	}
	if d > maxAhead {
		// Sub saturates near 292 years: sending that would mint a token
		// expiring on some other day than the one asked for.
		return nil, fmt.Errorf("invalid expiry %s: too far in the future (more than 200 years)", s.describe())
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
			return nil, fmt.Errorf("expiry %s is beyond the site's maximum of %s", s.describe(), describeMax(p))
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
	return fmt.Sprintf("%d minutes (%s)", p.MaxExpirationMinutes, humanMinutes(p.MaxExpirationMinutes))
}

// humanMinutes writes a policy limit the way an administrator set it.
func humanMinutes(m int64) string {
	switch {
	case m%(365*24*60) == 0:
		return plural(m/(365*24*60), "year")
	case m%(7*24*60) == 0:
		return plural(m/(7*24*60), "week")
	case m%(24*60) == 0:
		return plural(m/(24*60), "day")
	case m%60 == 0:
		return plural(m/60, "hour")
	}
	return plural(m, "minute")
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
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
	return Spec{At: now.Add(lifetime).UTC(), input: "the old token's lifetime (" + humanMinutes(int64(math.Round(lifetime.Minutes()))) + ")"}
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
