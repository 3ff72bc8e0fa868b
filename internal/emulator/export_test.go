package emulator

import (
	"context"
	"time"
)

// SlotsHeld is the number of requests holding a slot under
// Faults.MaxConcurrent: a request counts in InFlight from its arrival, a
// moment before it takes its slot.
func (s *Server) SlotsHeld() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.inflight)
}

// UseWait replaces how a request waits for its latency, so that a test can
// see the latency each request was given without timing anything.
func (s *Server) UseWait(wait func(ctx context.Context, d time.Duration) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wait = wait
}

// UseRateClock gives the rate limiter a clock of the test's own, and
// refills the bucket at its time.
func (s *Server) UseRateClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limiter.mu.Lock()
	s.limiter.now = now
	s.limiter.mu.Unlock()
	s.limiter.reset(s.faults.RateLimit)
}
