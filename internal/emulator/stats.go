package emulator

import "sync/atomic"

// counters count the requests the site received and the ones it refused
// for the client to retry. They are atomics so that counting costs no lock.
type counters struct {
	requests    atomic.Int64
	tooMany     atomic.Int64 // answered 429
	unavailable atomic.Int64 // answered 503
}

// Stats is what the site is doing and has done: for tests (Server.Stats)
// and for benchmark scripts (GET /_emulator/stats).
type Stats struct {
	// InFlight is the number of requests being served now; PeakInFlight
	// the most at once since the start or the last reset.
	InFlight     int `json:"in_flight"`
	PeakInFlight int `json:"peak_in_flight"`
	// Requests counts the requests received, TooManyRequests those answered
	// 429 and Unavailable those answered 503 (by the rate limit, the cap on
	// concurrent requests or an injected failure).
	Requests        int64 `json:"requests"`
	TooManyRequests int64 `json:"answered_429"`
	Unavailable     int64 `json:"answered_503"`
	// The model in effect: Capacity and Overload (see Site; the overload
	// factor is the one in effect, never 0) and the rate limit in requests
	// per second (Faults.RateLimit; 0 for none).
	Capacity  int     `json:"capacity"`
	Overload  float64 `json:"overload"`
	RateLimit float64 `json:"rate_limit"`
}

// Stats reads the in-flight gauge, the counters and the model in effect.
func (s *Server) Stats() Stats {
	cur, peak := s.gauge.read()
	s.mu.Lock()
	site, rate := s.site, s.faults.RateLimit
	s.mu.Unlock()
	return Stats{
		InFlight:        cur,
		PeakInFlight:    peak,
		Requests:        s.counts.requests.Load(),
		TooManyRequests: s.counts.tooMany.Load(),
		Unavailable:     s.counts.unavailable.Load(),
		Capacity:        site.Capacity,
		Overload:        site.overload(),
		RateLimit:       rate,
	}
}

// ResetStats zeroes the counters and starts a new in-flight peak, so that
// one server can measure several runs.
func (s *Server) ResetStats() {
	s.counts.requests.Store(0)
	s.counts.tooMany.Store(0)
	s.counts.unavailable.Store(0)
	s.gauge.reset()
}
