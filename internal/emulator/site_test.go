package emulator_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
)

// heldWaits stands in for the emulator's sleep: it records the latency
// each request was given and holds the request in flight until released,
// so that a test can set up an exact load and read the law off the
// records, without timing anything.
type heldWaits struct {
	mu      sync.Mutex
	got     []time.Duration
	release chan struct{}
}

func newHeldWaits() *heldWaits { return &heldWaits{release: make(chan struct{})} }

func (h *heldWaits) wait(ctx context.Context, d time.Duration) bool {
	h.mu.Lock()
	h.got = append(h.got, d)
	h.mu.Unlock()
	select {
	case <-h.release:
		return true
	case <-ctx.Done():
		return false
	}
}

func (h *heldWaits) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.got)
}

func (h *heldWaits) last() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.got[len(h.got)-1]
}

// holder sends requests that stay in flight until the waits are released.
type holder struct {
	t     *testing.T
	s     *emulator.Server
	waits *heldWaits
	token string
	wg    sync.WaitGroup
}

// one sends one more request and returns, once the server has given it
// its latency, the latency it was given.
func (h *holder) one() time.Duration {
	h.t.Helper()
	before := h.waits.count()
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		req, _ := http.NewRequest("GET", h.s.URL()+"/api/users/me", nil)
		req.Header.Set("Authorization", "Bearer "+h.token)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}()
	for h.waits.count() == before {
		time.Sleep(time.Millisecond)
	}
	return h.waits.last()
}

func (h *holder) releaseAll() {
	close(h.waits.release)
	h.wg.Wait()
}

func newHolder(t *testing.T, opts emulator.Options) *holder {
	t.Helper()
	s := emulator.NewTest(t, opts)
	h := &holder{t: t, s: s, waits: newHeldWaits(), token: s.SeedToken("jdoe")}
	s.UseWait(h.waits.wait)
	return h
}

func TestSiteLatencyGrowsPastCapacity(t *testing.T) {
	const base = 100 * time.Millisecond
	h := newHolder(t, emulator.Options{
		Faults: emulator.Faults{Latency: base},
		Site:   emulator.Site{Capacity: 4, Overload: 2},
	})
	// The i-th request is served while i requests are in flight, itself
	// included: up to the capacity at full speed, then slower by
	// 2 × (i − 4) / 4 of itself.
	want := []time.Duration{base, base, base, base, 150 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond, 300 * time.Millisecond}
	for i, w := range want {
		if got := h.one(); got != w {
			t.Errorf("request %d of %d in flight: latency %v, want %v", i+1, i+1, got, w)
		}
		if cur, peak := h.s.InFlight(); cur != i+1 || peak != i+1 {
			t.Errorf("after request %d: InFlight %d, peak %d; want %d and %d", i+1, cur, peak, i+1, i+1)
		}
	}
	h.releaseAll()
	if cur, peak := h.s.InFlight(); cur != 0 || peak != len(want) {
		t.Errorf("after the answers: InFlight %d, peak %d; want 0 and %d", cur, peak, len(want))
	}
	h.s.ResetInFlight()
	if cur, peak := h.s.InFlight(); cur != 0 || peak != 0 {
		t.Errorf("after ResetInFlight: InFlight %d, peak %d; want 0 and 0", cur, peak)
	}
}

