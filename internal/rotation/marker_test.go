package rotation

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/axero-cli/axero/internal/resolve"
)

func TestMark(t *testing.T) {
	at := time.Date(2026, 12, 9, 10, 0, 0, 0, time.UTC)
	if got := Mark("ci-deploy", at); got != "ci-deploy (superseded; revoke after 2026-12-09T10:00Z)" {
		t.Fatalf("Mark = %q", got)
	}
	// Rounded up to the minute, never earlier than asked.
	if got := Mark("x", at.Add(time.Second)); !strings.Contains(got, "10:01Z") {
		t.Fatalf("Mark = %q", got)
	}
	long := strings.Repeat("é", 120)
	got := Mark(long, at)
	if n := utf8.RuneCountInString(got); n != resolve.MaxNameLength {
		t.Fatalf("len %d: %q", n, got)
	}
	base, after, ok := ParseMark(got)
	if !ok || !after.Equal(at) || !strings.HasPrefix(long, base) {
		t.Fatalf("ParseMark(%q) = %q %v %v", got, base, after, ok)
	}
	// Marking a marked name keeps one marker.
	if again := Mark(Mark("n", at), at.Add(time.Hour)); strings.Count(again, "superseded") != 1 || !strings.Contains(again, "11:00Z") {
		t.Fatalf("again = %q", again)
	}
	if !Due(Mark("n", at), at) || Due(Mark("n", at), at.Add(-time.Minute)) || Due("n", at) {
		t.Fatal("Due")
	}
	for _, n := range []string{"n (superseded; revoke after soon)", "n (superseded; revoke after 2026-13-01T00:00Z)", "(superseded; revoke after 2026-12-09T10:00Z)"} {
		if _, _, ok := ParseMark(n); ok {
			t.Errorf("ParseMark(%q) accepted it", n)
		}
	}
}

// FuzzMark: whatever the name, Mark's result fits the server's limit,
// parses back to the time it was given, and its base is a prefix of the
// trimmed name (without any marker it had).
func FuzzMark(f *testing.F) {
	f.Add("ci-deploy", int64(1796810400))
	f.Add(strings.Repeat("x", 100), int64(0))
	f.Add("a (superseded; revoke after 2026-12-09T10:00Z)", int64(1))
	f.Add(" spaced  ", int64(-62135596800))
	f.Fuzz(func(t *testing.T, name string, unix int64) {
		if !utf8.ValidString(name) || unix < -62135596800 || unix > 253402300000 {
			return
		}
		at := time.Unix(unix, 0).UTC()
		got := Mark(name, at)
		if n := utf8.RuneCountInString(got); n > resolve.MaxNameLength {
			t.Fatalf("Mark(%q) is %d characters", name, n)
		}
		base, after, ok := ParseMark(got)
		if !ok {
			t.Fatalf("ParseMark(Mark(%q)) failed: %q", name, got)
		}
		if after.Before(at) || after.Sub(at) >= time.Minute {
			t.Fatalf("after %v for %v", after, at)
		}
		if !strings.Contains(strings.TrimSpace(name), base) {
			t.Fatalf("base %q is not from %q", base, name)
		}
		// ParseMark never panics and never accepts text without a marker.
		if _, _, ok := ParseMark(name); ok && !strings.Contains(name, "superseded") {
			t.Fatalf("ParseMark(%q) accepted a name without a marker", name)
		}
	})
}
