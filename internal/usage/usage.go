// Package usage is the one error type for a mistake of the caller's: a
// flag, a value or a file given that the command cannot take. Commands
// exit 2 on it; nothing was changed. Lower packages (client, output, the
// operations) return it without knowing the commands' exit codes: the
// mapping asks the error's Usage method.
package usage

import "fmt"

// Error is a usage mistake. Err says what is wrong, in one line.
type Error struct{ Err error }

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Usage marks the error for the exit-code mapping (exit 2).
func (e *Error) Usage() bool { return true }

// Errorf builds a usage error.
func Errorf(format string, args ...any) error {
	return &Error{Err: fmt.Errorf(format, args...)}
}

// Wrap marks err as a usage error.
func Wrap(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err}
}
