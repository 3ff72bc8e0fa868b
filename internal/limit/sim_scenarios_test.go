package limit

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// simWorkers is how many workers pull rows: as many as the highest limit,
// so that the limiter, not the pool, bounds the requests in flight.
const simWorkers = DefaultMaxConcurrency

// fixedSweep is the fixed concurrencies auto is measured against.
var fixedSweep = []int{1, 2, 4, 8, 16, 32, 48, 64}

// noises are the latency noises every scenario runs with: none (the model
// exactly: requests released together by a pause then stay in lockstep
// for the whole run) and up to 2 ms, a tenth of the latency, as a real
// network adds.
var noises = []time.Duration{0, 2 * time.Millisecond}

func withNoise(m siteModel, noise time.Duration) siteModel {
	m.jitter = noise
	return m
}

func noiseName(noise time.Duration) string {
	if noise == 0 {
		return "exact"
	}
	return "noise " + noise.String()
}

type sweep struct {
	fixed     map[int]simResult
	best      int
	auto      simResult
	autoRatio float64
}

func runSweep(site siteModel, rows int) sweep {
	sw := sweep{fixed: map[int]simResult{}}
	for _, k := range fixedSweep {
		r := simRun(site, rows, simWorkers, fixed(k))
		sw.fixed[k] = r
		if sw.best == 0 || r.elapsed < sw.fixed[sw.best].elapsed {
			sw.best = k
		}
	}
	sw.auto = simRun(site, rows, simWorkers, auto())
	sw.autoRatio = sw.auto.usersPerSecond() / sw.fixed[sw.best].usersPerSecond()
	return sw
}

func (sw sweep) table() string {
	var b strings.Builder
	for _, k := range fixedSweep {
		r := sw.fixed[k]
		fmt.Fprintf(&b, "  c=%-4d %6.0f users/s %6.0f req/s  refused %5.2f%%\n", k, r.usersPerSecond(), r.requestsPerSecond(), 100*r.refusedShare())
	}
	r := sw.auto
	fmt.Fprintf(&b, "  auto   %6.0f users/s %6.0f req/s  refused %5.2f%%  %.2fx the best fixed (c=%d), %d limit changes",
		r.usersPerSecond(), r.requestsPerSecond(), 100*r.refusedShare(), sw.autoRatio, sw.best, len(r.changes))
	return b.String()
}

var namedModels = []struct {
	name string
	site siteModel
}{
	{"capacity 4", capacitySite(4)},
	{"capacity 48", capacitySite(48)},
	{"rate limit 200 per s", rateLimitedSite(200)},
}

func TestSimAutoKeepsUpWithTheBestFixedConcurrency(t *testing.T) {
	t.Parallel()
	const rows = 1500
	for _, m := range namedModels {
		for _, noise := range noises {
			t.Run(m.name+"/"+noiseName(noise), func(t *testing.T) {
				t.Parallel()
				sw := runSweep(withNoise(m.site, noise), rows)
				t.Logf("%s, %s, %d users:\n%s", m.name, noiseName(noise), rows, sw.table())
				if sw.autoRatio < 0.9 {
					t.Errorf("auto ran at %.2fx the best fixed concurrency (c=%d), want at least 0.9x", sw.autoRatio, sw.best)
				}
				if share := sw.auto.refusedShare(); share > 0.01 {
					t.Errorf("auto had %.2f%% of its requests refused (429/503), want at most 1%%", 100*share)
				}
				if sw.auto.overLimit > 0 {
					t.Errorf("auto granted %d slots beyond its limit", sw.auto.overLimit)
				}
			})
		}
	}
}

func TestSimSmallRunIsNotSlowerThanFixed8(t *testing.T) {
	t.Parallel()
	const rows = 50
	for _, m := range namedModels {
		for _, noise := range noises {
			t.Run(m.name+"/"+noiseName(noise), func(t *testing.T) {
				t.Parallel()
				site := withNoise(m.site, noise)
				f := simRun(site, rows, simWorkers, fixed(8))
				a := simRun(site, rows, simWorkers, auto())
				t.Logf("%d users: fixed 8 in %v, auto in %v", rows, f.elapsed, a.elapsed)
				if a.elapsed > f.elapsed {
					t.Errorf("auto took %v for %d users, fixed 8 took %v", a.elapsed, rows, f.elapsed)
				}
			})
		}
	}
}

