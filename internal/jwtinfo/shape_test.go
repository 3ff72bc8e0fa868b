package jwtinfo

import "testing"

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := map[string]string{ //nolint:gosec // test fixture, not a credential
		"unknown command \"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIzIn0.c2ln\"": `unknown command "[REDACTED]"`,
		"a eyJx.. b":                "a [REDACTED] b",
		"two eyJa.b.c and eyJd.e.f": "two [REDACTED] and [REDACTED]",
		"no token here, eyJ alone":  "no token here, eyJ alone",
		"":                          "",
	}
	for in, want := range tests {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactSecrets(t *testing.T) {
	t.Parallel()
	const opaque = "opaque-secret-0123"
	got := RedactSecrets("echo "+opaque+" and eyJa.b.c, not short", opaque, "short", "")
	if want := "echo [REDACTED] and [REDACTED], not short"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
