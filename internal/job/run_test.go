package job

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/limit"
)

// Every item read is done by one of the workers, never more at once, and
// collected on the calling goroutine.
func TestPipelineDoesEveryItemWithBoundedWorkers(t *testing.T) {
	t.Parallel()
	run := New(context.Background(), 0, nil)
	defer run.Close()
	var busy, peak atomic.Int64
	var got []int
	Pipeline(run, 4, func(send func(int) bool) error {
		for i := range 200 {
			if !send(i) {
				t.Error("send refused while the run dispatches")
			}
		}
		return nil
	}, func(w Worker, i int) int {
		n := busy.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(100 * time.Microsecond)
		busy.Add(-1)
		return i
	}, func(i int) { got = append(got, i) }) // no lock: one goroutine collects
	slices.Sort(got)
	if len(got) != 200 || got[0] != 0 || got[199] != 199 || peak.Load() > 4 {
		t.Fatalf("%d items collected, peak %d workers", len(got), peak.Load())
	}
}

// After CollectInOrder the collector gets the results in the order the
// reader sent the items, however the workers finish them (here the later
// an item, the sooner it is done), and the reader is held back only when
// it runs far ahead of the oldest item not yet collected.
func TestPipelineCollectsInInputOrderWhenAsked(t *testing.T) {
	t.Parallel()
	run := New(context.Background(), 0, nil)
	defer run.Close()
	run.CollectInOrder()
	const n = 3000
	var got []int
	var ahead atomic.Int64 // the most items sent and not yet collected
	var sent, collected atomic.Int64
	Pipeline(run, 8, func(send func(int) bool) error {
		for i := range n {
			if !send(i) {
				t.Error("send refused while the run dispatches")
			}
			a := sent.Add(1) - collected.Load()
			for p := ahead.Load(); a > p && !ahead.CompareAndSwap(p, a); p = ahead.Load() {
			}
		}
		return nil
	}, func(w Worker, i int) int {
		if i%500 == 0 {
			time.Sleep(20 * time.Millisecond) // one slow item in many
		}
		return i
	}, func(i int) {
		got = append(got, i)
		collected.Add(1)
	})
	if len(got) != n || !slices.IsSorted(got) {
		t.Fatalf("%d results, in input order: %v", len(got), slices.IsSorted(got))
	}
	// The window, plus the items in the channels and the workers' hands.
	if a := ahead.Load(); a > orderWindow+2*8+1 {
		t.Errorf("the reader ran %d items ahead of the collector, want at most the window of %d and the pipeline's buffers", a, orderWindow)
	}
}

// A pool sized for a high limit lets only twice the limiter's current
// limit of its workers act at once, so that Ctrl-C sees through only the
// items of those: the others find the run stopped and do nothing.
func TestPipelineActsOnTwiceTheLimitAtOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run := New(ctx, 0, limit.NewFixed(2))
	defer run.Close()
	var busy, peak, done, doneAtStop atomic.Int64
	collected := 0
	Pipeline(run, 32, func(send func(int) bool) error {
		for i := range 400 {
			if !send(i) {
				return nil
			}
		}
		return nil
	}, func(w Worker, i int) bool {
		if w.Stopped() {
			return false
		}
		n := busy.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(time.Millisecond)
		busy.Add(-1)
		done.Add(1)
		return true
	}, func(bool) {
		collected++
		if collected == 40 {
			doneAtStop.Store(done.Load())
			cancel()
		}
	})
	if p := peak.Load(); p > 4 {
		t.Errorf("%d workers acted at once under a limit of 2, want at most 4", p)
	}
	if extra := done.Load() - doneAtStop.Load(); extra > 4 {
		t.Errorf("%d items were still done after the run stopped, want at most the 4 under way", extra)
	}
}

// The first fatal error stops dispatching: the reader is told, workers
// see it, what was sent is still collected, and Err is that first error.
func TestFailStopsDispatchingAndKeepsTheFirstError(t *testing.T) {
	t.Parallel()
	run := New(context.Background(), 0, nil)
	defer run.Close()
	first := errors.New("403")
	var sent, collected, stoppedSeen atomic.Int64
	Pipeline(run, 2, func(send func(int) bool) error {
		for i := 0; ; i++ {
			if !send(i) {
				return nil
			}
			sent.Add(1)
		}
	}, func(w Worker, i int) int {
		if i == 10 {
			run.Fail(first)
			run.Fail(errors.New("a later one"))
		}
		if w.Stopped() {
			stoppedSeen.Add(1)
		}
		return i
	}, func(int) { collected.Add(1) })
	if !errors.Is(run.Err(), first) || !run.Stopped() || run.Interrupted() {
		t.Fatalf("err %v, stopped %v, interrupted %v", run.Err(), run.Stopped(), run.Interrupted())
	}
	if collected.Load() != sent.Load() || stoppedSeen.Load() == 0 {
		t.Fatalf("sent %d, collected %d, %d saw the stop", sent.Load(), collected.Load(), stoppedSeen.Load())
	}
}

// Ctrl-C (the run's context) stops dispatching, but the work context of
// what was sent stays alive.
func TestInterruptLeavesWorkInFlightAlive(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	run := New(ctx, 0, nil)
	defer run.Close()
	Pipeline(run, 1, func(send func(int) bool) error {
		send(1)
		return nil
	}, func(w Worker, _ int) int {
		cancel()
		work, done := w.Bound()
		defer done()
		stop, done2 := w.BoundStop()
		defer done2()
		if work.Err() != nil || stop.Err() == nil || !w.Stopped() {
			t.Errorf("work %v, stop %v", work.Err(), stop.Err())
		}
		return 0
	}, func(int) {})
	if !run.Interrupted() || run.Err() != nil {
		t.Fatalf("interrupted %v, err %v", run.Interrupted(), run.Err())
	}
}

// InFlight lists what the workers with a request on the wire are doing,
// not the workers waiting for a slot.
func TestInFlightListsRequestsOnTheWire(t *testing.T) {
	t.Parallel()
	run := New(context.Background(), 0, limit.NewFixed(1))
	defer run.Close()
	lim := run.Limiter()
	holding := make(chan struct{})
	release := make(chan struct{})
	waiting := make(chan struct{})
	go Pipeline(run, 2, func(send func(int) bool) error {
		send(1)
		send(2)
		return nil
	}, func(w Worker, i int) int {
		w.Doing("request %d", i)
		ctx, cancel := w.Bound()
		defer cancel()
		if i == 2 {
			<-holding
			close(waiting)
		}
		s, err := lim.Acquire(ctx)
		if err != nil {
			t.Error(err)
			return i
		}
		if i == 1 {
			close(holding)
			<-release
		}
		s.Release(limit.Outcome{})
		return i
	}, func(int) {})
	<-waiting
	time.Sleep(10 * time.Millisecond) // let the second worker block on the slot
	if got := run.InFlight(); len(got) != 1 || got[0] != "request 1" {
		t.Errorf("InFlight %q, want only the request holding the slot", got)
	}
	close(release)
}
