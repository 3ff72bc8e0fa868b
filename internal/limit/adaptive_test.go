package limit

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// virtualClock is a clock the test moves by hand.
type virtualClock struct{ now time.Time }

func (c *virtualClock) read() time.Time         { return c.now }
func (c *virtualClock) advance(d time.Duration) { c.now = c.now.Add(d) }

// checkTokens fails unless the tokens in circulation match the limit and
// every one not held is free in the channel.
func checkTokens(t *testing.T, a *Adaptive) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.issued != a.ctl.limit || len(a.tokens)+a.InFlight() != a.issued || int(a.limit.Load()) != a.ctl.limit {
		t.Errorf("tokens: %d issued, %d free, %d held, limit %d (reported %d)",
			a.issued, len(a.tokens), a.InFlight(), a.ctl.limit, a.limit.Load())
	}
}

func TestAdaptiveOptions(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		opts []Option
		want int
	}{
		{"defaults start at the old fixed default", nil, DefaultInitialConcurrency},
		{"a maximum under the start", []Option{WithMax(4)}, 4},
		{"a start over the maximum", []Option{WithInitial(100)}, DefaultMaxConcurrency},
		{"a maximum under 1", []Option{WithMax(0)}, 1},
		{"a start under 1", []Option{WithInitial(-3)}, 1},
	} {
		a := NewAdaptive(c.opts...)
		if a.Limit() != c.want {
			t.Errorf("%s: Limit = %d, want %d", c.name, a.Limit(), c.want)
		}
		checkTokens(t, a)
	}
}

func TestAdaptiveLowerLimitHoldsBackNewRequestsUntilEnoughAreReleased(t *testing.T) {
	t.Parallel()
	clock := &virtualClock{now: simEpoch}
	a := NewAdaptive(WithClock(clock.read))
	var held []Slot
	for range 8 {
		s, ok := a.TryAcquire()
		if !ok {
			t.Fatal("TryAcquire failed under the limit")
		}
		held = append(held, s)
	}
	if _, ok := a.TryAcquire(); ok {
		t.Fatal("TryAcquire succeeded past the limit")
	}
	clock.advance(10 * ms)
	held[0].Release(Outcome{Latency: 5 * ms, Status: 503, RetryAfter: time.Second})
	if a.Limit() != 4 || a.InFlight() != 7 {
		t.Fatalf("after a 503: limit %d, in flight %d; want 4, 7", a.Limit(), a.InFlight())
	}
	for _, s := range held[1:4] {
		if _, ok := a.TryAcquire(); ok {
			t.Fatalf("TryAcquire succeeded with %d in flight and a limit of 4", a.InFlight())
		}
		s.Release(Outcome{Latency: 5 * ms, Status: 200})
	}
	if _, ok := a.TryAcquire(); ok {
		t.Fatal("TryAcquire succeeded with 4 in flight and a limit of 4")
	}
	held[4].Release(Outcome{Latency: 5 * ms, Status: 200})
	s, ok := a.TryAcquire()
	if !ok {
		t.Fatal("TryAcquire failed with 3 in flight and a limit of 4")
	}
	if _, ok := a.TryAcquire(); ok {
		t.Fatal("TryAcquire succeeded past the lower limit")
	}
	s.Release(Outcome{Latency: 5 * ms, Status: 200})
	for _, s := range held[5:] {
		s.Release(Outcome{Latency: 5 * ms, Status: 200})
	}
	checkTokens(t, a)
}

func TestAdaptiveAcquireWaitsForAReleasedSlot(t *testing.T) {
	t.Parallel()
	a := NewAdaptive(WithInitial(1))
	first, err := a.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		s, err := a.Acquire(context.Background())
		if err == nil {
			s.Release(Outcome{Canceled: true, Err: context.Canceled})
		}
		got <- err
	}()
	first.Release(Outcome{Latency: ms, Status: 200})
	if err := <-got; err != nil {
		t.Fatalf("a waiting Acquire = %v after a release", err)
	}
	checkTokens(t, a)
}

