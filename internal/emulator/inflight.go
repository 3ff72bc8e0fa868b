package emulator

import "sync"

// inflightGauge counts the API requests being served: how many now, and
// the most at once since it was last reset. It has its own lock so that
// counting never waits for the server's state.
type inflightGauge struct {
	mu        sync.Mutex
	cur, peak int
}

// enter counts one more request and returns how many are in flight with
// it.
func (g *inflightGauge) enter() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cur++
	g.peak = max(g.peak, g.cur)
	return g.cur
}

// leave counts one request less.
func (g *inflightGauge) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cur--
}

func (g *inflightGauge) read() (current, peak int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cur, g.peak
}

func (g *inflightGauge) reset() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.peak = g.cur
}

// InFlight reports how many API requests the server is serving now and
// the most it served at once since it started or since ResetInFlight.
// Every request to the site counts, from its arrival to its answer,
// refused ones (429, 503) included, so that a test can prove a client
// never had more than K requests in flight; the emulator's own endpoints
// under /_emulator/ do not.
func (s *Server) InFlight() (current, peak int) { return s.gauge.read() }

// ResetInFlight starts a new peak from the requests in flight now, so that
// one server can measure several runs.
func (s *Server) ResetInFlight() { s.gauge.reset() }
