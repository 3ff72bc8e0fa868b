// Package limit bounds how many requests a bulk run has in flight to one
// site. `--concurrency K` means at most K requests in flight, whatever the
// operation: the gate sits where each HTTP attempt is sent, not around a
// row, so an operation that makes three requests a row and one that makes
// one are held to the same bound.
//
// A Limiter is told the outcome of every request it admitted, so that an
// adaptive implementation can move its limit from what the site shows
// (latency, 429/503 and Retry-After, timeouts); Fixed ignores outcomes.
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
