package timefmt

import "testing"

func TestMinutes(t *testing.T) {
	t.Parallel()
	for m, want := range map[int64]string{
		525600: "1 year", 2 * 525600: "2 years", 26 * 10080: "26 weeks",
		129600: "90 days", 1440: "1 day", 120: "2 hours", 61: "61 minutes", 1: "1 minute",
	} {
		if got := Minutes(m); got != want {
			t.Errorf("Minutes(%d) = %q, want %q", m, got, want)
		}
	}
}
