package cmdutil

import (
	"context"
	"fmt"

	"golang.org/x/term"

	"github.com/axero-cli/axero/internal/iostreams"
)

// CanHideInput reports whether stdin is a real terminal whose echo can be
// turned off, so that a secret typed or pasted there is not shown.
func CanHideInput(ios *iostreams.IOStreams) bool {
	return ios.StdinFd >= 0 && term.IsTerminal(ios.StdinFd)
}

// PromptHidden shows prompt on stderr and reads a line from the terminal
// without echo: a pasted token is never on the screen, in the scrollback
// or in a screen recording. instead says what to do when no terminal can
// be prompted ("pipe it in with --with-token").
//
// x/term restores the terminal when ReadPassword returns, but Ctrl-C does
// not make it return: main catches the signal and cancels ctx instead, so
// the terminal state is restored here before giving up (exit 130).
func PromptHidden(ctx context.Context, ios *iostreams.IOStreams, prompt, instead string) (string, error) {
	fd := ios.StdinFd
	state, err := term.GetState(fd)
	if err != nil {
		return "", FlagErrorf("cannot prompt for the token (%v): %s", err, instead)
	}
	fmt.Fprint(ios.ErrOut, prompt)
	type answer struct {
		b   []byte
		err error
	}
	done := make(chan answer, 1)
	go func() {
		b, err := term.ReadPassword(fd)
		done <- answer{b, err}
	}()
	select {
	case a := <-done:
		fmt.Fprintln(ios.ErrOut)
		if a.err != nil {
			return "", fmt.Errorf("cannot read the token from the terminal: %w", a.err)
		}
		return string(a.b), nil
	case <-ctx.Done():
		_ = term.Restore(fd, state)
		fmt.Fprintln(ios.ErrOut)
		return "", ErrInterrupted
	}
}
