package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/internal/prompt"
	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/output"
)

// CanPick reports whether a picker may appear: a person can answer
// (CanPrompt: stdin and stdout are terminals, neither CI nor
// AXERO_NO_PROMPT is set) and stderr, where it is drawn, is a terminal.
func CanPick(ios *iostreams.IOStreams) bool {
	return ios.CanPrompt() && ios.IsStderrTTY()
}

// errNothingChosen: the person left a picker with Ctrl-C or Esc.
var errNothingChosen = Exit(ExitInterrupted, errors.New("nothing chosen; nothing changed"))

// PickToken finds the token idOrName names among tokens, as ResolveToken
// does, and where that leaves a choice lets the person at the terminal
// make it: a name that several tokens share offers those tokens, and no
// name at all ("") offers every token in the list. verb says what the
// choice is for ("revoke"). Where no picker may appear (CanPick), the
// errors stay: a shared name lists the IDs (exit 1), and no name is a
// usage error (exit 2).
//
// The time the person takes is not the server's: when a picker was shown,
// the returned context carries a fresh --timeout (RestartDeadline), and
// done releases it; the caller uses that context from then on.
func (f *Factory) PickToken(ctx context.Context, c *client.Client, tokens []client.Token, idOrName, verb string) (t client.Token, next context.Context, done context.CancelFunc, err error) {
	done = func() {}
	name := strings.TrimSpace(idOrName)
	var title string
	var offer []client.Token
	if name == "" {
		if !CanPick(f.IO) {
			return t, ctx, done, FlagErrorf("name the token to %s: its ID or exact name", verb)
		}
		offer = tokens
		title = fmt.Sprintf("Which token do you want to %s?", verb)
	} else {
		t, err = ResolveToken(ctx, c, tokens, name)
		var ambiguous *resolve.AmbiguousError
		if err == nil || !errors.As(err, &ambiguous) || !CanPick(f.IO) {
			return t, ctx, done, err
		}
		for _, tok := range tokens {
			if tok.Name == name {
				offer = append(offer, tok)
			}
		}
		title = fmt.Sprintf("%s names %d tokens: which one do you want to %s?", strconv.Quote(name), len(offer), verb)
	}
	if len(offer) == 0 {
		return t, ctx, done, Exit(ExitNotFound, fmt.Errorf("there is no token to %s", verb))
	}
	ios := f.IO.ForStderr()
	// The selector and the form's margin take four columns.
	header, choices := TokenChoices(offer, f.Now(), max(ios.TerminalWidth()-4, 0))
	i, err := prompt.Select(PromptContext(ctx), f.IO.In, f.IO.ErrOut, textsafe.Terminal(title), header, choices, 0)
	if errors.Is(err, prompt.ErrAborted) {
		return t, ctx, done, errNothingChosen
	}
	if err != nil {
		return t, ctx, done, err
	}
	next, done = f.RestartDeadline(ctx)
	return offer[i], next, done, nil
}

// TokenChoices lays tokens out as a picker shows them: a header and one
// aligned line per token (ID, name, created, expires, last used), fitted
// to width (0: no limit), every name escaped for the terminal.
func TokenChoices(tokens []client.Token, now time.Time, width int) (header string, choices []string) {
	td := output.TableData{
		Headers: []string{"ID", "NAME", "CREATED", "EXPIRES", "LAST USED"},
		Fit:     output.Fit{Truncate: []string{"NAME"}, Drop: []string{"CREATED", "LAST USED"}},
	}
	for _, t := range tokens {
		var exp *time.Time
		if t.ExpirationDate != nil && !t.ExpirationDate.IsZero() {
			e := t.ExpirationDate.UTC()
			exp = &e
		}
		lastUsed := "never"
		if t.LastUsedDate != nil && !t.LastUsedDate.IsZero() {
			lastUsed = output.FormatTime(t.LastUsedDate.Time, true, now)
		}
		td.Rows = append(td.Rows, []string{
			strconv.FormatInt(t.TokenID, 10), t.Name,
			output.FormatTime(t.DateCreated.Time, true, now), output.FormatExpiry(exp, true, now), lastUsed,
		})
	}
	lines := output.TableLines(td, width)
	return lines[0], lines[1:]
}

// PickText asks the person at the terminal for a line (a new name), until
// validate accepts it. Callers check CanPick first. The returned context
// carries a fresh --timeout, as PickToken's does.
func (f *Factory) PickText(ctx context.Context, title string, validate func(string) error) (s string, next context.Context, done context.CancelFunc, err error) {
	s, err = prompt.Text(PromptContext(ctx), f.IO.In, f.IO.ErrOut, textsafe.Terminal(title), validate)
	if errors.Is(err, prompt.ErrAborted) {
		return "", ctx, func() {}, errNothingChosen
	}
	if err != nil {
		return "", ctx, func() {}, err
	}
	next, done = f.RestartDeadline(ctx)
	return s, next, done, nil
}

// PromptContext is ctx without the command's --timeout, still cancelled
// by Ctrl-C: a person at a prompt is not held to the server's deadline.
func PromptContext(ctx context.Context) context.Context {
	if base, ok := ctx.Value(undeadlinedKey{}).(context.Context); ok {
		return base
	}
	return ctx
}
