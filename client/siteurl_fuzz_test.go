package client

import (
	"strings"
	"testing"
)

// FuzzParseSiteURL checks the validation of --url: an accepted URL is
// https (or http where allowed), has a host and no credentials, query or
// fragment, and is a fixed point: its canonical form, stored in the
// configuration and given back to New, must come out unchanged.
func FuzzParseSiteURL(f *testing.F) {
	for _, s := range []string{
		"https://intranet.example.com", "HTTPS://Intranet.Example.COM/", "https://x.example/sub/api/",
		"http://localhost:8080", "http://127.0.0.1", "http://[::1]:1/", "http://evil.example",
		"ftp://x", "host:port", "intranet.example.com", "https://user:pw@x.example", "https://x.example/a?b#c",
		"https://x.example/api/api", "https://x.example/%2Fapi", "https://:443", "https://[::1", "\x00https://x",
		"https://x.example/\xff", " https://x.example ",
	} {
		f.Add(s, false)
	}
	f.Add("http://intranet.example.com", true)
	f.Fuzz(func(t *testing.T, raw string, allowHTTP bool) {
		u, err := parseSiteURL(raw, allowHTTP)
		if err != nil {
			checkOneLine(t, err.Error(), 10*len(raw)+200)
			return
		}
		switch {
		case u.Host == "" || u.Hostname() == "":
			t.Fatalf("%q accepted without a host: %v", raw, u)
		case u.User != nil || u.RawQuery != "" || u.Fragment != "":
			t.Fatalf("%q accepted with credentials, query or fragment: %v", raw, u)
		case u.Scheme != "https" && u.Scheme != "http":
			t.Fatalf("%q accepted with scheme %q", raw, u.Scheme)
		case u.Scheme == "http" && !allowHTTP && !isLoopback(u.Hostname()):
			t.Fatalf("%q accepted as plain http to a non-loopback host", raw)
		case strings.HasSuffix(u.Path, "/"):
			t.Fatalf("%q kept a trailing slash: %v", raw, u)
		}
		canonical := u.String()
		if len(canonical) > 3*len(raw)+16 {
			t.Fatalf("%q grew to %d bytes", raw, len(canonical))
		}
		again, err := parseSiteURL(canonical, allowHTTP)
		if err != nil {
			t.Fatalf("%q was accepted as %q, which is then refused: %v", raw, canonical, err)
		}
		if again.String() != canonical {
			t.Fatalf("not a fixed point: %q -> %q -> %q", raw, canonical, again.String())
		}
	})
}
