package client

import (
	"net/http"
	"net/http/httptest"
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
	g.pause(now, time.Hour)
	g.pause(now, time.Minute) // a shorter pause does not shorten the gate
	if got := g.pausedUntil(); !got.Equal(now.Add(time.Hour)) {
		t.Errorf("pausedUntil = %v", got)
	}
	ctx, cancel := testContextCancelled(t)
	defer cancel()
	if err := g.wait(ctx); err == nil {
		t.Error("wait returned nil with a cancelled context")
	}
}
