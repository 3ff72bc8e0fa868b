package emulator

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// rateLimiter is a token bucket: rate tokens per second, burst about one
// second's worth (at least 1). It runs on the real clock, not Options.Now,
// because it limits real requests; tests give it a clock of their own.
type rateLimiter struct {
	mu     sync.Mutex
	now    func() time.Time // nil: time.Now
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func (l *rateLimiter) clock() time.Time {
	if l.now != nil {
		return l.now()
	}
	return time.Now()
}

func (l *rateLimiter) reset(rate float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rate = rate
	l.burst = rate
	if l.burst < 1 {
		l.burst = 1
	}
	l.tokens = l.burst
	l.last = l.clock()
}

// allow takes one token, or reports that none is left.
func (l *rateLimiter) allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate <= 0 {
		return true
	}
	now := l.clock()
	l.tokens += now.Sub(l.last).Seconds() * l.rate
	l.last = now
	if l.tokens > l.burst {
		l.tokens = l.burst
	}
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

func (s *Server) chance(p float64) bool {
	if p <= 0 {
		return false
	}
	if p >= 1 {
		return true
	}
	return rand.Float64() < p //nolint:gosec // fault injection in the emulator needs no cryptographic randomness
}

// injectFaults answers the request itself when a fault applies, before the
// emulator acts on it, and reports whether it did; otherwise it makes the
// request wait for its latency under the site model, given the number of
// requests in flight with it. release must be called when the request is
// over.
func (s *Server) injectFaults(w http.ResponseWriter, r *http.Request, load int) (handled bool, release func()) {
	release = func() {}
	s.mu.Lock()
	f := s.faults
	site, wait := s.site, s.wait
	inflight := s.inflight
	s.mu.Unlock()

	if f.HTMLMode {
		writeLoginPage(w)
		return true, release
	}
	if inflight != nil {
		select {
		case inflight <- struct{}{}:
			release = func() { <-inflight }
		default:
			s.answerRetryLater(w, http.StatusServiceUnavailable, CodeUnavailable, "too many requests in flight", f.RetryAfter)
			return true, release
		}
	}
	if f.RateLimit > 0 && !s.limiter.allow() {
		s.answerRetryLater(w, http.StatusTooManyRequests, CodeRateLimited, "rate limit exceeded", f.RetryAfter)
		return true, release
	}
	if d := site.latency(f.Latency+s.jitter(f.Jitter), load); d > 0 {
		if !wait(r.Context(), d) {
			return true, release
		}
	}
	if s.chance(f.FailRate503) {
		s.answerRetryLater(w, http.StatusServiceUnavailable, CodeUnavailable, "the service is temporarily unavailable", f.RetryAfter)
		return true, release
	}
	if s.chance(f.FailRate500) {
		writeError(w, errorf(http.StatusInternalServerError, CodeServerError, "an internal error occurred"))
		return true, release
	}
	return false, release
}

// sleep waits for d, or reports false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Server) jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(max) + 1)) //nolint:gosec // fault injection in the emulator needs no cryptographic randomness
}

// shouldDropCreate decides whether this create commits and then drops the
// connection instead of answering.
func (s *Server) shouldDropCreate() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.DropAfterMintNext > 0 {
		s.faults.DropAfterMintNext--
		return true
	}
	return s.chance(s.faults.DropAfterMint)
}

// dropConnection closes the client's connection without an answer, the way
// a proxy timeout or a crash after committing looks to the client.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Without hijacking (HTTP/2), aborting the handler resets the stream.
	panic(http.ErrAbortHandler)
}
