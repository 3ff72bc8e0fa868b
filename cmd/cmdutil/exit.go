// Package cmdutil holds what every command shares: the Factory that builds
// clients and reads the configuration, and the mapping from errors to exit
// codes.
package cmdutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/credentials"
	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/internal/usage"
)

// Exit codes, as documented in the CLI contract.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitAuth        = 3 // not authenticated or not permitted (401/403)
	ExitNotFound    = 4
	ExitPartial     = 5 // some rows of a bulk run failed
	ExitFound       = 6 // token list --exit-code found tokens
	ExitInterrupted = 130
)

// ExitError carries an explicit exit code. A nil Err means the command has
// already said everything it needed to: main prints nothing more.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Exit returns an error that makes the process exit with code, printing err
// (if non-nil) as `axero: <err>`.
func Exit(code int, err error) error { return &ExitError{Code: code, Err: err} }

// FlagError is a usage mistake: exit 2. It is the program's one usage
// error, by the name gh-style commands know it.
type FlagError = usage.Error

// FlagErrorf builds a usage error.
func FlagErrorf(format string, args ...any) error { return usage.Errorf(format, args...) }

// ErrNotLoggedIn is returned when no token can be found for a request.
var ErrNotLoggedIn = credentials.ErrNotLoggedIn

// ErrInterrupted is returned when the user pressed Ctrl-C.
var ErrInterrupted = errors.New("interrupted")

// ExitCode maps an error to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	// Lower packages (output, ...) classify their own errors by small
	// interfaces rather than by importing this package's types.
	var usage interface{ Usage() bool }
	if errors.As(err, &usage) && usage.Usage() {
		return ExitUsage
	}
	if errors.Is(err, ErrInterrupted) || errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	if errors.Is(err, ErrNotLoggedIn) {
		return ExitAuth
	}
	// A refused or missing credential of another service (a sink) is an
	// authentication failure like a 401 from the site.
	var denied interface{ Denied() bool }
	if errors.As(err, &denied) && denied.Denied() {
		return ExitAuth
	}
	var nf interface{ NotFound() bool }
	if errors.As(err, &nf) && nf.NotFound() {
		return ExitNotFound
	}
	switch client.KindOf(err) {
	case client.KindUnauthorized, client.KindForbidden:
		return ExitAuth
	case client.KindNotFound:
		return ExitNotFound
	}
	return ExitFailure
}

// Redact replaces every JWT-shaped string in s, so that a token a user
// pasted in the wrong place (`axero eyJ...` is an unknown command) is never
// echoed back in an error message.
func Redact(s string) string { return jwtinfo.Redact(s) }

// Message is the one line printed for err, or "" when nothing should be.
// Token values are redacted, line breaks folded and control characters
// escaped, whatever the error says.
func Message(err error) string {
	// Errors carry text from the server (names, messages) and from files:
	// control characters are shown escaped, never sent to the terminal.
	return Redact(textsafe.Terminal(textsafe.OneLine(message(err))))
}

func message(err error) string {
	var ee *ExitError
	if errors.As(err, &ee) && ee.Err == nil {
		return ""
	}
	if errors.Is(err, ErrInterrupted) || errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	return err.Error()
}
