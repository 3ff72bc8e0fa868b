package auth

import "testing"

func TestCleanToken(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"abc": "abc", " abc\n": "abc", "Bearer abc": "abc", "bearer  abc ": "abc"} {
		if got, err := cleanToken(in); err != nil || got != want {
			t.Errorf("cleanToken(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "  ", "a b", "a\x00b", "Bearer "} {
		if _, err := cleanToken(bad); err == nil {
			t.Errorf("cleanToken(%q) accepted", bad)
		}
	}
}

func TestNormalizeSiteURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://a.example":      "https://a.example",
		"https://a.example/":     "https://a.example",
		"https://a.example/api":  "https://a.example",
		"https://a.example/API/": "https://a.example",
		"a.example":              "https://a.example",
		"http://127.0.0.1:8080/": "http://127.0.0.1:8080",
		"https://a.example/sub/": "https://a.example/sub",
	} {
		if got, err := normalizeSiteURL(in); err != nil || got != want {
			t.Errorf("normalizeSiteURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
