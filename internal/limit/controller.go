package limit

import (
	"math"
	"time"
)

// controller is the update rule of Adaptive, with no locking and no
// waiting: it is told each outcome and answers with the change of limit,
// if any. Adaptive serialises the calls.
type controller struct {
	p     params
	limit int

	// slowStart holds until the first sign of overload: until then a
	// round without queueing doubles the limit.
	slowStart bool
	// good is the highest limit whose last round showed no queueing, bad
	// the lowest that showed queueing or was refused (0: unknown); the
	// limit searches between them.
	good, bad     int
	goodAt, badAt time.Time
	// badPaused says that bad was set by a refusal that paused the whole
	// run (a Retry-After): it is trusted for pausedBoundTTL.
	badPaused bool
	// step is how far the limit probes past good when bad is unknown; it
	// doubles with each round that still shows no queueing.
	step int

	// After a strong refusal the limit may not exceed
	// refusedLimit × 2^(t/refusalDoubling): a rate limit shows nothing
	// in latency, so only time may raise the limit back toward where the
	// site refused.
	refused      bool
	refusedLimit int
	refusedAt    time.Time

	// changed is when the limit last moved: a request sent before then
	// ran under another limit and says nothing about this one. lastCut
	// is when it last fell: a refusal of a request sent before it is old
	// news. (Both start at the zero time, so the first requests count,
	// even one sent at the very moment the limiter was made.)
	changed, lastCut time.Time
	// cutLatency is the mean latency of the round that caused the last
	// deep latency cut, for the round right after it; 0 otherwise.
	// flatCuts counts the deep cuts in a row that left latency as it was.
	cutLatency time.Duration
	flatCuts   int
	// suspect says that the last round showed a queue that the next one
	// must confirm before the limit falls.
	suspect bool
	// provisional says that the baseline is the fastest request of a
	// first round that queued, a stand-in until the next round: under
	// noise the fastest of a few requests flatters the site, so a next
	// round that does not queue replaces it, and one flat cut drops it.
	provisional bool

	round     round
	lastRound time.Duration // about how long the last round took
	base      minWindow
	answers   rateMeter
}

// round gathers the latencies of requests sent since the limit last
// changed, until there are as many as the limit (at least roundMin).
type round struct {
	n     int
	sum   time.Duration
	sumSq float64 // of the latencies in nanoseconds, for their spread
	least time.Duration
	peak  int // the most requests in flight seen at a release
}

func newController(p params, now time.Time) *controller {
	return &controller{
		p:         p,
		limit:     min(max(p.initial, p.min), p.max),
		slowStart: true,
		step:      1,
		base:      newMinWindow(p.baselineWindow),
		answers:   newRateMeter(p.rateWindow, now),
	}
}

// update takes the outcome of one request, released at now while inFlight
// requests (this one included) were in flight, and sent while sentWith
// were, and returns the change of limit it causes, if any.
func (c *controller) update(now time.Time, o Outcome, inFlight, sentWith int) (Change, bool) {
	if o.Canceled {
		return Change{}, false
	}
	sent := now.Add(-o.Latency)
	if o.Overloaded() {
		c.answers.add(now, true)
		if !sent.After(c.lastCut) {
			return Change{}, false
		}
		return c.refusal(now, o)
	}
	c.answers.add(now, false)
	// A request sent before the limit moved (or at that instant) ran
	// under the old limit; one sent while fewer than half the limit were
	// in flight (the first of a burst, a lone request before the run
	// starts) did not meet the load the limit allows, and its fast answer
	// would flatter the round.
	if o.Latency <= 0 || !sent.After(c.changed) || 2*sentWith < c.limit {
		return Change{}, false
	}
	r := &c.round
	r.n++
	r.sum += o.Latency
	r.sumSq += float64(o.Latency) * float64(o.Latency)
	r.peak = max(r.peak, inFlight)
	if r.least == 0 || o.Latency < r.least {
		r.least = o.Latency
	}
	if r.n >= max(c.limit, c.p.roundMin) {
		return c.endRound(now)
	}
	// A round that already shows a large queue ends early: the fastest
	// answers come back first, so its mean so far understates the queue.
	if r.n >= c.p.roundMin {
		used := min(r.peak, c.limit)
		base, _ := c.base.get(now)
		if q := queueEstimate(used, base, r.sum/time.Duration(r.n)); q >= 2*c.queuedAt(used) {
			return c.endRound(now)
		}
	}
	return Change{}, false
}

