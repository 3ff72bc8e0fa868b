package client

import (
	"context"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
)

// pauseGate holds back every request of a site while the server has asked
// for a pause (429 or 503 with Retry-After). One gate is shared by all the
// goroutines and derived clients of a site, so that a worker pool slows
// down together instead of each worker learning about the limit by
// hitting it.
type pauseGate struct {
	mu    sync.Mutex
	until time.Time
	asked time.Duration // what the server asked for, before capping to d
}

// pause extends the pause to at least now+d, for a Retry-After of asked
// (d may be capped below it).
func (g *pauseGate) pause(now time.Time, d, asked time.Duration) {
	if d <= 0 {
		return
	}
	t := now.Add(d)
	g.mu.Lock()
	if t.After(g.until) {
		g.until, g.asked = t, asked
	}
	g.mu.Unlock()
}

// pausedUntil is the end of the pause in force, or the zero time.
func (g *pauseGate) pausedUntil() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	if time.Now().Before(g.until) {
		return g.until
	}
	return time.Time{}
}

// wait blocks until no pause is in force or ctx is done. A pause that would
// outlast ctx's deadline fails at once with a *WaitError instead, which
// names what the server asked for, not what is left of the capped pause.
// The loop re-reads the end of the pause because another response may
// extend it while we sleep.
func (g *pauseGate) wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		g.mu.Lock()
		d, asked := time.Until(g.until), g.asked
		g.mu.Unlock()
		if d <= 0 {
			return nil
		}
		if err := checkWait(ctx, d, true); err != nil {
			if we, ok := err.(*WaitError); ok && asked > we.Wait { //nolint:errorlint // checkWait returns it unwrapped
				we.Wait = asked
			}
			return err
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// waitForPause is a resty request middleware: every attempt waits at the
// gate before it starts, outside the per-attempt timeout, so that a long
// pause does not eat into the time the request itself is allowed.
func (s *site) waitForPause(_ *resty.Client, r *resty.Request) error {
	return s.gate.wait(r.Context())
}
