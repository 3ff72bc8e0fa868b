// Package prompt asks the person at a terminal to choose from a list or
// to type a line, with charmbracelet's huh. It is the only package that
// imports huh. Whether a prompt may appear at all (a terminal, no CI, no
// AXERO_NO_PROMPT) is the caller's decision.
package prompt

import (
	"context"
	"errors"
	"io"
	"strings"

	"charm.land/huh/v2"
)

// ErrAborted: the person pressed Ctrl-C (or Esc) instead of answering.
var ErrAborted = errors.New("no answer: nothing was chosen")

// Choice is one line of a Select: what the person sees, already safe for
// a terminal and fitted to its width.
type Choice = string

// Select shows title, then header (column names, or "") above the
// choices, one per line, with choices[start] in focus, and returns the
// index of the one chosen with the arrow keys (or j and k) and Enter; /
// filters the list. It reads keys
// from in (a terminal, which it puts in raw mode for the while and gives
// back as it was) and draws on out.
func Select(ctx context.Context, in io.Reader, out io.Writer, title, header string, choices []Choice, start int) (int, error) {
	if len(choices) == 0 {
		return 0, errors.New("nothing to choose from")
	}
	opts := make([]huh.Option[int], len(choices))
	for i, c := range choices {
		opts[i] = huh.NewOption(c, i)
	}
	chosen := min(max(start, 0), len(choices)-1)
	sel := huh.NewSelect[int]().
		Title(title).
		Options(opts...).
		Height(min(len(choices), maxVisible) + 1).
		Value(&chosen)
	if header != "" {
		// Under the title, above the choices, and as far in as they are
		// (the selector "> " precedes each).
		sel.Description("  " + header)
	}
	return chosen, run(ctx, in, out, huh.NewGroup(sel))
}

// maxVisible is how many choices show at once; more scroll.
const maxVisible = 12

// Text asks for one line under title, and asks again, saying why, until
// validate accepts it.
func Text(ctx context.Context, in io.Reader, out io.Writer, title string, validate func(string) error) (string, error) {
	var s string
	field := huh.NewInput().Title(title).Value(&s).Validate(validate)
	if err := run(ctx, in, out, huh.NewGroup(field)); err != nil {
		return "", err
	}
	return strings.TrimSpace(s), nil
}

// run runs one group as a form. A cancelled ctx (the first Ctrl-C
// outside raw mode, or a deadline) and an abort are both ErrAborted.
func run(ctx context.Context, in io.Reader, out io.Writer, group *huh.Group) error {
	form := huh.NewForm(group).
		WithInput(in).
		WithOutput(out).
		WithTheme(huh.ThemeFunc(huh.ThemeBase16)).
		WithShowHelp(true)
	err := form.RunWithContext(ctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, huh.ErrUserAborted), errors.Is(err, huh.ErrTimeout), ctx.Err() != nil:
		return ErrAborted
	}
	return err
}
