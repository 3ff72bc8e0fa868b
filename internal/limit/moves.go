package limit

import (
	"math"
	"time"
)

// cut lowers the limit after a queued round: by one when the queue is
// small, else to the gradient's estimate used × baseline/latency (the
// concurrency that would carry today's throughput with nothing waiting),
// at most by half and never below the last limit known to be clear.
func (c *controller) cut(now time.Time, used int, mean, base time.Duration, q float64) (Change, bool) {
	c.slowStart = false
	c.step = 1
	c.bad, c.badAt, c.badPaused = used, now, false
	if c.good >= used {
		c.good = 0 // the knee moved below it
	}
	next := used - 1
	if q >= 2*c.queuedAt(used) {
		next = max(int(float64(used)*float64(base)/float64(mean)), used/2)
	}
	if c.good > 0 {
		next = max(next, c.good)
	}
	// Only a deep cut is a fair test of whether the latency was ours: a
	// shallow one changes it by less than a round's noise.
	if 4*next <= 3*used {
		c.cutLatency = mean
	}
	return c.set(now, next, ReasonQueue, mean, base, q)
}

// grow raises the limit after a round without queueing: doubling until the
// first sign of overload, then a quarter of the way to the lowest limit
// that showed queueing, or, once that is forgotten, by a step that doubles
// each round. After a strong refusal the ceiling caps it.
func (c *controller) grow(now time.Time, used int, appLimited bool, mean, base time.Duration, q float64, reason Reason) (Change, bool) {
	if appLimited {
		// Fewer requests were waiting than the limit allows: the round
		// says nothing about a higher limit.
		c.good, c.goodAt = max(c.good, used), now
		return Change{}, false
	}
	c.good, c.goodAt = c.limit, now
	if c.bad > 0 && c.bad <= c.limit {
		c.bad = 0
	}
	var next int
	switch {
	case c.slowStart:
		next = 2 * c.limit
	case c.bad > 0:
		// A quarter of the way, not half: past the knee every extra
		// request slows all the others, so overshooting costs more
		// than creeping up.
		next = c.limit + max(1, (c.bad-c.limit)/4)
		if next >= c.bad {
			next = c.limit
		}
	default:
		next = c.limit + c.step
		c.step *= 2
	}
	if c.refused {
		ceiling := c.refusalCeiling(now)
		if ceiling >= c.p.max {
			c.refused = false
		} else {
			next = max(c.limit, min(next, ceiling))
		}
	}
	if reason == 0 {
		reason = ReasonProbe
		if c.slowStart {
			reason = ReasonGrow
		}
	}
	return c.set(now, next, reason, mean, base, q)
}

func (c *controller) refusalCeiling(now time.Time) int {
	doublings := float64(now.Sub(c.refusedAt)) / float64(c.p.refusalDoubling)
	return int(float64(c.refusedLimit) * math.Exp2(min(max(doublings, 0), 16)))
}

// refusal cuts the limit on a 429, 503, 504 or a request without an
// answer, by how plainly it says that the site is past its rate or its
// capacity. A 429, or refusals that come often, halve it (AIMD's
// multiplicative decrease) under a ceiling that rises with time, since a
// rate limit shows nothing in latency; a 429 takes it further down, to
// what the site let through. A rarer refusal with a Retry-After halves it
// too, and latency leads it back. A rarer one without is more likely a
// fault: a tenth off.
func (c *controller) refusal(now time.Time, o Outcome) (Change, bool) {
	reason := ReasonNoAnswer
	switch o.Status {
	case 429:
		reason = ReasonRateLimited
	case 503, 504:
		reason = ReasonUnavailable
	}
	base, _ := c.base.get(now)
	strong := o.Status == 429 || c.refusingOften(now)
	if !strong && o.RetryAfter <= 0 {
		// What is known of the knee stands: the limit grows back as
		// fast as latency allows.
		return c.set(now, int(c.p.gentleCut*float64(c.limit)), reason, 0, base, 0)
	}
	c.slowStart, c.step = false, 1
	c.bad, c.badAt, c.badPaused, c.good = c.limit, now, o.RetryAfter > 0, 0
	next := c.limit / 2
	// A 429 says that we sent more than the site's rate over the period it
	// names in Retry-After (a second if it names none). What it let
	// through lately, pauses included, is what it will take: by Little's
	// law that rate times the unloaded latency is the concurrency that
	// carries it. A run younger than the period is measured over the
	// whole period. The estimate only ever cuts deeper than half.
	if o.Status == 429 && base > 0 {
		period := min(max(o.RetryAfter, time.Second), c.p.rateWindow)
		if carried := int(math.Round(c.answers.perSecond(now, period) * base.Seconds())); carried < next {
			next = carried
		}
	}
	ch, changed := c.set(now, max(c.p.min, next), reason, 0, base, 0)
	if strong {
		// The ceiling starts to rise when the site lets requests
		// through again, after the pause it asked for.
		c.refused, c.refusedLimit, c.refusedAt = true, c.limit, now.Add(min(o.RetryAfter, time.Minute))
	}
	return ch, changed
}

// refusingOften reports whether the site refused clearly more than
// strongShare of the requests it answered lately: two standard deviations
// above it, so that a few faults early in a run, among few answers, do not
// pass for an overload.
func (c *controller) refusingOften(now time.Time) bool {
	answered, refused := c.answers.counts(now)
	n, p := float64(answered+refused), c.p.strongShare
	return refused >= c.p.strongCount && float64(refused) >= p*n+2*math.Sqrt(n*p*(1-p))
}

// set moves the limit to next (within min and max) and starts a new round.
func (c *controller) set(now time.Time, next int, reason Reason, mean, base time.Duration, q float64) (Change, bool) {
	next = min(max(next, c.p.min), c.p.max)
	c.round = round{}
	if next == c.limit {
		return Change{}, false
	}
	c.changed, c.suspect = now, false
	if next < c.limit {
		c.lastCut = now
	}
	ch := Change{At: now, From: c.limit, To: next, Reason: reason, Latency: mean, Baseline: base, Queue: q}
	c.limit = next
	return ch, true
}
