package expiry

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/usage"
)

func TestParseWindow(t *testing.T) {
	day := 24 * time.Hour
	for in, want := range map[string]time.Duration{
		"90m": 90 * time.Minute, "12h": 12 * time.Hour, "180d": 180 * day,
		"26w": 26 * 7 * day, "1y": 365 * day, " 2 weeks ": 14 * day, "30D": 30 * day,
	} {
		got, err := ParseWindow("--stale", in)
		if err != nil || got != want {
			t.Errorf("ParseWindow(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestParseWindowRejects(t *testing.T) {
	for _, in := range []string{"", "0d", "-5d", "never", "2027-01-31", "5", "3 fortnights", "101y", "99999999999999999999d"} {
		_, err := ParseWindow("--stale", in)
		var e *usage.Error
		if !errors.As(err, &e) || !e.Usage() {
			t.Errorf("ParseWindow(%q): %v, want a usage error", in, err)
			continue
		}
		if !strings.Contains(err.Error(), "--stale") {
			t.Errorf("ParseWindow(%q): %q does not name the flag", in, err)
		}
	}
}
