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

// errNothingChosen: the person left a picker with Ctrl-C.
var errNothingChosen = Exit(ExitInterrupted, errors.New("nothing chosen; nothing changed"))

// TokenPick says what a token is picked for.
type TokenPick struct {
	// Verb names the action: "revoke", "rename", "rotate".
	Verb string
	// NewName, when set, also asks for a new name for the token, checked
	// by it (rename without NEW-NAME).
	NewName func(string) error
}

// Picked is what PickToken found.
type Picked struct {
	Token client.Token
	// Name is the new name asked for (TokenPick.NewName), or "".
	Name string
	// Ctx is the context to go on with: after a prompt it carries a
	// fresh --timeout, since the time a person takes to answer is not the
	// server's. Done releases it; it is never nil.
	Ctx  context.Context
	Done context.CancelFunc
}

// PickToken finds the token idOrName names among tokens, as ResolveToken
// does, and where that leaves a choice lets the person at the terminal
// make it: a name that several tokens share offers those tokens, and no
// name at all ("") offers every token in the list. Where no picker may
// appear (CanPick), the errors stay: a shared name lists the IDs (exit
// 1), and no name is a usage error (exit 2). With p.NewName, the new name
// is asked for too, in the same form as the choice when there is one.
func (f *Factory) PickToken(ctx context.Context, c *client.Client, tokens []client.Token, idOrName string, p TokenPick) (Picked, error) {
	picked := Picked{Ctx: ctx, Done: func() {}}
	name := strings.TrimSpace(idOrName)
	var title string
	var offer []client.Token
	if name == "" {
		if !CanPick(f.IO) {
			return picked, FlagErrorf("name the token to %s: its ID or exact name", p.Verb)
		}
		offer = tokens
		title = fmt.Sprintf("Which token do you want to %s?", p.Verb)
	} else {
		t, err := ResolveToken(ctx, c, tokens, name)
		var ambiguous *resolve.AmbiguousError
		if err == nil && p.NewName != nil && CanPick(f.IO) {
			picked.Token = t
			return f.askNewName(ctx, picked, p)
		}
		if err == nil || !errors.As(err, &ambiguous) || !CanPick(f.IO) {
			picked.Token = t
			return picked, err
		}
		for _, tok := range tokens {
			if tok.Name == name {
				offer = append(offer, tok)
			}
		}
		title = fmt.Sprintf("%s names %d tokens: which one do you want to %s?", strconv.Quote(name), len(offer), p.Verb)
	}
	if len(offer) == 0 {
		return picked, Exit(ExitNotFound, fmt.Errorf("there is no token to %s", p.Verb))
	}
	// The selector and the form's margin take four columns.
	header, choices := TokenChoices(offer, f.Now(), max(f.IO.ForStderr().TerminalWidth()-4, 0))
	list := prompt.List{Title: textsafe.Terminal(title), Header: header, Choices: choices}
	var line *prompt.Line
	if p.NewName != nil {
		line = &prompt.Line{Title: func(i int) string { return newNameTitle(offer[i]) }, Validate: p.NewName}
	}
	i, newName, err := prompt.SelectThenText(PromptContext(ctx), f.IO.In, f.IO.ErrOut, list, line)
	if errors.Is(err, prompt.ErrAborted) {
		return picked, errNothingChosen
	}
	if err != nil {
		return picked, err
	}
	picked.Token, picked.Name = offer[i], newName
	picked.Ctx, picked.Done = f.RestartDeadline(ctx)
	return picked, nil
}

// askNewName asks for the new name of a token already found.
func (f *Factory) askNewName(ctx context.Context, picked Picked, p TokenPick) (Picked, error) {
	s, err := prompt.Text(PromptContext(ctx), f.IO.In, f.IO.ErrOut, newNameTitle(picked.Token), p.NewName)
	if errors.Is(err, prompt.ErrAborted) {
		return picked, errNothingChosen
	}
	if err != nil {
		return picked, err
	}
	picked.Name = s
	picked.Ctx, picked.Done = f.RestartDeadline(ctx)
	return picked, nil
}

// newNameTitle asks for a token's new name, its old one escaped.
func newNameTitle(t client.Token) string {
	return textsafe.Terminal(fmt.Sprintf("New name for token %d (%s):", t.TokenID, t.Name))
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

// PromptContext is ctx without the command's --timeout, still cancelled
// by Ctrl-C: a person at a prompt is not held to the server's deadline.
func PromptContext(ctx context.Context) context.Context {
	if base, ok := ctx.Value(undeadlinedKey{}).(context.Context); ok {
		return base
	}
	return ctx
}
