// Package limit bounds how many requests a bulk run has in flight to one
// site. `--concurrency K` means at most K requests in flight, whatever the
// operation: the gate sits where each HTTP attempt is sent, not around a
// row, so an operation that makes three requests a row and one that makes
// one are held to the same bound.
//
// A Limiter is told the outcome of every request it admitted, so that an
// adaptive implementation can move its limit from what the site shows
// (latency, 429/503 and Retry-After, timeouts); Fixed ignores outcomes.
//
// Adaptive, the limit of `--concurrency auto`, takes its signal from TCP
// Vegas: for each round of requests sent since the limit last moved (about
// a limit's worth), the estimate of our requests waiting at the site,
// q = limit × (1 − baseline/latency), from the round's mean latency and the
// best round mean of the last 30 seconds. A round counts only requests sent
// with at least half the limit in flight: the first of a burst, and the
// lone requests before a run starts, meet an idle site and would flatter
// it. Past a site's capacity every extra request adds about the same to q
// on a site of 4 as on one of 48, so fixed thresholds (a queue from 1.2,
// none under 0.8, neither within the round's noise) find the knee of both,
// where the latency ratio that Netflix's Gradient2 and Envoy's filter act
// on needs a tolerance fitted to the site. The update rule doubles the
// limit until the first queue (8 to 64 in three rounds, a tenth of a second
// at 20 ms, so a short run reaches a large site's knee early), then
// searches between the highest limit last seen clear and the lowest seen
// queued: a queue cuts by one, or when large by the gradient, to
// limit × baseline/latency (at most by half and not below the clear one,
// which follows a capacity drop from 48 to 8 within a second); a clear
// round climbs a quarter of the way back; both bounds expire after 2 s (16
// rounds on a slow site), so the limit probes again and follows a knee that
// rises. A queue that has not doubled the latency must show in two rounds
// in a row: a pause of a busy machine (a garbage collection, the scheduler)
// delays every request in flight at once and looks like a queue for one
// round. A 429, or refusals that come often, halve the limit as AIMD does
// (a 429 further, to the rate the site let through times the latency)
// under a ceiling that doubles every 2 s, since a rate limit shows nothing
// in latency: refusals stay rare. A lone refusal with a Retry-After halves
// it too, and the limit refused is not tried again for 20 s, as each
// refusal pauses the whole run; one without, more likely a fault, takes a
// tenth off. The baseline rises again when two deep cuts leave latency as
// high (the site got slower), or after 30 s. The tests measure all this in
// a simulation, against every fixed limit.
package limit

import (
	"context"
	"time"
)

// Outcome is what happened to one admitted request.
type Outcome struct {
	// Latency is from the moment the request was sent to its answer (or
	// its failure).
	Latency time.Duration
	// Status is the HTTP status, or 0 when no answer came.
	Status int
	// RetryAfter is the delay the server asked for with a 429 or 503, or 0.
	RetryAfter time.Duration
	// Err is the transport error (timeout, reset), or nil when an answer
	// came.
	Err error
	// Canceled is true when the request ended because the caller gave up
	// (Ctrl-C, a row's deadline): it says nothing about the site.
	Canceled bool
}

// Overloaded reports whether the outcome says that the site is past its
// capacity: asked to slow down, unavailable, or timing out.
func (o Outcome) Overloaded() bool {
	if o.Canceled {
		return false
	}
	return o.Status == 429 || o.Status == 503 || o.Status == 504 || (o.Err != nil && o.Status == 0)
}

// Limiter admits requests to one site.
type Limiter interface {
	// Acquire waits for a free slot, or for ctx to end (then it returns
	// ctx's error and no slot). Every successful Acquire is followed by
	// exactly one Release.
	Acquire(ctx context.Context) (Slot, error)
	// Limit is the current bound on requests in flight.
	Limit() int
	// InFlight is how many slots are held now.
	InFlight() int
}

// Slot is one admitted request.
type Slot interface {
	// Release frees the slot and reports how the request went.
	Release(Outcome)
}
