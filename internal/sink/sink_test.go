package sink

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorClassifiesForTheExitCode(t *testing.T) {
	t.Parallel()
	bad := Errorf("github:o/r#X", "check", Invalid, "secret name %q starts with GITHUB_", "GITHUB_X")
	if !strings.HasPrefix(bad.Error(), "github:o/r#X: check: ") {
		t.Errorf("message = %q, want it to name the sink and the step", bad)
	}
	var usage interface{ Usage() bool }
	if !errors.As(fmt.Errorf("wrapped: %w", bad), &usage) || !usage.Usage() {
		t.Error("an Invalid sink error is not a usage error")
	}
	denied := Errorf("vault:secret/x#t", "put", Denied, "403 permission denied")
	var d interface{ Denied() bool }
	if !errors.As(denied, &d) || !d.Denied() {
		t.Error("a Denied sink error does not say so")
	}
	if KindOf(fmt.Errorf("wrapped: %w", denied)) != Denied || KindOf(errors.New("x")) != Failed {
		t.Error("KindOf does not find the kind in the chain")
	}
}

func TestEnvGetReadsNothingWithoutGetenv(t *testing.T) {
	t.Parallel()
	if got := (Env{}).Get("VAULT_TOKEN"); got != "" {
		t.Errorf("Get without Getenv = %q, want \"\"", got)
	}
	env := Env{Getenv: func(k string) string { return "v-" + k }}
	if got := env.Get("X"); got != "v-X" {
		t.Errorf("Get = %q, want v-X", got)
	}
}

func TestParseErrorIsAnInvalidSink(t *testing.T) {
	t.Parallel()
	err := ParseError("vault:x", errors.New("no field"))
	if err.Error() != "vault:x: parse: no field" || KindOf(err) != Invalid {
		t.Errorf("ParseError = %q (kind %v), want the sink, the step parse and Invalid", err, KindOf(err))
	}
}
