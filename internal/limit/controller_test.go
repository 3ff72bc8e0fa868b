package limit

import (
	"context"
	"math"
	"testing"
	"time"
)

// ruleRig drives the update rule alone, in virtual time.
type ruleRig struct {
	t   *testing.T
	c   *controller
	now time.Time
}

func newRule(t *testing.T, change func(*params)) *ruleRig {
	t.Helper()
	p := defaultParams()
	if change != nil {
		change(&p)
	}
	return &ruleRig{t: t, c: newController(p, simEpoch), now: simEpoch}
}

// round answers a round's worth of requests (the limit, at least
// roundMin), all sent after the round began with the limit in flight,
// taking the latencies given in turn. It returns the change the round
// ended with, if any.
func (r *ruleRig) round(latencies ...time.Duration) (Change, bool) {
	return r.roundInFlight(r.c.limit, latencies...)
}

func (r *ruleRig) roundInFlight(inFlight int, latencies ...time.Duration) (Change, bool) {
	r.t.Helper()
	slowest := time.Duration(0)
	for _, l := range latencies {
		slowest = max(slowest, l)
	}
	start := r.now
	n := max(r.c.limit, r.c.p.roundMin)
	for i := range n {
		// Answers come back in order, each sent after the round began.
		r.now = start.Add(slowest + time.Duration(i+1)*time.Microsecond)
		if ch, ok := r.c.update(r.now, Outcome{Latency: latencies[i%len(latencies)], Status: 200}, inFlight, inFlight); ok {
			return ch, true
		}
	}
	return Change{}, false
}

// confirmedRound answers two rounds at the latencies given: a queue that
// has not doubled the latency moves the limit only once a second round
// shows it too. It returns the first change, if any.
func (r *ruleRig) confirmedRound(latencies ...time.Duration) (Change, bool) {
	r.t.Helper()
	if ch, ok := r.round(latencies...); ok {
		return ch, ok
	}
	return r.round(latencies...)
}

// refuse answers one request, sent sentAgo before now, with status, or
// with a timeout when status is 0.
func (r *ruleRig) refuse(status int, retryAfter, sentAgo time.Duration) (Change, bool) {
	r.now = r.now.Add(time.Millisecond)
	o := Outcome{Latency: sentAgo, Status: status, RetryAfter: retryAfter}
	if status == 0 {
		o.Err = context.DeadlineExceeded
	}
	return r.c.update(r.now, o, r.c.limit, r.c.limit)
}

func (r *ruleRig) wantChange(ch Change, ok bool, to int, reason Reason) {
	r.t.Helper()
	if !ok {
		r.t.Fatalf("no change at limit %d, want → %d (%s)", r.c.limit, to, reason)
	}
	if ch.To != to || ch.Reason != reason {
		r.t.Fatalf("change %d → %d (%s), want → %d (%s)", ch.From, ch.To, ch.Reason, to, reason)
	}
	if r.c.limit != to {
		r.t.Fatalf("limit %d after a change to %d", r.c.limit, to)
	}
}

func (r *ruleRig) wantNoChange(ch Change, ok bool) {
	r.t.Helper()
	if ok {
		r.t.Fatalf("change %d → %d (%s), want none", ch.From, ch.To, ch.Reason)
	}
}

const ms = time.Millisecond

func TestRuleDoublesWhileLatencyHolds(t *testing.T) {
	t.Parallel()
	r := newRule(t, nil)
	for _, want := range []int{16, 32, 64} {
		ch, ok := r.round(20 * ms)
		r.wantChange(ch, ok, want, ReasonGrow)
	}
	ch, ok := r.round(20 * ms)
	r.wantNoChange(ch, ok) // at the maximum
}

func TestRuleCutsByOneForASmallQueue(t *testing.T) {
	t.Parallel()
	r := newRule(t, nil)
	ch, ok := r.round(20 * ms)
	r.wantChange(ch, ok, 16, ReasonGrow)
	// 16 × (1 − 20/22) = 1.45 requests waiting.
	ch, ok = r.confirmedRound(22 * ms)
	r.wantChange(ch, ok, 15, ReasonQueue)
	if math.Abs(ch.Queue-16*(1-20.0/22)) > 0.01 || ch.Latency != 22*ms || ch.Baseline != 20*ms {
		t.Errorf("change reports queue %.2f, latency %v, baseline %v; want 1.45, 22ms, 20ms", ch.Queue, ch.Latency, ch.Baseline)
	}
}

