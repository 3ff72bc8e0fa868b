package cmdutil

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func TestApplyDeadlineBoundsTheCommandUnlessItOptsOut(t *testing.T) {
	f := &Factory{Timeout: 2 * time.Minute}
	root := &cobra.Command{Use: "axero"}
	plain := &cobra.Command{Use: "list"}
	none := &cobra.Command{Use: "sandbox"}
	NoDeadline(none)
	self := &cobra.Command{Use: "bulk"}
	SelfDeadline(self)
	child := &cobra.Command{Use: "child"}
	none.AddCommand(child)
	root.AddCommand(plain, none, self)

	for _, tc := range []struct {
		c    *cobra.Command
		want bool
	}{{plain, true}, {none, false}, {self, false}, {child, false}} {
		tc.c.SetContext(context.Background())
		cancel, err := f.ApplyDeadline(tc.c)
		if err != nil {
			t.Fatal(err)
		}
		_, has := tc.c.Context().Deadline()
		cancel()
		if has != tc.want {
			t.Errorf("%s: deadline %v, want %v", tc.c.Use, has, tc.want)
		}
	}
}

func TestNonPositiveTimeoutIsAUsageErrorForEveryCommand(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		f := &Factory{Timeout: d}
		c := &cobra.Command{Use: "exec"}
		NoDeadline(c)
		c.SetContext(context.Background())
		_, err := f.ApplyDeadline(c)
		if ExitCode(err) != ExitUsage {
			t.Errorf("--timeout %s: exit %d (%v), want %d", d, ExitCode(err), err, ExitUsage)
		}
	}
}

func TestRestartDeadlineGivesAFreshBudgetAfterAPrompt(t *testing.T) {
	f := &Factory{Timeout: time.Hour}
	parent, stop := context.WithCancel(context.Background())
	ctx, cancel, err := f.WithDeadline(parent)
	if err != nil {
		t.Fatal(err)
	}
	cancel() // the first budget is spent
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatal("the first deadline is still running")
	}
	fresh, cancel2 := f.RestartDeadline(ctx)
	defer cancel2()
	if fresh.Err() != nil {
		t.Fatalf("the restarted deadline is already over: %v", fresh.Err())
	}
	if _, ok := fresh.Deadline(); !ok {
		t.Fatal("the restarted context has no deadline")
	}
	// Ctrl-C (the parent) still reaches it.
	stop()
	if fresh.Err() == nil {
		t.Fatal("cancelling the command's parent did not reach the restarted context")
	}
}

func TestRestartDeadlineLeavesAnUnboundedContextAlone(t *testing.T) {
	f := &Factory{Timeout: time.Hour}
	ctx, cancel := f.RestartDeadline(context.Background())
	defer cancel()
	if _, ok := ctx.Deadline(); ok {
		t.Fatal("a command without a deadline got one")
	}
}
