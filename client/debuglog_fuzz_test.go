package client

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// debugUnsafe reports what a --debug line may not carry: invalid UTF-8,
// a control character other than a tab, a line feed or the CR of a CR LF,
// DEL, C1 or a bidi control.
func debugUnsafe(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ContainsFunc(s, func(r rune) bool {
		return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
	})
}

// FuzzDebugLog checks the --debug writer with what a server or a proxy
// controls: a body or header as resty dumps it, and a proxy's status line
// to CONNECT. Nothing raw reaches the terminal, and the token in use
// never appears, however it is surrounded.
func FuzzDebugLog(f *testing.F) {
	f.Add("BODY: {\"Name\":\"\x1b]0;pwned\a\"}\n\tindented\r\n", "Bad\x1b[2J Gateway")
	f.Add("\u009b31m\u202e\xff", "")
	f.Add("token: opaque-debug-token-1\x1b", "407 Proxy opaque-debug-token-1")
	f.Fuzz(func(t *testing.T, text, reason string) {
		const inUse = "opaque-debug-token-1"
		s := &site{tokens: map[string]struct{}{inUse: {}}}
		var buf bytes.Buffer
		s.log = newDebugLog(&buf, s.redact)
		s.log.Debugf("%s", text)
		s.log.Errorf("%v", text)
		proxy := &url.URL{Scheme: "http", Host: "proxy.example:3128", User: url.UserPassword("u", "pw-secret")}
		s.proxyConnect(proxy, &http.Request{Host: "site.example:443"}, &http.Response{Status: reason})
		out := buf.String()
		if debugUnsafe(out) {
			t.Fatalf("raw control character in %q", out)
		}
		if strings.Contains(out, inUse) || strings.Contains(out, "pw-secret") {
			t.Fatalf("a secret in %q", out)
		}
	})
}
