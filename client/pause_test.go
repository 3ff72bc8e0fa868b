package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSharedPause: one goroutine gets a 429 with Retry-After: 1; a request
// that another goroutine starts meanwhile, through a client derived with
// WithToken, waits for the pause to end instead of hammering the server.
func TestSharedPause(t *testing.T) {
	var (
		mu          sync.Mutex
		limitedAt   time.Time
		policyAt    time.Time
		meHits      int
		firstMeSeen = make(chan struct{})
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/api/users/me":
			meHits++
			if meHits == 1 {
				limitedAt = time.Now()
				w.Header().Set("Retry-After", "1")
				writeJSON(w, 429, fail("Too many requests", "RateLimited"))
				close(firstMeSeen)
				return
			}
			writeJSON(w, 200, ok(sampleUser))
		case "/api/bearertokens/policy":
			policyAt = time.Now()
			writeJSON(w, 200, ok(map[string]any{"SecurityLevel": "High"}))
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)

	if !c.PausedUntil().IsZero() {
		t.Fatal("paused before any request")
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := c.Me(t.Context())
		errs <- err
	}()
	<-firstMeSeen
	// Wait until the client has read the 429 and set the pause.
	deadline := time.Now().Add(5 * time.Second)
	for c.PausedUntil().IsZero() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	until := c.PausedUntil()
	if until.IsZero() {
		t.Fatal("no pause after a 429 with Retry-After")
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := c.WithToken("another-token").Policy(t.Context())
		errs <- err
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if meHits != 2 {
		t.Errorf("me requests = %d, want 2", meHits)
	}
	if gap := policyAt.Sub(limitedAt); gap < 900*time.Millisecond {
		t.Errorf("the other goroutine's request arrived %v after the 429, inside the pause", gap)
	}
	if !c.PausedUntil().IsZero() {
		t.Errorf("still paused after the delay")
	}
}

func TestPauseGateWaitsForLongestPauseAndHonoursContext(t *testing.T) {
	var g pauseGate
	now := time.Now()
	g.pause(now, time.Hour, time.Hour)
	g.pause(now, time.Minute, time.Minute) // a shorter pause does not shorten the gate
	if got := g.pausedUntil(); !got.Equal(now.Add(time.Hour)) {
		t.Errorf("pausedUntil = %v", got)
	}
	ctx, cancel := testContextCancelled(t)
	defer cancel()
	if err := g.wait(ctx); err == nil {
		t.Error("wait returned nil with a cancelled context")
	}
}

// A request that cannot wait out a pause says what the server asked for,
// not what is left of the pause the client capped: a Retry-After of
// 1,000,000,000 seconds is not "asked to wait 58.2s".
func TestAPauseTooLongForTheDeadlineNamesWhatTheServerAsked(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1000000000")
		writeJSON(w, 429, fail("slow down", "TooManyRequests"))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	first, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, _ = c.Me(first) // the pause begins, capped to a minute
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, err := c.Me(ctx) // meets the gate
	if err == nil || !strings.Contains(err.Error(), "the server asked to wait 277777h46m") {
		t.Fatalf("err %v, want it to name the server's Retry-After", err)
	}
}
