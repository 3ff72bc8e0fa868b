package limit

import (
	"fmt"
	"time"
)

// Reason says why an adaptive limit moved.
type Reason uint8

// The reasons an adaptive limit moves.
const (
	// ReasonGrow: latency stays at the baseline (within its noise) and no
	// overload has been seen yet, so the limit doubles to find the site's
	// knee quickly.
	ReasonGrow Reason = iota + 1
	// ReasonProbe: latency stays at the baseline (within its noise), so
	// the limit rises toward the lowest limit that last showed queueing,
	// or past it once that memory has expired.
	ReasonProbe
	// ReasonQueue: latency rose over the baseline, so the site queues our
	// requests; the limit falls by the estimated queue.
	ReasonQueue
	// ReasonSlower: latency stayed as high although the limit had fallen
	// far, so it is the site's own latency (the site as a whole got
	// slower), not a queue of our requests; the baseline is reset to it
	// and the search for the knee starts again.
	ReasonSlower
	// ReasonRateLimited: the site answered 429.
	ReasonRateLimited
	// ReasonUnavailable: the site answered 503 or 504.
	ReasonUnavailable
	// ReasonNoAnswer: a request failed without an answer (timeout, reset).
	ReasonNoAnswer
)

// String is the reason in words, as --debug prints it.
func (r Reason) String() string {
	switch r {
	case ReasonGrow:
		return "no queue seen: growing"
	case ReasonProbe:
		return "no queue seen: probing for more"
	case ReasonQueue:
		return "latency over the baseline: the site queues requests"
	case ReasonSlower:
		return "latency stayed as high at a far lower limit: the site is slower, new baseline"
	case ReasonRateLimited:
		return "the site answered 429 (rate limited)"
	case ReasonUnavailable:
		return "the site answered 503/504 (unavailable)"
	case ReasonNoAnswer:
		return "a request got no answer (timeout or connection failure)"
	}
	return "unknown"
}

// Change is one move of an adaptive limit, as an Observer sees it.
type Change struct {
	At       time.Time
	From, To int
	Reason   Reason
	// Latency is the mean latency of the round of requests that decided a
	// latency-driven change (zero for a refusal).
	Latency time.Duration
	// Baseline is the best recent round's mean latency: what the site
	// answers in when nothing of ours waits.
	Baseline time.Duration
	// Queue is the estimate of our requests waiting at the site:
	// limit × (1 − Baseline/Latency).
	Queue float64
}

// String describes the change in one line for --debug.
func (c Change) String() string {
	if c.Latency > 0 {
		return fmt.Sprintf("concurrency limit %d -> %d: %s (latency %s, baseline %s, about %.1f queued)",
			c.From, c.To, c.Reason, c.Latency.Round(100*time.Microsecond), c.Baseline.Round(100*time.Microsecond), c.Queue)
	}
	return fmt.Sprintf("concurrency limit %d -> %d: %s", c.From, c.To, c.Reason)
}

// Observer is told each change of an adaptive limit, in order. It is called
// with the limiter's lock held, so it must be quick and must not Acquire or
// Release; reading Limit and InFlight is fine.
type Observer func(Change)
