package expiry

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
)

var positiveDuration = regexp.MustCompile(`^0*[1-9]\d*\s*[a-z]+$`)

// FuzzParse checks --expires: nothing panics, a refusal is one line, an
// accepted instant is one the CLI can write and read back (String is a
// fixed point of Parse), and the minutes sent to the server land on that
// instant instead of a clamped one.
func FuzzParse(f *testing.F) {
	for _, s := range append(Examples,
		"", " ", "NEVER", "0d", "-5d", "99999999999999999999d", "9223372036854775807m", "200y", "201y",
		"9999-12-31", "0000-01-01", "2027-01-31T17:00:00+0100", "2027-01-31T17:00:00.999999999Z",
		"9999-12-31T23:59:59-01:00", "/Date(253402300799000)/", "1\x00d", "30\u00a0d", "\xff\xfe", "30 days",
	) {
		f.Add(s)
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	policies := []*client.Policy{nil, {MaxExpirationMinutes: 0, AllowNoExpiration: true}, {MaxExpirationMinutes: 525600}}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := Parse(s, now)
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\r\n") || len(msg) > 10*len(s)+200 {
				t.Fatalf("Parse(%q): the error is not one bounded line: %q", s, msg)
			}
			if positiveDuration.MatchString(strings.ToLower(strings.TrimSpace(s))) && strings.Contains(msg, "positive") {
				t.Fatalf("Parse(%q) calls a positive duration not positive: %q", s, msg)
			}
			return
		}
		if spec.Default != (strings.TrimSpace(s) == "") {
			t.Fatalf("Parse(%q) = %+v: the server's default is only for an empty value", s, spec)
		}
		if spec.Default || spec.Never {
			return
		}
		if y := spec.At.Year(); y < 0 || y > 9999 {
			t.Fatalf("Parse(%q) = %v: an instant RFC 3339 cannot write", s, spec.At)
		}
		again, err := Parse(spec.String(), now)
		if err != nil || again.String() != spec.String() {
			t.Fatalf("Parse(%q) = %s, which reads back as %s, %v", s, spec, again, err)
		}
		for _, p := range policies {
			m, err := spec.Minutes(now, p)
			if err != nil {
				continue
			}
			if m == nil || *m < 1 {
				t.Fatalf("Parse(%q).Minutes = %v, want at least one minute", s, m)
			}
			// Beyond a maximum, Minutes may pull an overshoot of one minute
			// back; anything else must land on the instant asked for.
			landed := now.Add(time.Duration(*m) * time.Minute)
			if diff := landed.Sub(spec.At); (diff > time.Minute || diff < -time.Minute) && (p == nil || p.MaxExpirationMinutes == 0) {
				t.Fatalf("Parse(%q) = %s but %d minutes land on %s", s, spec, *m, landed)
			}
		}
	})
}
