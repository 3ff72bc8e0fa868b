package client

import "testing"

func TestNormalizeSite(t *testing.T) {
	for raw, want := range map[string]string{
		"https://intranet.example.com":          "https://intranet.example.com",
		"HTTPS://Intranet.Example.COM/":         "https://intranet.example.com",
		"https://intranet.example.com:443/api/": "https://intranet.example.com",
		"intranet.example.com":                  "https://intranet.example.com",
		"intranet.example.com:8443":             "https://intranet.example.com:8443",
		"http://127.0.0.1:80":                   "http://127.0.0.1",
		"http://127.0.0.1:8080/":                "http://127.0.0.1:8080",
		"https://[::1]:443":                     "https://[::1]",
		"https://x.example/Sub/api":             "https://x.example/Sub",
		"http://evil.example":                   "http://evil.example",
	} {
		got, err := NormalizeSite(raw)
		if err != nil || got != want {
			t.Errorf("NormalizeSite(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{"", "ftp://x", "https://user:pw@x.example", "http://host:99999", "https://host:0", "https://host:65536"} {
		if got, err := NormalizeSite(raw); err == nil {
			t.Errorf("NormalizeSite(%q) = %q, want an error", raw, got)
		}
	}
}

func TestSameSite(t *testing.T) {
	same := [][2]string{
		{"https://intranet.example.com", "HTTPS://INTRANET.example.com:443/api/"},
		{"http://127.0.0.1:41257", "http://127.0.0.1:41257/"},
		{"intranet.example.com", "https://intranet.example.com/"},
	}
	for _, p := range same {
		if !SameSite(p[0], p[1]) {
			t.Errorf("SameSite(%q, %q) = false", p[0], p[1])
		}
	}
	differ := [][2]string{
		{"http://127.0.0.1:41257", "http://127.0.0.1:41258"},
		{"http://intranet.example.com", "https://intranet.example.com"},
		{"https://intranet.example.com", "https://intranet.example.com.evil.example"},
		{"https://x.example/a", "https://x.example/b"},
		{"", ""},
		{"ftp://x", "ftp://x"},
	}
	for _, p := range differ {
		if SameSite(p[0], p[1]) {
			t.Errorf("SameSite(%q, %q) = true", p[0], p[1])
		}
	}
}