// TestSimPausesDoNotPullTheLimitDown: every 300 ms the client stalls for
// 15 ms (its garbage collector, or the scheduler of a busy machine), so
// that the answers due meanwhile are all read late: for one round the
// latency looks as if the site queued a third of the requests. Cutting
// the limit for each would keep it well under a site's capacity of 48.
func TestSimPausesDoNotPullTheLimitDown(t *testing.T) {
	t.Parallel()
	for _, noise := range noises {
		t.Run(noiseName(noise), func(t *testing.T) {
			t.Parallel()
			site := withNoise(capacitySite(48), noise)
			site.stall, site.stallEvery = 15*time.Millisecond, 300*time.Millisecond
			sw := runSweep(site, 6000)
			t.Logf("capacity 48, a 15 ms stall every 300 ms, 6000 users:\n%s", sw.table())
			if sw.autoRatio < 0.9 {
				t.Errorf("auto ran at %.2fx the best fixed concurrency (c=%d), want at least 0.9x", sw.autoRatio, sw.best)
			}
		})
	}
}

// TestSimAutoFollowsACapacityDrop: the site's capacity falls from 48 to 8
// halfway through the run (by rows taken); a few seconds later the limit
// is near 8 and stays there.
func TestSimAutoFollowsACapacityDrop(t *testing.T) {
	t.Parallel()
	for _, noise := range noises {
		t.Run(noiseName(noise), func(t *testing.T) {
			t.Parallel()
			const rows = 1500
			site := withNoise(capacitySite(48), noise)
			site.change = &siteChange{row: rows / 2, capacity: 8}
			r := simRun(site, rows, simWorkers, auto())
			t.Logf("capacity 48 → 8 at %.2fs; the limit every 100 ms of the %.2fs run:\n%s",
				r.changedAt.Seconds(), r.elapsed.Seconds(), r.seriesString(100*time.Millisecond))
			t.Logf("the limit's changes:\n%s", changeLog(r))
			assertLimitSettles(t, r, 2*time.Second, 6, 12)
		})
	}
}

// TestSimAutoFollowsACapacityRise: the reverse, 8 → 48 a quarter of the
// way through: the limit finds the new knee as soon as its memory of the
// old one expires.
func TestSimAutoFollowsACapacityRise(t *testing.T) {
	t.Parallel()
	for _, noise := range noises {
		t.Run(noiseName(noise), func(t *testing.T) {
			t.Parallel()
			const rows = 6000
			site := withNoise(capacitySite(8), noise)
			site.change = &siteChange{row: rows / 4, capacity: 48}
			r := simRun(site, rows, simWorkers, auto())
			t.Logf("capacity 8 → 48 at %.2fs; the limit every 100 ms from a second before:\n%s",
				r.changedAt.Seconds(), r.seriesFrom(r.changedAt-time.Second, 100*time.Millisecond))
			t.Logf("the limit's changes:\n%s", changeLog(r))
			assertLimitSettles(t, r, 3*time.Second, 40, 56)
		})
	}
}

// TestSimSlowerSiteDoesNotPinTheLimit: every request of the site becomes
// twice as slow halfway through (20 → 40 ms, capacity unchanged). The
// long-window baseline alone would hold the limit down for 30 s; instead
// it is back near the capacity within a few seconds.
func TestSimSlowerSiteDoesNotPinTheLimit(t *testing.T) {
	t.Parallel()
	for _, noise := range noises {
		t.Run(noiseName(noise), func(t *testing.T) {
			t.Parallel()
			const rows = 4000
			site := withNoise(capacitySite(48), noise)
			site.change = &siteChange{row: rows / 4, base: 40 * time.Millisecond}
			r := simRun(site, rows, simWorkers, auto())
			t.Logf("latency 20 → 40 ms at %.2fs; the limit every 100 ms from a second before:\n%s",
				r.changedAt.Seconds(), r.seriesFrom(r.changedAt-time.Second, 100*time.Millisecond))
			assertLimitSettles(t, r, 3*time.Second, 40, 56)
			if !hasReason(r, ReasonSlower) {
				t.Errorf("no change of the limit said %q", ReasonSlower)
			}
		})
	}
}

