package cmdutil

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
)

// DeadlineAnnotation, on a command, says how the root applies --timeout
// to it. Without it, the command's whole run is one deadline of --timeout,
// set before the command starts: every request, retry and wait the server
// asks for fits in it, and a wait that cannot fails at once, naming it.
const DeadlineAnnotation = "axero/deadline"

// Values of DeadlineAnnotation.
const (
	// DeadlineNone: the command is not cut off by --timeout at all. For
	// commands that run for as long as the user wants (exec's child, the
	// sandbox, the demo) or that make no request (completion, docs).
	DeadlineNone = "none"
	// DeadlineSelf: the command applies the deadline itself, with
	// WithDeadline, where it fits: a bulk run bounds its start-up checks
	// and each row, not the whole run.
	DeadlineSelf = "self"
)

type undeadlinedKey struct{}

// WithDeadline bounds ctx by the command's --timeout, through
// client.WithCommandTimeout. A --timeout of zero or less is a usage error.
// The context that had no deadline is kept, so that RestartDeadline can
// start a fresh one after a prompt.
func (f *Factory) WithDeadline(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if base, ok := ctx.Value(undeadlinedKey{}).(context.Context); ok {
		ctx = base
	}
	base := ctx
	d, cancel, err := client.WithCommandTimeout(context.WithValue(ctx, undeadlinedKey{}, base), f.Timeout)
	if err != nil {
		return ctx, cancel, err
	}
	return d, cancel, nil
}

// RestartDeadline gives a command a fresh --timeout after it waited for a
// person (a hidden token prompt, a confirmation): the time someone takes
// to answer is not the server's. The previous deadline's context must not
// be used any more.
func (f *Factory) RestartDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Value(undeadlinedKey{}).(context.Context); !ok {
		return ctx, func() {}
	}
	d, cancel, err := f.WithDeadline(ctx)
	if err != nil {
		// The root checked --timeout before the command ran.
		return ctx, cancel
	}
	return d, cancel
}

// CheckTimeout refuses a --timeout of zero or less, for every command,
// whether or not it is bounded by it.
func (f *Factory) CheckTimeout() error {
	if f.Timeout > 0 {
		return nil
	}
	_, _, err := client.WithCommandTimeout(context.Background(), f.Timeout)
	return err
}

// ApplyDeadline is what the root runs before every command: it checks
// --timeout and, unless the command's DeadlineAnnotation says otherwise,
// bounds the command's context by it. The returned cancel releases the
// deadline's timer.
func (f *Factory) ApplyDeadline(c *cobra.Command) (context.CancelFunc, error) {
	if err := f.CheckTimeout(); err != nil {
		return func() {}, err
	}
	if deadlineMode(c) != "" {
		return func() {}, nil
	}
	ctx := c.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	d, cancel, err := f.WithDeadline(ctx)
	if err != nil {
		return cancel, err
	}
	c.SetContext(d)
	return cancel, nil
}

// deadlineMode is the DeadlineAnnotation of c or of the nearest parent
// that has one ("" for none: the default deadline).
func deadlineMode(c *cobra.Command) string {
	for ; c != nil; c = c.Parent() {
		if v, ok := c.Annotations[DeadlineAnnotation]; ok {
			return v
		}
	}
	return ""
}

// NoDeadline marks c as not bounded by --timeout (DeadlineNone).
func NoDeadline(c *cobra.Command) { annotate(c, DeadlineNone) }

// SelfDeadline marks c as applying --timeout itself (DeadlineSelf).
func SelfDeadline(c *cobra.Command) { annotate(c, DeadlineSelf) }

func annotate(c *cobra.Command, v string) {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[DeadlineAnnotation] = v
}

// DefaultTimeout is --timeout's default.
const DefaultTimeout = client.DefaultCommandTimeout

// TimeoutHelp is the --timeout flag's help.
const TimeoutHelp = "deadline of the whole command: every request, retry and wait it makes (bulk runs: each row); must be positive"