func TestRuleCutsALargeQueueByTheGradientButNotBelowTheLastClearLimit(t *testing.T) {
	t.Parallel()
	r := newRule(t, func(p *params) { p.initial = 32 })
	ch, ok := r.round(20 * ms)
	r.wantChange(ch, ok, 64, ReasonGrow)
	// 64 × 20/30 = 42.7: the concurrency that carries the same
	// throughput with nothing waiting.
	ch, ok = r.confirmedRound(30 * ms)
	r.wantChange(ch, ok, 42, ReasonQueue)

	r = newRule(t, func(p *params) { p.initial = 40 })
	ch, ok = r.round(20 * ms)
	r.wantChange(ch, ok, 64, ReasonGrow)
	// The gradient says 16, half is 32, but 40 was clear a moment ago.
	ch, ok = r.round(80 * ms)
	r.wantChange(ch, ok, 40, ReasonQueue)
}

func TestRuleClimbsAQuarterOfTheWayBackToTheLastQueue(t *testing.T) {
	t.Parallel()
	r := newRule(t, func(p *params) { p.initial = 32 })
	r.round(20 * ms)          // → 64
	r.confirmedRound(30 * ms) // → 42, queued at 64
	ch, ok := r.round(20 * ms)
	r.wantChange(ch, ok, 42+(64-42)/4, ReasonProbe)
	ch, ok = r.round(20 * ms)
	r.wantChange(ch, ok, 47+(64-47)/4, ReasonProbe)
}

func TestRuleHoldsUnderTheKneeThenProbesPastItOnceItsMemoryExpires(t *testing.T) {
	t.Parallel()
	r := newRule(t, nil)
	r.round(20 * ms) // → 16
	ch, ok := r.confirmedRound(22 * ms)
	r.wantChange(ch, ok, 15, ReasonQueue)
	for range 3 {
		ch, ok = r.round(20 * ms)
		r.wantNoChange(ch, ok) // 16 queued: stay at 15
	}
	r.now = r.now.Add(r.c.p.boundTTL)
	for _, want := range []int{16, 18, 22} {
		ch, ok = r.round(20 * ms)
		r.wantChange(ch, ok, want, ReasonProbe)
	}
}

// The first requests of a burst, and a lone request before a run (who
// the caller is, the site's policy), go out with fewer than half the limit
// in flight: their fast answers say nothing of the load the limit allows
// and do not count in a round.
func TestRuleCountsOnlyRequestsSentUnderTheLimitsLoad(t *testing.T) {
	t.Parallel()
	r := newRule(t, nil) // a limit of 8
	for range 20 {
		r.now = r.now.Add(time.Millisecond)
		ch, ok := r.c.update(r.now, Outcome{Latency: 20 * ms, Status: 200}, 8, 3)
		r.wantNoChange(ch, ok)
	}
	if r.c.round.n != 0 {
		t.Fatalf("%d answers counted in the round, want none", r.c.round.n)
	}
	ch, ok := r.round(20 * ms)
	r.wantChange(ch, ok, 16, ReasonGrow)
}

// A pause of the client or the site delays every request in flight at
// once, which looks like a queue for one round: the limit moves only when
// the next round shows the queue too, unless the latency doubled.
func TestRuleWaitsForASecondRoundUnlessTheLatencyDoubled(t *testing.T) {
	t.Parallel()
	r := newRule(t, func(p *params) { p.initial = 32 })
	r.round(20 * ms) // → 64
	ch, ok := r.round(30 * ms)
	r.wantNoChange(ch, ok)
	ch, ok = r.round(20 * ms) // the pause is over: no queue, nothing to cut
	r.wantNoChange(ch, ok)
	ch, ok = r.round(30 * ms)
	r.wantNoChange(ch, ok)
	ch, ok = r.round(30 * ms) // twice in a row: a queue
	r.wantChange(ch, ok, 42, ReasonQueue)

	r = newRule(t, func(p *params) { p.initial = 32 })
	r.round(20 * ms) // → 64
	ch, ok = r.round(40 * ms)
	r.wantChange(ch, ok, 32, ReasonQueue)
}

