package expiry

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
)

var now = time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)

var policy = &client.Policy{SecurityLevel: "High", MaxExpirationMinutes: 525600, DefaultExpirationMinutes: 43200}

func TestParseForms(t *testing.T) {
	cases := map[string]time.Time{
		"90m":                       now.Add(90 * time.Minute),
		"12h":                       now.Add(12 * time.Hour),
		"30d":                       now.Add(30 * 24 * time.Hour),
		"26w":                       now.Add(26 * 7 * 24 * time.Hour),
		"1y":                        now.Add(365 * 24 * time.Hour),
		" 30D ":                     now.Add(30 * 24 * time.Hour),
		"2027-01-31":                time.Date(2027, 1, 31, 23, 59, 59, 0, time.UTC),
		"2027-01-31T17:00:00Z":      time.Date(2027, 1, 31, 17, 0, 0, 0, time.UTC),
		"2027-01-31T18:00:00+01:00": time.Date(2027, 1, 31, 17, 0, 0, 0, time.UTC),
	}
	for in, want := range cases {
		got, err := Parse(in, now)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if !got.At.Equal(want) {
			t.Errorf("Parse(%q) = %v, want %v", in, got.At, want)
		}
	}
	if s, err := Parse("never", now); err != nil || !s.Never {
		t.Errorf("never: %+v %v", s, err)
	}
	if s, err := Parse("", now); err != nil || !s.Default {
		t.Errorf("empty: %+v %v", s, err)
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"30x", "-1d", "2027-13-01", "0d", "abc", "1.5d", "99999999999999y"} {
		if _, err := Parse(in, now); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q) error spans lines: %q", in, err)
		}
	}
}

func TestMinutesAgainstPolicy(t *testing.T) {
	s, _ := Parse("30d", now)
	m, err := s.Minutes(now, policy)
	if err != nil || *m != 43200 {
		t.Fatalf("30d: %v %v", m, err)
	}
	s, _ = Parse("1y", now)
	if m, err := s.Minutes(now.Add(30*time.Second), policy); err != nil || *m != 525600 {
		t.Fatalf("1y at the maximum: %v %v", m, err)
	}
	s, _ = Parse("2y", now)
	_, err = s.Minutes(now, policy)
	if err == nil || !strings.Contains(err.Error(), "525600 minutes (1 year)") {
		t.Fatalf("2y: want the limit named, got %v", err)
	}
	s, _ = Parse("never", now)
	if _, err := s.Minutes(now, policy); err == nil || !strings.Contains(err.Error(), "never expire") {
		t.Fatalf("never under a strict policy: %v", err)
	}
	open := &client.Policy{AllowNoExpiration: true}
	if m, err := s.Minutes(now, open); err != nil || *m != 0 {
		t.Fatalf("never allowed: %v %v", m, err)
	}
	past := Spec{At: now.Add(-time.Hour)}
	if _, err := past.Minutes(now, policy); err == nil || !strings.Contains(err.Error(), "past") {
		t.Fatalf("past instant: %v", err)
	}
	d, _ := Parse("", now)
	if m, err := d.Minutes(now, policy); err != nil || m != nil {
		t.Fatalf("default: %v %v", m, err)
	}
}

func TestFromTokenAndClamp(t *testing.T) {
	exp := client.Time{Time: now.Add(90 * 24 * time.Hour)}
	tok := client.Token{DateCreated: client.Time{Time: now}, ExpirationDate: &exp}
	later := now.Add(10 * 24 * time.Hour)
	s := FromToken(tok, later)
	if !s.At.Equal(later.Add(90 * 24 * time.Hour)) {
		t.Fatalf("same lifetime: %v", s.At)
	}
	if !FromToken(client.Token{DateCreated: client.Time{Time: now}}, later).Never {
		t.Fatal("a token without expiry rotates to never")
	}
	strict := &client.Policy{MaxExpirationMinutes: 60 * 24}
	c := s.Clamp(later, strict)
	if !c.At.Equal(later.Add(24 * time.Hour)) {
		t.Fatalf("clamped: %v", c.At)
	}
	if m, err := c.Minutes(later, strict); err != nil || *m != 1440 {
		t.Fatalf("clamped minutes: %v %v", m, err)
	}
}

func isUsage(err error) bool {
	var u interface{ Usage() bool }
	return errors.As(err, &u) && u.Usage()
}

func TestParseRefusesWhatCannotBeSentExactly(t *testing.T) {
	cases := map[string]string{
		"99999999999999999999d":     "too far in the future",
		"99999999999999y":           "too far in the future",
		"101y":                      "too far in the future",
		"36526d":                    "too far in the future",
		"9999-12-31":                "too far in the future",
		"2200-01-01T00:00:00Z":      "too far in the future",
		"2020-01-01":                "lies in the past",
		"2026-11-26T16:59:59Z":      "lies in the past",
		"2026-11-26T17:00:00+00:00": "lies in the past",
		"0d":                        "must be positive",
		"-5d":                       "must lie in the future",
		"soon":                      "use a duration",
	}
	for in, want := range cases {
		_, err := Parse(in, now)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", in, err, want)
			continue
		}
		if !isUsage(err) {
			t.Errorf("Parse(%q): %v is not a usage error", in, err)
		}
	}
}

func TestLongestExpiryFitsInt32Minutes(t *testing.T) {
	for _, in := range []string{"100y", "36525d", "5217w"} {
		s, err := Parse(in, now)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		m, err := s.Minutes(now, &client.Policy{AllowNoExpiration: true})
		if err != nil || *m <= 0 || *m > math.MaxInt32 {
			t.Errorf("%s: minutes %v, %v", in, m, err)
		}
	}
	// An instant beyond the bound that did not come from Parse (a rotated
	// token's lifetime) is refused, not clamped to what Sub saturates at.
	far := Spec{At: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}
	if _, err := far.Minutes(now, nil); err == nil || !isUsage(err) {
		t.Errorf("far instant: %v", err)
	}
}

func TestPolicyRefusalsAreUsageErrors(t *testing.T) {
	s, _ := Parse("2y", now)
	if _, err := s.Minutes(now, policy); !isUsage(err) {
		t.Errorf("beyond the maximum: %v", err)
	}
	s, _ = Parse("never", now)
	if _, err := s.Minutes(now, policy); !isUsage(err) {
		t.Errorf("never under a strict policy: %v", err)
	}
}
