package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/limit"
)

// recordingLimiter is a Fixed limiter that keeps every outcome it hears.
type recordingLimiter struct {
	*limit.Fixed
	mu       sync.Mutex
	entered  int // calls of Acquire, finished or not
	acquired int
	outcomes []limit.Outcome
}

func newRecordingLimiter(n int) *recordingLimiter { return &recordingLimiter{Fixed: limit.NewFixed(n)} }

func (l *recordingLimiter) Acquire(ctx context.Context) (limit.Slot, error) {
	l.mu.Lock()
	l.entered++
	l.mu.Unlock()
	s, err := l.Fixed.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.acquired++
	l.mu.Unlock()
	return recordingSlot{s, l}, nil
}

func (l *recordingLimiter) seen() (int, []limit.Outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acquired, append([]limit.Outcome(nil), l.outcomes...)
}

type recordingSlot struct {
	limit.Slot
	l *recordingLimiter
}

func (s recordingSlot) Release(o limit.Outcome) {
	s.l.mu.Lock()
	s.l.outcomes = append(s.l.outcomes, o)
	s.l.mu.Unlock()
	s.Slot.Release(o)
}

// At most the limiter's slots are in flight at the server, whatever the
// number of goroutines sharing the client, and every slot comes back.
func TestLimiterBoundsRequestsInFlight(t *testing.T) {
	t.Parallel()
	var busy, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := busy.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(2 * time.Millisecond)
		busy.Add(-1)
		writeJSON(w, 200, ok(sampleUser))
	}))
	defer srv.Close()
	lim := newRecordingLimiter(3)
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Limiter = lim })
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Me(t.Context()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > 3 || p < 1 {
		t.Errorf("peak in flight at the server = %d, want 1..3", p)
	}
	acquired, outcomes := lim.seen()
	if acquired != 40 || len(outcomes) != 40 || lim.InFlight() != 0 {
		t.Fatalf("acquired %d, released %d, still held %d; want 40, 40, 0", acquired, len(outcomes), lim.InFlight())
	}
	for _, o := range outcomes {
		if o.Status != 200 || o.Err != nil || o.Canceled || o.Latency <= 0 {
			t.Errorf("outcome %+v, want a 200 with a latency", o)
		}
	}
}

// Each attempt of a retried request takes a slot of its own and reports
// how it went: the 503 with its Retry-After, then the success.
func TestLimiterHearsEachAttempt(t *testing.T) {
	t.Parallel()
	var calls counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.add("me") == 1 {
			// A date in the past asks for no real wait.
			w.Header().Set("Retry-After", "Mon, 01 Jan 2001 00:00:00 GMT")
			writeJSON(w, 503, fail("busy", "ServiceUnavailable"))
			return
		}
		writeJSON(w, 200, ok(sampleUser))
	}))
	defer srv.Close()
	lim := newRecordingLimiter(1)
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Limiter = lim })
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, outcomes := lim.seen()
	if len(outcomes) != 2 || outcomes[0].Status != 503 || outcomes[0].RetryAfter <= 0 || !outcomes[0].Overloaded() || outcomes[1].Status != 200 {
		t.Fatalf("outcomes %+v, want a 503 with its Retry-After, then a 200", outcomes)
	}
}

// A connection dropped without an answer is a transport error; a request
// its caller gave up on is a cancellation, which says nothing about the
// site. Both give their slot back.
func TestLimiterHearsTransportErrorsAndCancellations(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/users/me" {
			dropConnection(t, w)
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	lim := newRecordingLimiter(2)
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Limiter = lim; cfg.MaxRetries = -1 })
	if _, err := c.Me(t.Context()); err == nil {
		t.Fatal("a dropped connection succeeded")
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for lim.InFlight() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if _, err := c.GetUser(ctx, 7); err == nil {
		t.Fatal("a cancelled request succeeded")
	}
	_, outcomes := lim.seen()
	if len(outcomes) != 2 || lim.InFlight() != 0 {
		t.Fatalf("outcomes %+v with %d held, want two, none held", outcomes, lim.InFlight())
	}
	if o := outcomes[0]; o.Err == nil || o.Canceled || !o.Overloaded() {
		t.Errorf("dropped connection: %+v, want a transport error", o)
	}
	if o := outcomes[1]; !o.Canceled || o.Overloaded() {
		t.Errorf("cancelled request: %+v, want a cancellation", o)
	}
}

// Waiting for a slot is not the site being slow: it does not count
// against the per-attempt timeout.
func TestWaitingForASlotIsNotTheAttemptTimeout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, ok(sampleUser))
	}))
	defer srv.Close()
	lim := limit.NewFixed(1)
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Limiter = lim; cfg.Timeout = 100 * time.Millisecond; cfg.MaxRetries = -1 })
	held, err := lim.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Me(t.Context())
		done <- err
	}()
	// Hold the only slot for several attempt timeouts.
	time.Sleep(400 * time.Millisecond)
	held.Release(limit.Outcome{})
	if err := <-done; err != nil {
		t.Fatalf("the request waited for its slot and then failed: %v", err)
	}
}

