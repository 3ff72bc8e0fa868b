package emulator

import "sync"

// gauge counts the requests the server is answering at this moment and
// the most it answered at once, so that a test can prove a client's bound
// on requests in flight from the server's side of the wire.
type gauge struct {
	mu         sync.Mutex
	busy, peak int
}

// enter counts a request in; the returned function counts it out. It runs
// before the answer is flushed, so a client never sees an answer whose
// request is still counted.
func (g *gauge) enter() (leave func()) {
	g.mu.Lock()
	g.busy++
	g.peak = max(g.peak, g.busy)
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		g.busy--
		g.mu.Unlock()
	}
}

// Concurrent is the number of requests being answered now.
func (s *Server) Concurrent() int {
	s.gauge.mu.Lock()
	defer s.gauge.mu.Unlock()
	return s.gauge.busy
}

// PeakConcurrent is the most requests answered at once since the server
// started or since ResetPeakConcurrent.
func (s *Server) PeakConcurrent() int {
	s.gauge.mu.Lock()
	defer s.gauge.mu.Unlock()
	return s.gauge.peak
}

// ResetPeakConcurrent starts the peak again from the requests being
// answered now.
func (s *Server) ResetPeakConcurrent() {
	s.gauge.mu.Lock()
	defer s.gauge.mu.Unlock()
	s.gauge.peak = s.gauge.busy
}
