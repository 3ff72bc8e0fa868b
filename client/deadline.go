package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/axero-cli/axero/internal/usage"
)

// DefaultCommandTimeout is the overall deadline of a command when --timeout
// is not given.
const DefaultCommandTimeout = 30 * time.Second

type budgetKey struct{}

// WithCommandTimeout bounds everything done with the returned context by
// d, the whole command's budget: every attempt, every retry and every
// wait the server asks for. A wait that would not end before the deadline
// fails at once with a *WaitError that names it, instead of sleeping into
// the deadline. d must be positive: zero or a negative value is a
// usage error, never a silent default.
func WithCommandTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc, error) {
	if d <= 0 {
		return ctx, func() {}, usage.Errorf("invalid --timeout %s: it must be positive, e.g. 30s or 2m", d)
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return context.WithValue(ctx, budgetKey{}, d), cancel, nil
}

// commandBudget is the d given to WithCommandTimeout, or 0.
func commandBudget(ctx context.Context) time.Duration {
	d, _ := ctx.Value(budgetKey{}).(time.Duration)
	return d
}

// WaitError: a wait before the next attempt (the server's Retry-After, a
// pause in force for the site, or the client's own backoff) would not end
// before the context's deadline, so the request failed at once instead.
type WaitError struct {
	Wait       time.Duration // the wait that was asked for
	FromServer bool          // the server asked for it (Retry-After); else the client's backoff
	Left       time.Duration // the time that was left before the deadline
	Budget     time.Duration // the command's whole deadline (WithCommandTimeout), or 0 if unknown
}

func (e *WaitError) Error() string {
	what := "the server asked to wait " + formatWait(e.Wait)
	if !e.FromServer {
		what = "the next retry would wait " + formatWait(e.Wait)
	}
	if e.Budget > 0 {
		return what + ", beyond the command's deadline of " + e.Budget.String()
	}
	return what + ", more than the " + formatWait(e.Left) + " left before the deadline"
}

// Timeout reports true: the deadline is what stopped the request.
func (e *WaitError) Timeout() bool { return true }

// checkWait returns a *WaitError when waiting d from now would overrun
// ctx's deadline.
func checkWait(ctx context.Context, d time.Duration, fromServer bool) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		return nil
	}
	left := time.Until(deadline)
	if d < left {
		return nil
	}
	return &WaitError{Wait: d, FromServer: fromServer, Left: max(left, 0), Budget: commandBudget(ctx)}
}

// formatWait writes a wait the way people read it: 27h46m, 4m05s, 1.5s.
func formatWait(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", d/time.Hour, d%time.Hour/time.Minute)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", d/time.Minute, d%time.Minute/time.Second)
	}
	return d.Round(time.Millisecond).String()
}

// TimeoutError: a request, or the reading of its answer, ran out of time.
// errors.Is(err, context.DeadlineExceeded) holds.
type TimeoutError struct {
	Limit   time.Duration // the time allowed: the command's deadline or one attempt's timeout; 0 if unknown
	Command bool          // the command's deadline ran out, rather than one attempt's timeout
	Reading bool          // the status arrived but the body stalled
}

func (e *TimeoutError) Error() string {
	switch {
	case e.Command && e.Limit > 0:
		return "timed out: the command's deadline of " + e.Limit.String() + " passed"
	case e.Command:
		return "timed out: the deadline passed"
	case e.Reading && e.Limit > 0:
		return "timed out after " + e.Limit.String() + " waiting for the rest of the server's answer"
	case e.Reading:
		return "timed out waiting for the rest of the server's answer"
	case e.Limit > 0:
		return "timed out after " + e.Limit.String() + " waiting for the server"
	}
	return "timed out waiting for the server"
}

// Timeout reports true.
func (e *TimeoutError) Timeout() bool { return true }

// Is makes errors.Is(err, context.DeadlineExceeded) hold.
func (e *TimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// isTimeout spots a deadline or timeout in an error from the transport.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
