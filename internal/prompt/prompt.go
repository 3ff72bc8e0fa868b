// Package prompt asks the person at a terminal to choose from a list or
// to type a line, with charmbracelet's huh. It is the only package that
// imports huh. Whether a prompt may appear at all (a terminal, no CI, no
// AXERO_NO_PROMPT) is the caller's decision.
//
// Each call runs one huh form. Questions that follow one another (choose
// a token, then type its new name) are asked in one form: two forms run
// one after the other were seen on a terminal to drop a key typed into
// the second.
package prompt

import (
	"context"
	"errors"
	"io"
	"strings"

	"charm.land/huh/v2"
)

// ErrAborted: the person pressed Ctrl-C instead of answering.
var ErrAborted = errors.New("no answer: nothing was chosen")

// Choice is one line of a Select: what the person sees, already safe for
// a terminal and fitted to its width.
type Choice = string

// List is a list to choose from: a title, a header (column names, or "")
// above the choices, one per line, and the choice in focus at first.
type List struct {
	Title   string
	Header  string
	Choices []Choice
	Start   int
}

// Line is a line to type, under a title that may depend on the choice
// made just before it, checked by Validate until it accepts it.
type Line struct {
	Title    func(chosen int) string
	Validate func(string) error
}

// maxVisible is how many choices show at once; more scroll.
const maxVisible = 12

// Select shows the list and returns the index of the choice made with
// the arrow keys (or j and k) and Enter; / filters the list. It reads
// keys from in (a terminal, which it puts in raw mode for the while and
// gives back as it was) and draws on out.
func Select(ctx context.Context, in io.Reader, out io.Writer, l List) (int, error) {
	chosen, _, err := SelectThenText(ctx, in, out, l, nil)
	return chosen, err
}

// Text asks for one line, and asks again, saying why, until validate
// accepts it. The line is returned without surrounding spaces.
func Text(ctx context.Context, in io.Reader, out io.Writer, title string, validate func(string) error) (string, error) {
	var s string
	field := huh.NewInput().Title(title).Value(&s).Validate(validate)
	if err := run(ctx, in, out, huh.NewGroup(field)); err != nil {
		return "", err
	}
	return strings.TrimSpace(s), nil
}

// SelectThenText shows the list and then, when line is not nil, asks for
// the line, in one form.
func SelectThenText(ctx context.Context, in io.Reader, out io.Writer, l List, line *Line) (int, string, error) {
	if len(l.Choices) == 0 {
		return 0, "", errors.New("nothing to choose from")
	}
	opts := make([]huh.Option[int], len(l.Choices))
	for i, c := range l.Choices {
		opts[i] = huh.NewOption(c, i)
	}
	chosen := min(max(l.Start, 0), len(l.Choices)-1)
	// The field's height counts its title and header lines too.
	height := min(len(l.Choices), maxVisible) + 1
	sel := huh.NewSelect[int]().Title(l.Title).Options(opts...).Value(&chosen)
	if l.Header != "" {
		// Under the title, above the choices, and as far in as they are
		// (the selector "> " precedes each).
		sel.Description("  " + l.Header)
		height++
	}
	sel.Height(height)
	groups := []*huh.Group{huh.NewGroup(sel)}
	var s string
	if line != nil {
		field := huh.NewInput().
			TitleFunc(func() string { return line.Title(chosen) }, &chosen).
			Value(&s).
			Validate(line.Validate)
		groups = append(groups, huh.NewGroup(field))
	}
	if err := run(ctx, in, out, groups...); err != nil {
		return 0, "", err
	}
	return chosen, strings.TrimSpace(s), nil
}

// run runs the groups as one form. A cancelled ctx (the first Ctrl-C
// outside raw mode) and an abort are both ErrAborted.
func run(ctx context.Context, in io.Reader, out io.Writer, groups ...*huh.Group) error {
	form := huh.NewForm(groups...).
		WithInput(in).
		WithOutput(out).
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