func TestRuleTakesLatencyWithinTheNoiseForNoQueue(t *testing.T) {
	t.Parallel()
	noisy := func(r *ruleRig, at32 ...time.Duration) (Change, bool) {
		r.round(18*ms, 22*ms) // → 16, baseline 20 ms with a spread of 2 ms
		r.round(18*ms, 22*ms) // → 32
		return r.confirmedRound(at32...)
	}
	// 1 ms over the baseline at 32 is 1.5 requests waiting, but the
	// latencies spread by 2 ms: no queue can be told from that.
	r := newRule(t, nil)
	ch, ok := noisy(r, 19*ms, 23*ms)
	r.wantChange(ch, ok, 64, ReasonGrow)
	// The same mean without spread is a queue.
	r = newRule(t, nil)
	ch, ok = noisy(r, 21*ms)
	r.wantChange(ch, ok, 31, ReasonQueue)
}

func TestRuleFirstRoundIsJudgedByItsFastestRequest(t *testing.T) {
	t.Parallel()
	// Eight requests at once on a site of 4: the first four are answered
	// in 20 ms, the rest wait.
	r := newRule(t, nil)
	ch, ok := r.round(20*ms, 20*ms, 20*ms, 20*ms, 30*ms, 40*ms, 50*ms, 60*ms)
	r.wantChange(ch, ok, 4, ReasonQueue)
	if ch.Baseline != 20*ms {
		t.Errorf("baseline %v, want the fastest request's 20ms", ch.Baseline)
	}
	ch, ok = r.round(20 * ms)
	r.wantChange(ch, ok, 5, ReasonProbe) // a quarter of the way back to 8

	// Under noise the fastest of eight flatters the site: the next
	// round, as slow at a lower limit, shows that nothing queued, and
	// the search starts again.
	spread := []time.Duration{20 * ms, 23 * ms, 26 * ms, 29 * ms, 32 * ms, 35 * ms, 38 * ms, 41 * ms}
	r = newRule(t, nil)
	ch, ok = r.round(spread...)
	r.wantChange(ch, ok, 5, ReasonQueue)
	ch, ok = r.round(spread...)
	r.wantChange(ch, ok, 10, ReasonGrow)
	if ch.Baseline != 30500*time.Microsecond {
		t.Errorf("baseline %v, want the round's mean 30.5ms", ch.Baseline)
	}
}

func TestRuleSiteGettingSlowerStartsTheSearchAgain(t *testing.T) {
	t.Parallel()
	r := newRule(t, func(p *params) { p.initial, p.max = 48, 48 })
	ch, ok := r.round(20 * ms)
	r.wantNoChange(ch, ok) // at the maximum, baseline 20 ms
	// Every request now takes 40 ms, whatever the limit.
	ch, ok = r.round(40 * ms)
	r.wantChange(ch, ok, 24, ReasonQueue)
	ch, ok = r.round(40 * ms)
	r.wantChange(ch, ok, 12, ReasonQueue)
	ch, ok = r.round(40 * ms)
	r.wantChange(ch, ok, 24, ReasonSlower)
	if ch.Baseline != 40*ms {
		t.Errorf("baseline %v after the site got slower, want 40ms", ch.Baseline)
	}
	ch, ok = r.round(40 * ms)
	r.wantChange(ch, ok, 48, ReasonGrow)
}

func TestRuleBaselineRisesWhenItsWindowPasses(t *testing.T) {
	t.Parallel()
	r := newRule(t, func(p *params) { p.initial, p.max = 16, 16 })
	r.round(20 * ms)
	// Long after, everything takes 25 ms, and no cut can tell (the
	// limit is not used in full, so it is not cut either).
	r.now = r.now.Add(r.c.p.baselineWindow)
	r.roundInFlight(8, 25*ms)
	if base, _ := r.c.base.get(r.now); base != 25*ms {
		t.Errorf("baseline %v a window later, want 25ms", base)
	}
}

