package client

import (
	"testing"
	"time"
)

func TestTokenExpired(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *Time { return &Time{Time: now.Add(d)} }
	for _, tc := range []struct {
		name string
		tok  Token
		want bool
	}{
		{"future expiry", Token{Status: StatusActive, ExpirationDate: at(time.Hour)}, false},
		{"expiry passed", Token{Status: StatusActive, ExpirationDate: at(-time.Hour)}, true},
		{"expiry is now", Token{ExpirationDate: at(0)}, true},
		{"server says expired", Token{Status: StatusExpired, ExpirationDate: at(time.Hour)}, true},
		{"never expires", Token{Status: StatusActive}, false},
		{"zero expiry means none", Token{ExpirationDate: &Time{}}, false},
	} {
		if got := tc.tok.Expired(now); got != tc.want {
			t.Errorf("%s: Expired = %v, want %v", tc.name, got, tc.want)
		}
	}
}
