package jwtinfo

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func makeJWT(t *testing.T, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "HS256", "typ": "JWT"}) + "." + enc(claims) + ".c2lnbmF0dXJl"
}

func TestDecodeAxeroClaims(t *testing.T) {
	tok := makeJWT(t, map[string]any{
		"iss": "https://intranet.example.com", "sub": "42", "jti": "1017",
		"iat": 1795712400, "exp": 1803488400, "name": "ci-deploy-prod", "act": "7",
	})
	info, err := Decode("Bearer " + tok + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if info.TokenID != 1017 || info.UserID != 42 || info.ActorID != 7 || info.Name != "ci-deploy-prod" ||
		info.Issuer != "https://intranet.example.com" || info.Algorithm != "HS256" {
		t.Errorf("claims: %+v", info)
	}
	if info.IssuedAt == nil || !info.IssuedAt.Equal(time.Unix(1795712400, 0)) {
		t.Errorf("iat: %v", info.IssuedAt)
	}
	if exp, ok := Expiry(tok); !ok || !exp.Equal(time.Unix(1803488400, 0)) {
		t.Errorf("Expiry: %v %v", exp, ok)
	}
}

func TestDecodeNeverExpiresAndNumericClaims(t *testing.T) {
	tok := makeJWT(t, map[string]any{"sub": 42, "jti": 5, "act": map[string]any{"sub": "9"}})
	info, err := Decode(tok)
	if err != nil {
		t.Fatal(err)
	}
	if info.ExpiresAt != nil || info.UserID != 42 || info.TokenID != 5 || info.ActorID != 9 {
		t.Errorf("claims: %+v", info)
	}
	if _, ok := Expiry(tok); ok {
		t.Error("a token without exp has no expiry")
	}
}

func TestDecodeRejectsNonJWT(t *testing.T) {
	for _, s := range []string{"", "hello", "a.b", "a.b.c", "eyJ.eyJ.x", "a.b.c.d"} {
		if _, err := Decode(s); !errors.Is(err, ErrNotJWT) {
			t.Errorf("Decode(%q) = %v, want ErrNotJWT", s, err)
		}
	}
}

func TestDecodeRefusesTimesItCannotRepresent(t *testing.T) {
	for _, claims := range []map[string]any{
		{"sub": "1", "exp": 1e300},
		{"sub": "1", "exp": -1e20},
		{"sub": "1", "exp": "tomorrow\x1b[2J"},
		{"sub": "1", "iat": 1e19, "exp": 1803488400},
		{"sub": "1", "exp": 253402300800}, // 10000-01-01
	} {
		_, err := Decode(makeJWT(t, claims))
		var ce *ClaimError
		if !errors.As(err, &ce) {
			t.Errorf("%v: err = %v, want a *ClaimError", claims, err)
			continue
		}
		if msg := err.Error(); strings.ContainsAny(msg, "\n\x1b") || !strings.Contains(msg, "claim") {
			t.Errorf("message = %q", msg)
		}
	}
}

func TestDecodedTimesAlwaysMarshal(t *testing.T) {
	for _, exp := range []float64{0, 1803488400, 1803488400.5, 253402300799} {
		info, err := Decode(makeJWT(t, map[string]any{"sub": "1", "exp": exp, "iat": 1}))
		if err != nil {
			t.Fatalf("exp %v: %v", exp, err)
		}
		if _, err := json.Marshal(info); err != nil {
			t.Errorf("exp %v: %v", exp, err)
		}
		if info.ExpiresAt == nil || info.ExpiresAt.Unix() != int64(exp) {
			t.Errorf("exp %v read as %v", exp, info.ExpiresAt)
		}
	}
}
