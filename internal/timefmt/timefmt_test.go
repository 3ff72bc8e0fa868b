package timefmt

import (
	"testing"
	"time"
)

func TestDurationAndRelative(t *testing.T) {
	now := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	cases := []struct {
		t    time.Time
		want string
	}{
		{now.Add(45 * time.Second), "in 45 seconds"},
		{now.Add(time.Minute), "in 1 minute"},
		{now.Add(-3 * time.Hour), "3 hours ago"},
		{now.Add(29*24*time.Hour + 23*time.Hour), "in 30 days"},
		{now.Add(30*24*time.Hour - time.Second), "in 30 days"},
		{now.Add(29*24*time.Hour + 6*time.Hour), "in 29 days"},
		{now.Add(90*24*time.Hour - time.Second), "in 3 months"},
		{now.Add(-90 * 24 * time.Hour), "3 months ago"},
		{now.Add(59*time.Minute + 50*time.Second), "in 1 hour"},
		{now.Add(59*time.Second + 600*time.Millisecond), "in 1 minute"},
		{now.Add(47*time.Hour + 40*time.Minute), "in 2 days"},
		{now.Add(360 * 24 * time.Hour), "in 1 year"},
		{now.Add(365*24*time.Hour - time.Second), "in 1 year"},
		{now.Add(2 * 365 * 24 * time.Hour), "in 2 years"},
	}
	for _, c := range cases {
		if got := Relative(c.t, now); got != c.want {
			t.Errorf("Relative(%v) = %q, want %q", c.t.Sub(now), got, c.want)
		}
	}
}

func TestExpiry(t *testing.T) {
	now := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	past := now.Add(-3 * 24 * time.Hour)
	future := now.Add(48 * time.Hour)
	if got := Expiry(nil, now); got != "never" {
		t.Errorf("nil: %q", got)
	}
	if got := Expiry(&past, now); got != "expired 3 days ago" {
		t.Errorf("past: %q", got)
	}
	if got := Expiry(&future, now); got != "in 2 days" {
		t.Errorf("future: %q", got)
	}
}
