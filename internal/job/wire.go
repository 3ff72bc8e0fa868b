package job

import (
	"context"

	"github.com/axero-cli/axero/internal/limit"
)

// workerKey marks the contexts a worker's requests are made with, so
// that the run's limiter knows whose request takes a slot.
type workerKey struct{}

// Limiter is the run's limiter as the client must use it: it admits
// requests as the limiter given to New does, and tells the run which
// workers have a request on the wire, so that InFlight lists requests in
// flight rather than workers waiting for a slot.
// A run made without a limiter has none to give.
func (r *Run) Limiter() limit.Limiter {
	if r.limiter == nil {
		return nil
	}
	return wireLimiter{Limiter: r.limiter, run: r}
}

type wireLimiter struct {
	limit.Limiter
	run *Run
}

func (l wireLimiter) Acquire(ctx context.Context) (limit.Slot, error) {
	s, err := l.Limiter.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	id, ok := ctx.Value(workerKey{}).(int)
	if !ok {
		return s, nil
	}
	l.run.wire(id, 1)
	return wireSlot{Slot: s, run: l.run, id: id}, nil
}

type wireSlot struct {
	limit.Slot
	run *Run
	id  int
}

func (s wireSlot) Release(o limit.Outcome) {
	s.run.wire(s.id, -1)
	s.Slot.Release(o)
}

func (r *Run) wire(id, n int) {
	r.inflightMu.Lock()
	defer r.inflightMu.Unlock()
	if r.onWire[id] += n; r.onWire[id] <= 0 {
		delete(r.onWire, id)
	}
}
