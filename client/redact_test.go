package client

import "testing"

func TestRedactTokensFindsEveryForm(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:1", Token: "opaque/secret<1>&"}) //nolint:gosec // test fixture, not a credential
	if err != nil {
		t.Fatal(err)
	}
	short := c.WithToken("short")
	for in, want := range map[string]string{ //nolint:gosec // test fixture, not a credential
		"as sent opaque/secret<1>&":                   "as sent [REDACTED]",
		`escaped "opaque\/secret\u003c1\u003e\u0026"`: `escaped "[REDACTED]"`,
		`json "opaque/secret\u003c1\u003e\u0026"`:     `json "[REDACTED]"`,
		"a new token eyJa.b.c stays":                  "a new token eyJa.b.c stays",
		"short stays":                                 "short stays",
	} {
		if got := short.RedactTokens(in); got != want {
			t.Errorf("RedactTokens(%q) = %q, want %q", in, got, want)
		}
	}
}
