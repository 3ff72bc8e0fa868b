package jwtinfo

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// jwtOf builds an unsigned-looking token from a header and claims in JSON,
// so that seeds can carry hostile claims without a signing key.
func jwtOf(header, claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(claims)) + ".c2ln"
}

// FuzzDecode checks the offline decoding behind `token inspect`: nothing
// panics, whatever is decoded can be printed as JSON (inspect -o json), no
// field is larger than the token it came from, and the "Bearer " prefix and
// surrounding space change nothing.
func FuzzDecode(f *testing.F) {
	hs := `{"alg":"HS256","typ":"JWT"}`
	for _, s := range []string{
		jwtOf(hs, `{"iss":"https://intranet.example.com","sub":"42","jti":"7","name":"ci","iat":1714558830,"exp":1717150830}`),
		jwtOf(hs, `{"sub":42,"jti":7.9,"act":{"sub":"3"},"exp":null}`),
		jwtOf(hs, `{"exp":1e300}`),
		jwtOf(hs, `{"exp":-1e300,"iat":9223372036854775807}`),
		jwtOf(hs, `{"exp":253402300800}`),
		jwtOf(hs, `{"exp":"soon","sub":"99999999999999999999"}`),
		jwtOf(hs, `{"name":"\u001b]0;pwned\u0007\u009b2J"}`),
		jwtOf(hs, `{"act":`+strings.Repeat(`{"sub":`, 2000)+`1`+strings.Repeat(`}`, 2000)+`}`),
		jwtOf(`{"alg":`+strings.Repeat("[", 20000)+`}`, `{}`),
		jwtOf("\xff\xfe", "\x00"),
		"Bearer a.b.c", "a.b", "...", "", "\xff.\xfe.\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		info, err := Decode(token)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") || len(err.Error()) > 200 {
				t.Fatalf("error is not one short line: %q", err)
			}
			return
		}
		if _, err := json.Marshal(info); err != nil {
			t.Fatalf("Decode(%q) gives claims that cannot be printed as JSON: %v", token, err)
		}
		if len(info.Issuer)+len(info.Name)+len(info.Algorithm) > len(token) {
			t.Fatalf("decoded strings are larger than the token")
		}
		again, err := Decode("  Bearer " + strings.TrimSpace(token) + "\n")
		if err != nil {
			// TrimPrefix strips one "Bearer ": a token that already
			// carried one is legitimately different.
			if !strings.HasPrefix(strings.TrimSpace(token), "Bearer ") {
				t.Fatalf("Decode accepts %q but not with a Bearer prefix: %v", token, err)
			}
			return
		}
		a, _ := json.Marshal(info)
		b, _ := json.Marshal(again)
		if string(a) != string(b) && !strings.HasPrefix(strings.TrimSpace(token), "Bearer ") {
			t.Fatalf("the Bearer prefix changed the claims: %s vs %s", a, b)
		}
	})
}
