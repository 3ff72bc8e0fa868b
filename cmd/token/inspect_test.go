package token_test

import (
	"github.com/axero-cli/axero/cmd/cmdtest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/emulator"
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
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.Now = func() time.Time { return goldenEpoch.Add(24 * time.Hour) }
	tok := inspectFixture(t)

	e.Stdin = tok + "\n"
	e.TTY = true
	checkGolden(t, "token_inspect_tty", e.MustRun("token", "inspect").Stdout)
	e.TTY = false
	checkGolden(t, "token_inspect_tsv", e.MustRun("token", "inspect", "-").Stdout)
	r := e.MustRun("token", "inspect", "-o", "json")
	checkGolden(t, "token_inspect_json", r.Stdout)
	if r.Stderr != "" {
		t.Errorf("stderr: %q", r.Stderr)
	}
}

func TestTokenInspectPositionalWarns(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	r := e.MustRun("token", "inspect", inspectFixture(t))
	if !strings.Contains(r.Stderr, "shell history") {
		t.Errorf("no warning: %q", r.Stderr)
	}
	if !strings.Contains(r.Stdout, "1017") {
		t.Errorf("stdout: %q", r.Stdout)
	}
}

func TestTokenInspectRejectsNonJWT(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	for _, in := range []string{"not a token\n", "a.b\n", "eyJhbGciOi.eyJzdWIi.c2ln-secret-part\n"} {
		e.Stdin = in
		r := e.Expect(1, "not a JWT", "token", "inspect")
		if strings.Contains(r.Stderr, strings.TrimSpace(in)) {
			t.Errorf("the error repeats the input: %q", r.Stderr)
		}
	}
	e.Stdin = ""
	e.Expect(cmdutil.ExitUsage, "no token on stdin", "token", "inspect")
}