func TestRuleDoesNotGrowALimitThatIsNotUsed(t *testing.T) {
	t.Parallel()
	r := newRule(t, nil)
	for range 3 {
		ch, ok := r.roundInFlight(5, 20*ms)
		r.wantNoChange(ch, ok)
	}
}

func TestRuleIgnoresCanceledAndStaleOutcomes(t *testing.T) {
	t.Parallel()
	r := newRule(t, nil)
	r.round(20 * ms) // → 16 at r.now
	start := r.now
	for i := range 15 {
		r.now = start.Add(21*ms + time.Duration(i)*time.Microsecond)
		ch, ok := r.c.update(r.now, Outcome{Latency: 20 * ms, Status: 200}, 16, 16)
		r.wantNoChange(ch, ok)
	}
	// Sent before the limit changed: it ran under the old limit.
	ch, ok := r.c.update(r.now, Outcome{Latency: 30 * ms, Status: 200}, 16, 16)
	r.wantNoChange(ch, ok)
	// Given up by the caller: says nothing about the site.
	ch, ok = r.c.update(r.now, Outcome{Latency: time.Millisecond, Canceled: true, Err: context.Canceled}, 16, 16)
	r.wantNoChange(ch, ok)
	ch, ok = r.c.update(r.now.Add(time.Microsecond), Outcome{Latency: 20 * ms, Status: 200}, 16, 16)
	r.wantChange(ch, ok, 32, ReasonGrow)
}

func TestRuleRefusalWithRetryAfterHalvesOncePerRound(t *testing.T) {
	t.Parallel()
	r := newRule(t, func(p *params) { p.initial = 16 })
	ch, ok := r.refuse(503, time.Second, 5*ms)
	r.wantChange(ch, ok, 8, ReasonUnavailable)
	// Sent before that cut: the same news.
	ch, ok = r.refuse(503, time.Second, 5*ms)
	r.wantNoChange(ch, ok)
	// Sent after it: the site still refuses.
	ch, ok = r.refuse(429, time.Second, time.Microsecond)
	r.wantChange(ch, ok, 4, ReasonRateLimited)
	// A timeout names no Retry-After, but with every answer so far a
	// refusal it is no lone fault either.
	ch, ok = r.refuse(0, 0, time.Microsecond)
	r.wantChange(ch, ok, 2, ReasonNoAnswer)
}

func TestRuleLoneRefusalWithAPauseHalvesAndIsNotProbedSoon(t *testing.T) {
	t.Parallel()
	r := newRule(t, func(p *params) { p.initial, p.max = 16, 16 })
	for range 4 {
		r.round(20 * ms) // plenty of answers: one refusal is rare
	}
	ch, ok := r.refuse(503, time.Second, time.Microsecond)
	r.wantChange(ch, ok, 8, ReasonUnavailable)
	// No ceiling: latency leads it back at once, a quarter of the way
	// each round, up to one under the limit refused.
	for _, want := range []int{10, 11, 12, 13, 14, 15} {
		ch, ok = r.round(20 * ms)
		r.wantChange(ch, ok, want, ReasonProbe)
	}
	// A cap on requests in flight refuses with a pause each time it is
	// passed: 16 is not tried again for a while.
	r.now = r.now.Add(5 * time.Second)
	ch, ok = r.round(20 * ms)
	r.wantNoChange(ch, ok)
	r.now = r.now.Add(r.c.p.pausedBoundTTL)
	ch, ok = r.round(20 * ms)
	r.wantChange(ch, ok, 16, ReasonProbe)
}

func TestRuleRareFaultWithoutRetryAfterStepsDownByATenth(t *testing.T) {
	t.Parallel()
	r := newRule(t, func(p *params) { p.initial, p.max = 40, 40 })
	for range 3 {
		r.round(20 * ms)
	}
	ch, ok := r.refuse(503, 0, 5*ms)
	r.wantChange(ch, ok, 36, ReasonUnavailable)
	ch, ok = r.round(20 * ms)
	r.wantChange(ch, ok, 40, ReasonGrow) // back at once: no ceiling

	// Refusals that are not rare halve it.
	r = newRule(t, func(p *params) { p.initial = 40 })
	r.refuse(0, 0, time.Microsecond) // 36
	r.refuse(0, 0, time.Microsecond) // 32
	ch, ok = r.refuse(0, 0, time.Microsecond)
	r.wantChange(ch, ok, 16, ReasonNoAnswer)
}

