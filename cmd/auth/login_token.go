package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/iostreams"
)

// maxTokenBytes bounds what login reads from stdin: Axero tokens are well
// under 2 KiB, and a mistaken `< bigfile` must not be slurped whole.
const maxTokenBytes = 64 << 10

// readLoginToken gets the token from stdin (--with-token) or from a hidden
// prompt on a terminal. It never echoes it and never puts it in an error.
func readLoginToken(ctx context.Context, ios *iostreams.IOStreams, withToken bool) (string, error) {
	var raw string
	switch {
	case withToken:
		b, err := io.ReadAll(io.LimitReader(ios.In, maxTokenBytes+1))
		if err != nil {
			return "", fmt.Errorf("cannot read the token from stdin: %w", err)
		}
		if len(b) > maxTokenBytes {
			return "", cmdutil.FlagErrorf("stdin holds more than %d KiB; --with-token expects just the token", maxTokenBytes>>10)
		}
		raw = string(b)
	case ios.CanPrompt() && ios.StdinFd >= 0:
		t, err := cmdutil.PromptHidden(ctx, ios, "Paste your Axero bearer token (input is hidden): ", "pipe it in with --with-token")
		if err != nil {
			return "", err
		}
		raw = t
	default:
		return "", errNoTokenPrompt()
	}
	token, err := cleanToken(raw)
	if err != nil {
		if withToken {
			return "", cmdutil.FlagErrorf("%v on stdin (--with-token)", err)
		}
		return "", &cmdutil.FlagError{Err: err}
	}
	return token, nil
}

// canReadLoginToken reports, before anything else happens, whether login
// has a way to get the token: stdin with --with-token, or a prompt.
func canReadLoginToken(ios *iostreams.IOStreams, withToken bool) error {
	if withToken || (ios.CanPrompt() && ios.StdinFd >= 0) {
		return nil
	}
	return errNoTokenPrompt()
}

func errNoTokenPrompt() error {
	return cmdutil.FlagErrorf("no terminal to prompt for the token: pipe it in with --with-token, e.g. `axero login --with-token < token.txt`")
}

// cleanToken trims the whitespace around a pasted token and an optional
// "Bearer " prefix, and refuses anything that cannot be a single token.
func cleanToken(raw string) (string, error) {
	t := strings.TrimSpace(raw)
	if len(t) >= 7 && strings.EqualFold(t[:7], "bearer ") {
		t = strings.TrimSpace(t[7:])
	}
	if t == "" || strings.EqualFold(t, "bearer") {
		return "", errors.New("no token")
	}
	for _, r := range t {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", errors.New("more than one word, or control characters, where a single token was expected")
		}
	}
	return t, nil
}
