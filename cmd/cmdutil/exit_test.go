package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/axero-cli/axero/client"
)

func TestExitCodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("boom"), ExitFailure},
		{FlagErrorf("bad flag"), ExitUsage},
		{fmt.Errorf("wrapped: %w", usageOnly{}), ExitUsage},
		{ErrNotLoggedIn, ExitAuth},
		{&client.Error{Kind: client.KindUnauthorized, Status: 401}, ExitAuth},
		{fmt.Errorf("wrapped: %w", &client.Error{Kind: client.KindForbidden, Status: 403}), ExitAuth},
		{&client.Error{Kind: client.KindNotFound, Status: 404}, ExitNotFound},
		{Exit(ExitPartial, nil), ExitPartial},
		{Exit(ExitFound, nil), ExitFound},
		{context.Canceled, ExitInterrupted},
		{ErrInterrupted, ExitInterrupted},
		{fmt.Errorf("wrapped: %w", deniedOnly{}), ExitAuth},
	}
	for _, c := range cases {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestMessageIsOneRedactedLine(t *testing.T) {
	t.Parallel()
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
	got := Message(fmt.Errorf("unknown command %q for \"axero\"\n\nDid you mean this?\n\tlogin", jwt))
	want := `unknown command "[REDACTED]" for "axero" Did you mean this? login`
	if got != want {
		t.Errorf("Message = %q, want %q", got, want)
	}
	if Message(Exit(ExitPartial, nil)) != "" {
		t.Error("an ExitError without a cause must print nothing")
	}
}

// usageOnly is an error of a lower package that says it is a usage mistake
// only through the Usage method.
type usageOnly struct{}

func (usageOnly) Error() string { return "bad -o" }
func (usageOnly) Usage() bool   { return true }

// Errors carry the server's text: whatever reaches stderr is escaped.
func TestMessageEscapesControlCharacters(t *testing.T) {
	got := Message(errors.New("name \x1b]0;pwned\a\x1b[2J is ambiguous\u009b"))
	if strings.ContainsAny(got, "\x1b\a\u009b") {
		t.Fatalf("raw control characters in %q", got)
	}
	if !strings.Contains(got, `\x1b]0;pwned`) {
		t.Fatalf("the text is not shown escaped: %q", got)
	}
}

// deniedOnly is a refused credential of another service, as a sink reports
// one.
type deniedOnly struct{}

func (deniedOnly) Error() string { return "403 from the secret store" }
func (deniedOnly) Denied() bool  { return true }
