package emulator

import (
	"fmt"
	"time"
)

// Site is how much load the emulated site takes. It models a thread-pool
// server under contention: up to Capacity requests are served at once at
// full speed (Faults.Latency each); past that, every request is slowed by
// the ones beyond the capacity. A request served while n requests are in
// flight (itself included) takes
//
//	latency × (1 + Overload × (n − Capacity) / Capacity)     when n > Capacity
//
// so with Overload 1 the site's throughput stays at its capacity's and only
// latency grows, as in a queue; above 1 the site also loses throughput the
// harder it is pushed, which is what makes a fixed, too high concurrency
// slower than the right one. The load is read when the request is served,
// so a change of Site takes effect with the next request.
type Site struct {
	// Capacity is how many requests the site serves at once at full speed;
	// 0 means no limit (and no slowdown).
	Capacity int
	// Overload is how much each request beyond the capacity slows every
	// request served meanwhile, as a share of the capacity; 0 means
	// DefaultOverload.
	Overload float64
}

// DefaultOverload is the overload factor of a Site that names none: twice
// the capacity in flight makes every request three times as slow, so the
// site serves two thirds of what it serves at its capacity.
const DefaultOverload = 2

// overload is the factor in effect.
func (m Site) overload() float64 {
	if m.Overload == 0 {
		return DefaultOverload
	}
	return m.Overload
}

// check refuses a model that cannot be served.
func (m Site) check() error {
	switch {
	case m.Capacity < 0:
		return fmt.Errorf("the capacity must not be negative, got %d", m.Capacity)
	case m.Overload < 0:
		return fmt.Errorf("the overload factor must not be negative, got %g", m.Overload)
	}
	return nil
}

// latency is how long a request whose base latency is base takes when
// inflight requests, itself included, are being served.
func (m Site) latency(base time.Duration, inflight int) time.Duration {
	excess := inflight - m.Capacity
	if m.Capacity <= 0 || excess <= 0 || base <= 0 {
		return base
	}
	return base + time.Duration(float64(base)*m.overload()*float64(excess)/float64(m.Capacity))
}

// SetSite replaces the site model; requests served from now on follow it.
// It refuses a negative capacity or overload factor.
func (s *Server) SetSite(m Site) error {
	if err := m.check(); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.site = m
	return nil
}

// Site returns the site model in effect.
func (s *Server) Site() Site {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.site
}
