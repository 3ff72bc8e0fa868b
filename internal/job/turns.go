package job

import (
	"sync"

	"github.com/axero-cli/axero/internal/limit"
)

// turns lets at most twice the limiter's current limit of a pool's workers
// act on an item at once. The pool is sized for the highest limit, but an
// item taken by a worker is seen through once its requests start: were
// every worker of a pool sized for 64 to take an item while an adaptive
// limit stands at 8, Ctrl-C would wait for a hundred items queued behind
// the limiter. Twice the limit keeps the slots busy while some workers
// do local work (a journal's or an output's fsync), as before.
type turns struct {
	lim     limit.Limiter
	stopped func() bool

	mu   sync.Mutex
	cond *sync.Cond
	busy int
}

// newTurns returns the turns of a pool under lim, or nil (no bound) when
// the run has no limiter. stopped reports that the run takes on no more
// work: then every worker may go on, to find that out and drain.
func newTurns(lim limit.Limiter, stopped func() bool) *turns {
	if lim == nil {
		return nil
	}
	t := &turns{lim: lim, stopped: stopped}
	t.cond = sync.NewCond(&t.mu)
	return t
}

func (t *turns) allowed() int { return 2 * max(t.lim.Limit(), 1) }

// take waits for a turn. A nil t has turns for all.
func (t *turns) take() {
	if t == nil {
		return
	}
	t.mu.Lock()
	for t.busy >= t.allowed() && !t.stopped() {
		t.cond.Wait()
	}
	t.busy++
	t.mu.Unlock()
}

// give ends a turn and wakes as many waiting workers as may now take one:
// the one for the turn given back, and more when the limit has risen.
func (t *turns) give() {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.busy--
	free := t.allowed() - t.busy
	t.mu.Unlock()
	for range free {
		t.cond.Signal()
	}
}

// wakeAll lets every waiting worker go on, once the run has stopped.
func (t *turns) wakeAll() {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.mu.Unlock() //nolint:staticcheck // an empty critical section orders the broadcast after any waiter's check of stopped
	t.cond.Broadcast()
}
