package cmdutil

import (
	"context"
	"errors"
	"fmt"
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