func TestRule429CutsToTheRateTheSiteLetThroughUnderARisingCeiling(t *testing.T) {
	t.Parallel()
	r := newRule(t, func(p *params) { p.initial = 64 })
	for range 3 {
		r.round(20 * ms) // 192 answers in well under a second
	}
	// The site took 192 requests in its second: at 20 ms each that is
	// 3.84 in flight.
	ch, ok := r.refuse(429, time.Second, time.Millisecond)
	r.wantChange(ch, ok, 4, ReasonRateLimited)
	refusedAt := r.now

	for r.now.Before(refusedAt.Add(6 * time.Second)) {
		r.round(20 * ms)
		// The ceiling holds during the pause the site asked for, then
		// doubles every 2 s.
		since := r.now.Sub(refusedAt.Add(time.Second))
		ceiling := 4 * math.Exp2(max(since.Seconds(), 0)/2)
		if float64(r.c.limit) > ceiling {
			t.Fatalf("limit %d %v after the 429, above its ceiling %.1f", r.c.limit, r.now.Sub(refusedAt), ceiling)
		}
		r.now = r.now.Add(100 * ms)
	}
	if r.c.limit < 8 {
		t.Errorf("limit %d 6 s after the 429, want it to have grown back to 8 at least", r.c.limit)
	}
}

func TestRuleStaysWithinItsBounds(t *testing.T) {
	t.Parallel()
	r := newRule(t, func(p *params) { p.max = 10 })
	ch, ok := r.round(20 * ms)
	r.wantChange(ch, ok, 10, ReasonGrow)
	for range 8 {
		r.refuse(503, time.Second, time.Microsecond)
	}
	if r.c.limit != 1 {
		t.Errorf("limit %d after eight refusals, want the minimum 1", r.c.limit)
	}
}

func TestMinWindowForgetsOldRounds(t *testing.T) {
	t.Parallel()
	w := newMinWindow(30 * time.Second)
	t0 := simEpoch
	w.add(t0, 20*ms, 8)
	w.add(t0.Add(time.Second), 25*ms, 8) // same slot: the lower stays
	w.add(t0.Add(10*time.Second), 30*ms, 16)
	if m, n := w.get(t0.Add(20 * time.Second)); m != 20*ms || n != 8 {
		t.Errorf("get = %v of %d, want 20ms of 8", m, n)
	}
	if m, n := w.get(t0.Add(31 * time.Second)); m != 30*ms || n != 16 {
		t.Errorf("get after the first slot expired = %v of %d, want 30ms of 16", m, n)
	}
	if m, _ := w.get(t0.Add(41 * time.Second)); m != 0 {
		t.Errorf("get after every slot expired = %v, want 0", m)
	}
}

func TestRateMeterCountsOverItsWindow(t *testing.T) {
	t.Parallel()
	t0 := simEpoch
	m := newRateMeter(2*time.Second, t0)
	add := func(from, to int) {
		for i := from; i < to; i++ {
			m.add(t0.Add(time.Duration(i)*10*ms), i%10 == 0) // one in ten refused
		}
	}
	add(0, 50)
	if got := m.perSecond(t0.Add(500*ms), 0); got != 90 {
		t.Errorf("perSecond at 0.5 s = %v, want 90 (45 in half a second)", got)
	}
	if got := m.perSecond(t0.Add(500*ms), time.Second); got != 45 {
		t.Errorf("perSecond at 0.5 s over at least a second = %v, want 45", got)
	}
	add(50, 100)
	if a, r := m.counts(t0.Add(time.Second)); a != 90 || r != 10 {
		t.Errorf("counts = %d answered, %d refused; want 90, 10", a, r)
	}
	if a, r := m.counts(t0.Add(4 * time.Second)); a != 0 || r != 0 {
		t.Errorf("counts after the window = %d, %d; want 0, 0", a, r)
	}
}
