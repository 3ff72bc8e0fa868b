package limit

import (
	"context"
	"sync/atomic"
)

// Fixed admits at most n requests at a time and ignores outcomes:
// `--concurrency N`.
type Fixed struct {
	sem      chan struct{}
	inFlight atomic.Int64
}

// NewFixed returns a Fixed limiter of n slots (at least 1).
func NewFixed(n int) *Fixed {
	if n < 1 {
		n = 1
	}
	return &Fixed{sem: make(chan struct{}, n)}
}

// Acquire waits for one of the n slots.
func (f *Fixed) Acquire(ctx context.Context) (Slot, error) {
	select {
	case f.sem <- struct{}{}:
		f.inFlight.Add(1)
		return fixedSlot{f}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Limit is n.
func (f *Fixed) Limit() int { return cap(f.sem) }

// InFlight is the number of slots held.
func (f *Fixed) InFlight() int { return int(f.inFlight.Load()) }

type fixedSlot struct{ f *Fixed }

func (s fixedSlot) Release(Outcome) {
	s.f.inFlight.Add(-1)
	<-s.f.sem
}
