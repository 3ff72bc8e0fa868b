package output

import (
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/iostreams"
)

func TestColor(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	if got := Color(ios, "red", "x"); got != "x" {
		t.Errorf("colour without ColorEnabled (NO_COLOR or piped): %q", got)
	}
	ios.SetColorEnabled(true)
	if got := Color(ios, "red", "x"); got != "\x1b[31mx\x1b[0m" {
		t.Errorf("got %q", got)
	}
	if got := Color(ios, "chartreuse", "x"); got != "x" {
		t.Errorf("unknown colour changed the text: %q", got)
	}
}

func TestNoColorEnv(t *testing.T) {
	t.Setenv("AXERO_FORCE_TTY", "1")
	t.Setenv("NO_COLOR", "1")
	t.Setenv("TERM", "xterm")
	ios := iostreams.System()
	if got := Color(ios, "bold", "x"); got != "x" {
		t.Errorf("NO_COLOR set but got %q", got)
	}
	// no-color.org: an empty NO_COLOR does not count.
	t.Setenv("NO_COLOR", "")
	if got := Color(iostreams.System(), "bold", "x"); got == "x" {
		t.Errorf("an empty NO_COLOR turned colour off")
	}
}

func TestFormatTime(t *testing.T) {
	now := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	then := now.Add(-3 * 24 * time.Hour).In(time.FixedZone("X", 3600))
	if got := FormatTime(then, true, now); got != "3 days ago" {
		t.Errorf("tty: %q", got)
	}
	if got := FormatTime(then, false, now); got != "2026-11-23T17:00:00Z" {
		t.Errorf("piped: %q", got)
	}
	if got := FormatTime(time.Time{}, false, now); got != "" {
		t.Errorf("zero: %q", got)
	}
}

func TestFormatExpiry(t *testing.T) {
	now := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	future := now.Add(29 * 24 * time.Hour)
	past := now.Add(-3 * 24 * time.Hour)
	tests := []struct {
		t    *time.Time
		tty  bool
		want string
	}{
		{nil, true, "never"},
		{nil, false, "never"},
		{&future, true, "in 29 days"},
		{&future, false, "2026-12-25T17:00:00Z"},
		{&past, true, "expired 3 days ago"},
		{&past, false, "2026-11-23T17:00:00Z"},
	}
	for _, tt := range tests {
		if got := FormatExpiry(tt.t, tt.tty, now); got != tt.want {
			t.Errorf("FormatExpiry(%v, %v) = %q, want %q", tt.t, tt.tty, got, tt.want)
		}
	}
}
