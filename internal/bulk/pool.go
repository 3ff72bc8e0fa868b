package bulk

import (
	"context"
	"time"
)

// Pool calls work on every item received from in, with n goroutines (at
// least one), and sends each result on the returned channel as soon as it
// is ready, in completion order. The channel is closed once in is closed
// and every call has returned. Both channels are bounded, so a pipeline
// built from pools holds a few items per stage however long its input is.
//
// Pool knows nothing of cancellation: work watches its own context, and
// the producer stops feeding in and closes it.
func Pool[In, Out any](n int, in <-chan In, work func(In) Out) <-chan Out {
	n = max(n, 1)
	out := make(chan Out, n)
	done := make(chan struct{})
	for range n {
		go func() {
			defer func() { done <- struct{}{} }()
			for item := range in {
				out <- work(item)
			}
		}()
	}
	go func() {
		for range n {
			<-done
		}
		close(out)
	}()
	return out
}

// Slots bounds the requests in flight across every stage of a pipeline
// (a pager feeding workers, say), so that --concurrency K means K
// requests at once, however the stages are arranged.
type Slots chan struct{}

// NewSlots makes n slots (at least one).
func NewSlots(n int) Slots { return make(Slots, max(n, 1)) }

// Retry runs an idempotent request as the package-level Retry does,
// holding a slot only while an attempt is in flight: a pause between
// attempts leaves the slot to others.
func (s Slots) Retry(ctx context.Context, attempts int, wait time.Duration, do func(context.Context) error) error {
	return Retry(ctx, attempts, wait, func() error {
		select {
		case s <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-s }()
		return do(ctx)
	})
}