// timedLimiter is a Fixed limiter that makes chosen acquisitions slow and
// keeps, for each outcome, how long its slot was held.
type timedLimiter struct {
	*limit.Fixed
	slowAcquire func(n int) bool // whether the nth Acquire (from 1) is slow

	mu       sync.Mutex
	acquires int
	outcomes []limit.Outcome
	held     []time.Duration
}

func (l *timedLimiter) Acquire(ctx context.Context) (limit.Slot, error) {
	l.mu.Lock()
	l.acquires++
	slow := l.slowAcquire != nil && l.slowAcquire(l.acquires)
	l.mu.Unlock()
	if slow {
		time.Sleep(30 * time.Millisecond)
	}
	s, err := l.Fixed.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &timedSlot{Slot: s, l: l, at: time.Now()}, nil
}

func (l *timedLimiter) seen() ([]limit.Outcome, []time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]limit.Outcome(nil), l.outcomes...), append([]time.Duration(nil), l.held...)
}

type timedSlot struct {
	limit.Slot
	l  *timedLimiter
	at time.Time
}

func (s *timedSlot) Release(o limit.Outcome) {
	s.l.mu.Lock()
	s.l.outcomes = append(s.l.outcomes, o)
	s.l.held = append(s.l.held, time.Since(s.at))
	s.l.mu.Unlock()
	s.Slot.Release(o)
}

// A redirect's hops each hold a slot and report their own answer, and the
// latency a limiter learns starts once the slot is held: the wait for the
// second hop's slot is not the site being slow.
func TestEachHopReportsItsLatencyFromItsSend(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/users/me" {
			http.Redirect(w, r, "/api/users/moved", http.StatusFound)
			return
		}
		writeJSON(w, 200, ok(sampleUser))
	}))
	defer srv.Close()
	lim := &timedLimiter{Fixed: limit.NewFixed(1), slowAcquire: func(n int) bool { return n == 2 }}
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Limiter = lim })
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	outcomes, held := lim.seen()
	if len(outcomes) != 2 || outcomes[0].Status != http.StatusFound || outcomes[1].Status != 200 || lim.InFlight() != 0 {
		t.Fatalf("outcomes %+v with %d held, want the redirect's 302 and then the 200, none held", outcomes, lim.InFlight())
	}
	for i, o := range outcomes {
		if o.Latency <= 0 || o.Latency > held[i] {
			t.Errorf("hop %d reported a latency of %v for a slot held %v: it counted time before the send", i+1, o.Latency, held[i])
		}
	}
}

// A 429 names its Retry-After to the limiter as a 503 does.
func TestLimiterHearsA429WithItsRetryAfter(t *testing.T) {
	t.Parallel()
	var calls counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.add("me") == 1 {
			w.Header().Set("Retry-After", "Mon, 01 Jan 2001 00:00:00 GMT")
			writeJSON(w, 429, fail("slow down", "TooManyRequests"))
			return
		}
		writeJSON(w, 200, ok(sampleUser))
	}))
	defer srv.Close()
	lim := newRecordingLimiter(1)
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Limiter = lim })
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, outcomes := lim.seen()
	if len(outcomes) != 2 || outcomes[0].Status != 429 || outcomes[0].RetryAfter <= 0 || !outcomes[0].Overloaded() || outcomes[1].Status != 200 {
		t.Fatalf("outcomes %+v, want a 429 with its Retry-After, then a 200", outcomes)
	}
}

// A request that was waiting for a slot when the site asked for a pause
// is not sent during the pause when a slot comes free: it would be
// refused again, and an adaptive limiter would count a second refusal.
func TestASlotFreedDuringAPauseWaitsForItsEnd(t *testing.T) {
	t.Parallel()
	var arrived atomic.Int64 // when the second request reached the server, in UnixNano
	lim := newRecordingLimiter(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/users/me" {
			// Answer once the other request waits for the only slot.
			for {
				lim.mu.Lock()
				waiting := lim.entered >= 2
				lim.mu.Unlock()
				if waiting {
					break
				}
				time.Sleep(time.Millisecond)
			}
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, fail("slow down", "TooManyRequests"))
			return
		}
		arrived.Store(time.Now().UnixNano())
		writeJSON(w, 200, ok(sampleUser))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Limiter = lim; cfg.MaxRetries = -1 })
	first := make(chan error, 1)
	go func() {
		_, err := c.Me(t.Context())
		first <- err
	}()
	for lim.InFlight() == 0 {
		time.Sleep(time.Millisecond)
	}
	if _, err := c.GetUser(t.Context(), 7); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err == nil {
		t.Fatal("the 429 was not an error without retries")
	}
	c.site.gate.mu.Lock()
	pausedUntil := c.site.gate.until
	c.site.gate.mu.Unlock()
	if got := time.Unix(0, arrived.Load()); got.Before(pausedUntil) {
		t.Errorf("the waiting request reached the server %v before the pause the 429 asked for was over", pausedUntil.Sub(got))
	}
}
