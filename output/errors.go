package output

import "fmt"

// UsageError is a mistake in the output flags (-o, --jq). It says so with
// Usage, which the exit-code mapping asks for (exit 2), so that this
// package need not know the commands' error types.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usage reports that the error is a usage mistake.
func (e *UsageError) Usage() bool { return true }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}