func TestSiteChangeTakesEffectWithTheNextRequest(t *testing.T) {
	const base = 20 * time.Millisecond
	h := newHolder(t, emulator.Options{Faults: emulator.Faults{Latency: base}, Site: emulator.Site{Capacity: 48}})
	for range 8 {
		if got := h.one(); got != base {
			t.Fatalf("under capacity 48: latency %v, want %v", got, base)
		}
	}
	// The capacity drops from 48 to 8 with 8 requests in flight: the ninth
	// is one past it, and the default overload factor (2) applies.
	if err := h.s.SetSite(emulator.Site{Capacity: 8}); err != nil {
		t.Fatal(err)
	}
	if got, want := h.one(), base+base*2*1/8; got != want {
		t.Errorf("9 in flight at capacity 8: latency %v, want %v", got, want)
	}
	// Overload 1: past the capacity the site only queues.
	if err := h.s.SetSite(emulator.Site{Capacity: 2, Overload: 1}); err != nil {
		t.Fatal(err)
	}
	if got, want := h.one(), base+base*8/2; got != want {
		t.Errorf("10 in flight at capacity 2, overload 1: latency %v, want %v", got, want)
	}
	if err := h.s.SetSite(emulator.Site{}); err != nil {
		t.Fatal(err)
	}
	if got := h.one(); got != base {
		t.Errorf("no capacity: latency %v, want %v", got, base)
	}
	h.releaseAll()

	if err := h.s.SetSite(emulator.Site{Capacity: -1}); err == nil {
		t.Error("a negative capacity was accepted")
	}
	if err := h.s.SetSite(emulator.Site{Capacity: 4, Overload: -0.5}); err == nil {
		t.Error("a negative overload factor was accepted")
	}
	if got := h.s.Site(); got != (emulator.Site{}) {
		t.Errorf("a refused model replaced the one in effect: %+v", got)
	}
	if _, err := emulator.Start(emulator.Options{Site: emulator.Site{Capacity: -8}}); err == nil {
		t.Error("Start accepted a negative capacity")
	}
}

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestRateLimitRefusesBeyondTheBucketAndCounts(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{Faults: emulator.Faults{RateLimit: 10}})
	clock := &fakeClock{t: time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)}
	s.UseRateClock(clock.Now)
	jdoe := s.SeedToken("jdoe")

	send := func(n int) (ok, refused int) {
		for range n {
			r := call(t, s, "GET", "/api/users/me", jdoe, "")
			switch r.Status {
			case http.StatusOK:
				ok++
			case http.StatusTooManyRequests:
				if r.Header.Get("Retry-After") == "" {
					t.Error("429 without Retry-After")
				}
				refused++
			default:
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
		}
		return ok, refused
	}
	// At 10 requests per second the bucket holds one second's worth.
	if ok, refused := send(25); ok != 10 || refused != 15 {
		t.Errorf("25 requests at once: %d answered, %d refused; want 10 and 15", ok, refused)
	}
	// Half a second refills half of it.
	clock.Advance(500 * time.Millisecond)
	if ok, refused := send(8); ok != 5 || refused != 3 {
		t.Errorf("8 requests half a second later: %d answered, %d refused; want 5 and 3", ok, refused)
	}
	// A long pause refills no more than the burst.
	clock.Advance(time.Hour)
	if ok, refused := send(12); ok != 10 || refused != 2 {
		t.Errorf("12 requests an hour later: %d answered, %d refused; want 10 and 2", ok, refused)
	}
	st := s.Stats()
	if st.Requests != 45 || st.TooManyRequests != 20 || st.Unavailable != 0 || st.RateLimit != 10 {
		t.Errorf("stats %+v, want 45 requests, 20 answered 429, none 503, rate limit 10", st)
	}
}

func TestStatsCount503AndReset(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{Faults: emulator.Faults{FailRate503: 1}})
	jdoe := s.SeedToken("jdoe")
	for range 3 {
		call(t, s, "GET", "/api/users/me", jdoe, "").want(t, http.StatusServiceUnavailable)
	}
	s.SetFaults(emulator.Faults{})
	call(t, s, "GET", "/api/users/me", jdoe, "").want(t, http.StatusOK)
	st := s.Stats()
	if st.Requests != 4 || st.Unavailable != 3 || st.TooManyRequests != 0 || st.InFlight != 0 || st.PeakInFlight != 1 {
		t.Errorf("stats %+v, want 4 requests, 3 answered 503, peak 1", st)
	}
	if st.Capacity != 0 || st.Overload != emulator.DefaultOverload {
		t.Errorf("stats name capacity %d and overload %g, want 0 and the default %d", st.Capacity, st.Overload, emulator.DefaultOverload)
	}
	s.ResetStats()
	if st := s.Stats(); st.Requests != 0 || st.Unavailable != 0 || st.PeakInFlight != 0 {
		t.Errorf("after ResetStats: %+v", st)
	}
}
