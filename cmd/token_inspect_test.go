package cmd

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/axero-cli/axero/client/axerotest"
)

// inspectFixture is an impersonation token issued at goldenEpoch that
// expires 30 days later.
func inspectFixture(t *testing.T) string {
	t.Helper()
	claims := jwt.MapClaims{
		"iss":  "https://intranet.example.com",
		"sub":  "42",
		"jti":  "1017",
		"iat":  goldenEpoch.Unix(),
		"exp":  goldenEpoch.Add(30 * 24 * time.Hour).Unix(),
		"name": "support-session",
		"act":  "7",
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte("test key"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokenInspectGoldens(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	e.now = func() time.Time { return goldenEpoch.Add(24 * time.Hour) }
	tok := inspectFixture(t)

	e.stdin = tok + "\n"
	e.tty = true
	checkGolden(t, "token_inspect_tty", e.mustRun("token", "inspect").stdout)
	e.tty = false
	checkGolden(t, "token_inspect_tsv", e.mustRun("token", "inspect", "-").stdout)
	r := e.mustRun("token", "inspect", "-o", "json")
	checkGolden(t, "token_inspect_json", r.stdout)
	if r.stderr != "" {
		t.Errorf("stderr: %q", r.stderr)
	}
}

func TestTokenInspectPositionalWarns(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	r := e.mustRun("token", "inspect", inspectFixture(t))
	if !strings.Contains(r.stderr, "shell history") {
		t.Errorf("no warning: %q", r.stderr)
	}
	if !strings.Contains(r.stdout, "1017") {
		t.Errorf("stdout: %q", r.stdout)
	}
}

func TestTokenInspectRejectsNonJWT(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	for _, in := range []string{"not a token\n", "a.b\n", "eyJhbGciOi.eyJzdWIi.c2ln-secret-part\n"} {
		e.stdin = in
		r := e.expectCode(1, "not a JWT", "token", "inspect")
		if strings.Contains(r.stderr, strings.TrimSpace(in)) {
			t.Errorf("the error repeats the input: %q", r.stderr)
		}
	}
	e.stdin = ""
	e.expectCode(1, "no token on stdin", "token", "inspect")
}
