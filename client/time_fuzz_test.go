package client

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// FuzzParseTime feeds every time form the server may send (RFC 3339, an
// offset without a colon, /Date(ms)/) through ParseTime and checks that an
// accepted time is UTC, survives the JSON round trip the CLI's own output
// relies on, and that a refusal is one bounded line.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-05-01T10:20:30Z", "2026-05-01T10:20:30.123456789+02:00", "2026-05-01T10:20:30+0000",
		"2026-05-01T10:20:30.5", "/Date(1714558830000)/", "/Date(1714558830000+0000)/", "/Date(-1)/",
		"/Date()/", "/Date(+)/", "/Date(99999999999999999999)/", "/Date(9223372036854775807)/",
		"0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", " \t2026-05-01T10:20:30Z\n",
		"2026-05-01T10:20:30\x00Z", "\xff\xfe", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s)
		if err != nil {
			checkOneLine(t, err.Error(), 10*len(s)+64)
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) = %v, not UTC", s, got)
		}
		// The CLI writes what it read as RFC 3339: reading that back must
		// give the same instant, to the second.
		b, err := Time{got}.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON(%v): %v", got, err)
		}
		var back Time
		if err := back.UnmarshalJSON(b); err != nil {
			t.Fatalf("ParseTime(%q) = %v, written as %s, which does not read back: %v", s, got, b, err)
		}
		if !back.Equal(got.Truncate(time.Second)) && !got.IsZero() {
			t.Fatalf("ParseTime(%q) = %v, read back as %v", s, got, back.Time)
		}
		// And the same text inside JSON must decode to the same instant.
		// It is quoted as JSON quotes it: Go's quoting writes escapes such
		// as \v that JSON does not have.
		quoted, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("json.Marshal(%q): %v", s, err)
		}
		var viaJSON Time
		if err := json.Unmarshal(quoted, &viaJSON); err != nil {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("ParseTime accepts %q but UnmarshalJSON refuses it: %v", s, err)
			}
		} else if strings.TrimSpace(s) != "" && !viaJSON.Equal(got) {
			t.Fatalf("UnmarshalJSON(%q) = %v, ParseTime = %v", s, viaJSON.Time, got)
		}
	})
}

// checkOneLine fails unless msg is a single line of at most limit bytes:
// every refusal reaches the terminal as one line.
func checkOneLine(t *testing.T, msg string, limit int) {
	t.Helper()
	if strings.ContainsAny(msg, "\r\n") {
		t.Fatalf("message is not one line: %q", msg)
	}
	if len(msg) > limit {
		t.Fatalf("message of %d bytes, want at most %d: %.200q", len(msg), limit, msg)
	}
}