// TestSimRareFaultsDoNotCollapseTheLimit: one request in a thousand fails
// with a 503 that names no Retry-After (a fault, not an overload). Were
// every such refusal to halve the limit, it would sink far below the
// site's capacity; it steps down by a tenth instead and grows back.
func TestSimRareFaultsDoNotCollapseTheLimit(t *testing.T) {
	t.Parallel()
	for _, noise := range noises {
		t.Run(noiseName(noise), func(t *testing.T) {
			t.Parallel()
			site := withNoise(capacitySite(48), noise)
			site.failRate = 0.001
			sw := runSweep(site, 3000)
			t.Logf("capacity 48, 0.1%% of requests answered 503 without Retry-After, 3000 users:\n%s", sw.table())
			if sw.autoRatio < 0.9 {
				t.Errorf("auto ran at %.2fx the best fixed concurrency (c=%d), want at least 0.9x", sw.autoRatio, sw.best)
			}
		})
	}
}

// TestSimCapOnRequestsInFlightIsNotProbedOften: a site that refuses
// every request past 16 in flight at once, with a 503 and Retry-After: 1
// (as the emulator's cap on requests in flight does), shows nothing in
// latency, and each probe past the cap pauses the whole run for a second.
// Auto probes the refused limit again only every 20 s, so over a long run
// it comes near the fixed limit that happens to equal the cap.
func TestSimCapOnRequestsInFlightIsNotProbedOften(t *testing.T) {
	t.Parallel()
	for _, noise := range noises {
		t.Run(noiseName(noise), func(t *testing.T) {
			t.Parallel()
			site := siteModel{base: 20 * time.Millisecond, refuseOver: 16, retryAfter: time.Second, refuseLatency: time.Millisecond, jitter: noise}
			sw := runSweep(site, 10000)
			t.Logf("a cap of 16 in flight answering 503 with Retry-After: 1, 10000 users:\n%s", sw.table())
			if sw.autoRatio < 0.8 {
				t.Errorf("auto ran at %.2fx the best fixed concurrency (c=%d), want at least 0.8x", sw.autoRatio, sw.best)
			}
			if share := sw.auto.refusedShare(); share > 0.01 {
				t.Errorf("auto had %.2f%% of its requests refused, want at most 1%%", 100*share)
			}
		})
	}
}

// assertLimitSettles fails unless the limit is within lo..hi from settle
// after the site's change to the end of the run, which must go on for at
// least a second after that.
func assertLimitSettles(t *testing.T, r simResult, settle time.Duration, lo, hi int) {
	t.Helper()
	if r.changedAt == 0 {
		t.Fatal("the site never changed")
	}
	if r.elapsed < r.changedAt+settle+time.Second {
		t.Fatalf("the run ended %v after the change: too short to judge", r.elapsed-r.changedAt)
	}
	for at := r.changedAt + settle; at < r.elapsed; at += r.sampleEvery {
		if l := r.limitAt(at); l < lo || l > hi {
			t.Fatalf("limit %d at %.2fs, %v after the change, want %d..%d", l, at.Seconds(), at-r.changedAt, lo, hi)
		}
	}
	if r.overLimit > 0 {
		t.Errorf("%d slots granted beyond the limit", r.overLimit)
	}
}

func hasReason(r simResult, reason Reason) bool {
	for _, c := range r.changes {
		if c.Reason == reason {
			return true
		}
	}
	return false
}

// changeLog prints each change of the limit in virtual time, as --debug
// would.
func changeLog(r simResult) string {
	var b strings.Builder
	for _, c := range r.changes {
		fmt.Fprintf(&b, "  %6.3fs %s\n", c.At.Sub(simEpoch).Seconds(), c)
	}
	return b.String()
}
