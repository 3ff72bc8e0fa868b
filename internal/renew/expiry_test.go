package renew

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
)

// TestReplacementsKeepTheOldLifetimeUnlessExpiresIsGiven: without
// Expires, a token minted for 10 days is renewed for 10 days and one
// minted for 90 for 90; Expires sets every replacement's expiry.
func TestReplacementsKeepTheOldLifetimeUnlessExpiresIsGiven(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Users: 4})
	dir := t.TempDir()
	from := filepath.Join(dir, "old.jsonl")
	days := []int{10, 90, 10, 90}
	seedOld(t, srv, from, 4, func(i int) *time.Time {
		e := time.Now().Add(time.Duration(days[i]) * 24 * time.Hour)
		return &e
	})
	api := newAPI(t, srv, "admin", 2)
	within := func(got *time.Time, want time.Duration) bool {
		if got == nil {
			return false
		}
		d := time.Until(*got) - want
		return d > -time.Hour && d < time.Hour
	}

	out := filepath.Join(dir, "kept.jsonl")
	if _, err := run(t, testOptions(api, from, out)); err != nil {
		t.Fatal(err)
	}
	for _, r := range readAll(t, out) {
		want := time.Duration(days[r.UserID-1001]) * 24 * time.Hour
		if !within(r.Expiry, want) {
			t.Errorf("user %d: replacement expires %v, want in %v", r.UserID, r.Expiry, want)
		}
	}

	from2, out2 := out, filepath.Join(dir, "set.jsonl")
	o := testOptions(api, from2, out2)
	o.Expires = "30d"
	if _, err := run(t, o); err != nil {
		t.Fatal(err)
	}
	for _, r := range readAll(t, out2) {
		if !within(r.Expiry, 30*24*time.Hour) {
			t.Errorf("user %d: replacement expires %v, want in 30 days", r.UserID, r.Expiry)
		}
	}
}