func TestAdaptiveAcquireEndsWithItsContext(t *testing.T) {
	t.Parallel()
	a := NewAdaptive(WithInitial(1))
	s, err := a.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release(Outcome{Canceled: true, Err: context.Canceled})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire on a full limiter with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestAdaptiveReportsEachChangeWithItsReason(t *testing.T) {
	t.Parallel()
	clock := &virtualClock{now: simEpoch}
	var a *Adaptive
	var changes []Change
	a = NewAdaptive(WithClock(clock.read), WithObserver(func(c Change) {
		if a.Limit() != c.To {
			t.Errorf("observer saw Limit %d while told of a change to %d", a.Limit(), c.To)
		}
		changes = append(changes, c)
	}))
	// A busy run: eight in flight, each answer replaced at once by a new
	// request. A round of eight answers at one latency shows no queue:
	// the limit doubles. (The first three of the opening burst were sent
	// with fewer than half the limit in flight, and do not count.)
	held := make([]Slot, 8)
	for i := range held {
		held[i], _ = a.TryAcquire()
	}
	for range 2 {
		clock.advance(20 * ms)
		for i, s := range held {
			clock.advance(time.Microsecond)
			s.Release(Outcome{Latency: 20 * ms, Status: 200})
			held[i], _ = a.TryAcquire()
		}
	}
	defer func() {
		for _, s := range held {
			s.Release(Outcome{Canceled: true, Err: context.Canceled})
		}
		checkTokens(t, a)
	}()
	s, _ := a.TryAcquire()
	clock.advance(ms)
	s.Release(Outcome{Latency: ms / 2, Status: 429, RetryAfter: time.Second})

	if len(changes) != 2 {
		t.Fatalf("observer told of %d changes, want 2: %v", len(changes), changes)
	}
	if c := changes[0]; c.From != 8 || c.To != 16 || c.Reason != ReasonGrow || c.Latency != 20*ms || c.Baseline != 20*ms {
		t.Errorf("first change %+v, want 8 → 16 for no queue at 20ms", c)
	}
	if c := changes[1]; c.From != 16 || c.To >= 16 || c.Reason != ReasonRateLimited || !c.At.Equal(clock.now) {
		t.Errorf("second change %+v, want 16 → less for a 429, at the time of the answer", c)
	}
	if got := changes[1].String(); !strings.HasPrefix(got, "concurrency limit 16 -> ") || !strings.Contains(got, "429") {
		t.Errorf("the 429's change reads %q", got)
	}
}

func TestChangeReadsAsOneLine(t *testing.T) {
	t.Parallel()
	c := Change{From: 48, To: 24, Reason: ReasonQueue, Latency: 220 * ms, Baseline: 20 * ms, Queue: 43.64}
	want := "concurrency limit 48 -> 24: latency over the baseline: the site queues requests (latency 220ms, baseline 20ms, about 43.6 queued)"
	if got := c.String(); got != want {
		t.Errorf("String() = %q\nwant %q", got, want)
	}
	c = Change{From: 16, To: 8, Reason: ReasonUnavailable}
	if got, want := c.String(), "concurrency limit 16 -> 8: the site answered 503/504 (unavailable)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for r := ReasonGrow; r <= ReasonNoAnswer; r++ {
		if s := r.String(); s == "unknown" || strings.ContainsAny(s, "\n\r") {
			t.Errorf("Reason(%d).String() = %q", r, s)
		}
	}
}

// TestAdaptiveConcurrentAcquireRelease runs many goroutines through the
// real limiter with every kind of outcome; under -race it proves the
// locking, and the token count proves that no slot is lost or made up.
func TestAdaptiveConcurrentAcquireRelease(t *testing.T) {
	t.Parallel()
	const maxLimit = 16
	a := NewAdaptive(WithMax(maxLimit), WithObserver(func(Change) {}))
	var cur, peak atomic.Int64
	var wg sync.WaitGroup
	for g := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 400 {
				s, err := a.Acquire(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				n := cur.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				_, _ = a.Limit(), a.InFlight()
				cur.Add(-1)
				s.Release(mixedOutcome(g, i))
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > maxLimit || p < 1 {
		t.Errorf("peak in flight %d, want 1..%d", p, maxLimit)
	}
	if a.InFlight() != 0 {
		t.Errorf("InFlight = %d after every release", a.InFlight())
	}
	checkTokens(t, a)
}

// mixedOutcome is a varied but repeatable outcome for the race test.
func mixedOutcome(g, i int) Outcome {
	switch k := (g*7 + i) % 50; k {
	case 0:
		return Outcome{Latency: ms, Status: 429, RetryAfter: time.Second}
	case 1:
		return Outcome{Latency: ms, Status: 503}
	case 2:
		return Outcome{Latency: 30 * ms, Err: context.DeadlineExceeded}
	case 3:
		return Outcome{Latency: ms, Canceled: true, Err: context.Canceled}
	default:
		return Outcome{Latency: time.Duration(1+k%9) * ms, Status: 200}
	}
}

func TestAdaptiveAcquireAndReleaseDoNotAllocate(t *testing.T) {
	clock := &virtualClock{now: simEpoch}
	a := NewAdaptive(WithClock(clock.read), WithObserver(func(Change) {}))
	ctx := context.Background()
	i := 0
	allocs := testing.AllocsPerRun(2000, func() {
		i++
		clock.advance(ms)
		s, err := a.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		o := Outcome{Latency: time.Duration(1+i%5) * 100 * time.Microsecond, Status: 200}
		if i%97 == 0 {
			o = Outcome{Latency: 100 * time.Microsecond, Status: 429, RetryAfter: ms}
		}
		s.Release(o)
		if s, ok := a.TryAcquire(); ok {
			s.Release(Outcome{Latency: 300 * time.Microsecond, Status: 200})
		}
	})
	if allocs != 0 {
		t.Errorf("Acquire, TryAcquire and Release allocated %.1f times a round", allocs)
	}
}