// endRound judges a round by the Vegas estimate of our requests waiting at
// the site, q = used × (1 − baseline/latency), against small fixed
// thresholds. Past a site's capacity each extra request adds about the
// same to q whatever the capacity, so one pair of thresholds serves a site
// of 4 and one of 48.
func (c *controller) endRound(now time.Time) (Change, bool) {
	r := c.round
	mean := r.sum / time.Duration(r.n)
	sd := math.Sqrt(max(r.sumSq/float64(r.n)-float64(mean)*float64(mean), 0))
	used := min(r.peak, c.limit)
	appLimited := r.peak < c.limit
	// A round lasts a latency to fill and as long again to gather its
	// answers (more when the limit is under roundMin); the wall time
	// would count any pause the site asked for as well.
	c.lastRound = mean + time.Duration(float64(mean)*float64(r.n)/float64(max(used, 1)))
	afterCut := c.cutLatency
	c.cutLatency = 0
	provisional := c.provisional
	c.provisional = false
	c.round = round{}
	c.expireBounds(now)

	base, baseN := c.base.get(now)
	first := base == 0
	switch {
	case first:
		// The first round has nothing to compare with but itself: its
		// fastest request is the best guess of an unloaded answer.
		base, baseN = r.least, 1
	case mean < base:
		base, baseN = mean, r.n
	}
	q := queueEstimate(used, base, mean)
	// Latency over the baseline by no more than the noise of the two
	// means is no queue. The first round is judged against its fastest
	// request instead, which noise always flatters, so only a large
	// queue counts there.
	noise := sd * (c.p.roundZ/math.Sqrt(float64(r.n)) + c.p.baseZ/math.Sqrt(float64(baseN)))
	queued := float64(mean-base) > noise && q >= c.queuedAt(used)
	if first {
		queued = q >= 2*c.queuedAt(used)
	}

	switch {
	case first && queued:
		// A first round that queued has no unloaded mean to offer, only
		// its fastest request.
		c.base.add(now, r.least, 1)
		c.provisional = true
	case provisional && !queued:
		// The round after it did not queue: its mean replaces the
		// stand-in. If the first round does not look queued against
		// it either, the cut was noise: the search starts again.
		c.base.reset(now, mean, r.n)
		base, q = mean, 0
		if afterCut > 0 && queueEstimate(c.bad, mean, afterCut) < c.queuedAt(c.bad) {
			c.slowStart, c.bad = true, 0
		}
	default:
		c.base.add(now, mean, r.n)
	}

	if !queued {
		c.flatCuts, c.suspect = 0, false
		if q >= c.clearBelow(used) && float64(mean-base) > noise {
			return Change{}, false // between the thresholds: hold
		}
		return c.grow(now, used, appLimited, mean, base, q, 0)
	}
	if !first && !provisional && afterCut == 0 && !c.suspect && float64(mean) < c.p.confirmBelow*float64(base) {
		// A queue seen once, and not so large that the latency doubled,
		// may be a pause that delayed every request in flight at once
		// (the garbage collector or the scheduler of a busy machine,
		// on either side): the next round, of requests sent from now
		// on, confirms it or clears it.
		c.suspect, c.changed = true, now
		return Change{}, false
	}
	c.suspect = false
	if afterCut > 0 && float64(mean) >= c.p.slowerRatio*float64(afterCut) {
		c.flatCuts++
	} else {
		c.flatCuts = 0
	}
	if c.flatCuts >= 2 || (provisional && c.flatCuts >= 1) {
		// Far fewer requests of ours and no faster answers: the site is
		// slower for everyone, not queueing our requests. What was
		// known of the knee was measured against the old baseline: the
		// search starts again.
		c.flatCuts = 0
		c.base.reset(now, mean, r.n)
		c.good, c.bad, c.slowStart = 0, 0, true
		return c.grow(now, used, appLimited, mean, mean, 0, ReasonSlower)
	}
	return c.cut(now, used, mean, base, q)
}

// queuedAt and clearBelow are the thresholds of the queue estimate at a
// limit of used.
func (c *controller) queuedAt(used int) float64 {
	return max(c.p.queuedAt, c.p.queuedShare*float64(used))
}

func (c *controller) clearBelow(used int) float64 {
	return max(c.p.clearBelow, c.p.clearShare*float64(used))
}

// queueEstimate is Vegas's estimate of the requests waiting at the site
// when used were in flight, answering in mean where base is the unloaded
// latency.
func queueEstimate(used int, base, mean time.Duration) float64 {
	if mean <= base || base <= 0 {
		return 0
	}
	return float64(used) * (1 - float64(base)/float64(mean))
}

func (c *controller) expireBounds(now time.Time) {
	ttl := max(c.p.boundTTL, time.Duration(c.p.boundRounds)*c.lastRound)
	badTTL := ttl
	if c.badPaused {
		badTTL = max(ttl, c.p.pausedBoundTTL)
	}
	if c.bad > 0 && now.Sub(c.badAt) >= badTTL {
		c.bad = 0
	}
	if c.good > 0 && now.Sub(c.goodAt) >= ttl {
		c.good = 0
	}
}
