package limit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestFixedNeverAdmitsMoreThanN(t *testing.T) {
	t.Parallel()
	const n = 4
	l := NewFixed(n)
	var cur, peak atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := l.Acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			c := cur.Add(1)
			for {
				p := peak.Load()
				if c <= p || peak.CompareAndSwap(p, c) {
					break
				}
			}
			if got := l.InFlight(); got > n {
				t.Errorf("InFlight = %d, want at most %d", got, n)
			}
			time.Sleep(time.Millisecond)
			cur.Add(-1)
			s.Release(Outcome{Status: 200})
		}()
	}
	wg.Wait()
	if peak.Load() > n || peak.Load() < 1 {
		t.Errorf("peak in flight = %d, want 1..%d", peak.Load(), n)
	}
	if l.InFlight() != 0 || l.Limit() != n {
		t.Errorf("after the run: InFlight %d, Limit %d", l.InFlight(), l.Limit())
	}
}

func TestFixedAcquireEndsWithItsContext(t *testing.T) {
	t.Parallel()
	l := NewFixed(1)
	s, err := l.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release(Outcome{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire on a full limiter with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestOverloaded(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		o    Outcome
		want bool
	}{
		{Outcome{Status: 200}, false},
		{Outcome{Status: 429}, true},
		{Outcome{Status: 503}, true},
		{Outcome{Status: 500}, false},
		{Outcome{Err: errors.New("timeout")}, true},
		{Outcome{Err: context.Canceled, Canceled: true}, false},
	} {
		if got := c.o.Overloaded(); got != c.want {
			t.Errorf("%+v.Overloaded() = %v, want %v", c.o, got, c.want)
		}
	}
}
