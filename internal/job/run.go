// Package job runs the bulk operations (minting, renewal, revocation and
// the audit's scan) with one engine: one goroutine reads the input, a
// pool of workers acts on each item, and the goroutine that called the
// run collects every result, so that each file a run writes has a single
// writer. Channels between the stages are bounded, so memory stays flat
// however long the input is.
//
// How many requests are in flight is not the pool's business: the
// client's limiter (internal/limit) bounds them where each attempt is
// sent, so `--concurrency K` means K requests at once whatever an
// operation does per item, and an adaptive limiter can replace the fixed
// one without touching the runner. The pool only needs enough workers to
// keep the limiter's slots busy while some workers do local work (an
// fsync, a journal record).
//
// A run stops dispatching on Ctrl-C (its context) or on the first fatal
// error (Fail); what was already sent is seen through on a context the
// signal does not cancel, so that a token minted is always recorded.
//
// Durable (durable.go) is the opt-in layer of the operations whose
// results are tokens: the lock, the journal, resume and the output's
// group commit.
package job

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/axero-cli/axero/internal/limit"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// DefaultItemTimeout bounds the requests of one item when the run is not
// given a bound: an item may wait out a rate limit and reconcile a lost
// answer, which one request's timeout would not leave room for.
const DefaultItemTimeout = 5 * time.Minute

// Run is one bulk run's shared state: whether it still dispatches, the
// error that stopped it, and what its workers are waiting for.
type Run struct {
	start       time.Time
	caller      context.Context
	dispatch    context.Context // done on Ctrl-C or the first fatal error
	stop        context.CancelFunc
	work        context.Context // never done by Ctrl-C: what was sent is seen through
	itemTimeout time.Duration

	fatalMu sync.Mutex
	fatal   error

	limiter limit.Limiter
	inOrder bool // Pipeline collects in the order of the input

	inflightMu sync.Mutex
	inflight   map[int]string // worker → what it is doing
	onWire     map[int]int    // worker → its requests holding a slot
}

// New starts a run under ctx (cancelled by Ctrl-C). itemTimeout bounds
// the requests of each item; 0 means DefaultItemTimeout. limiter bounds
// the requests in flight: give the client Limiter(), which tells the run
// which workers have a request on the wire. Call Close when the run is
// over.
func New(ctx context.Context, itemTimeout time.Duration, limiter limit.Limiter) *Run {
	if itemTimeout <= 0 {
		itemTimeout = DefaultItemTimeout
	}
	dispatch, stop := context.WithCancel(ctx)
	return &Run{
		start: time.Now(), caller: ctx, dispatch: dispatch, stop: stop,
		work: context.WithoutCancel(ctx), itemTimeout: itemTimeout, limiter: limiter,
		inflight: map[int]string{}, onWire: map[int]int{},
	}
}

// CollectInOrder makes every Pipeline of the run hand results to its
// collector in the order its reader sent the items, not the order they
// finished: a dry run's plan then lists the rows as the input does. Call
// it before the operation starts.
func (r *Run) CollectInOrder() { r.inOrder = true }

// Close releases the run's contexts.
func (r *Run) Close() { r.stop() }

// Dispatch is done once the run stops taking on new work.
func (r *Run) Dispatch() context.Context { return r.dispatch }

// Stopped reports whether the run has stopped taking on new work.
func (r *Run) Stopped() bool { return r.dispatch.Err() != nil }

// Interrupted reports whether the run was cancelled from outside
// (Ctrl-C), as opposed to stopped by a fatal error.
func (r *Run) Interrupted() bool { return r.caller.Err() != nil }

// Elapsed is the time since the run started.
func (r *Run) Elapsed() time.Duration { return time.Since(r.start) }

// Fail records the first error that must stop the run (a 401 or 403, a
// file that cannot be written) and stops dispatching.
func (r *Run) Fail(err error) {
	if err == nil {
		return
	}
	r.fatalMu.Lock()
	defer r.fatalMu.Unlock()
	if r.fatal == nil {
		r.fatal = err
		r.stop()
	}
}

// Err is the error that stopped the run, or nil.
func (r *Run) Err() error {
	r.fatalMu.Lock()
	defer r.fatalMu.Unlock()
	return r.fatal
}

// InFlight describes the requests on the wire right now, by what their
// workers are doing, for the message a second Ctrl-C prints.
func (r *Run) InFlight() []string {
	r.inflightMu.Lock()
	defer r.inflightMu.Unlock()
	out := make([]string, 0, len(r.onWire))
	for w, n := range r.onWire {
		if s, ok := r.inflight[w]; ok && n > 0 {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// Worker is one goroutine of a run's pool.
type Worker struct {
	run *Run
	id  int
}

// Doing says what the worker is waiting for, for InFlight.
func (w Worker) Doing(format string, args ...any) {
	w.run.inflightMu.Lock()
	w.run.inflight[w.id] = fmt.Sprintf(format, args...)
	w.run.inflightMu.Unlock()
}

// Idle says the worker waits for nothing.
func (w Worker) Idle() {
	w.run.inflightMu.Lock()
	delete(w.run.inflight, w.id)
	w.run.inflightMu.Unlock()
}

// Stopped reports whether the run has stopped taking on new work.
func (w Worker) Stopped() bool { return w.run.Stopped() }

// Run is the worker's run.
func (w Worker) Run() *Run { return w.run }

// Bound is a context for the requests of one item that must be seen
// through once sent: not done by Ctrl-C, bounded by the item timeout.
func (w Worker) Bound() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithValue(w.run.work, workerKey{}, w.id), w.run.itemTimeout)
}

// BoundStop is a context for the requests of one item that may stop at
// Ctrl-C (nothing has changed yet), bounded by the item timeout.
func (w Worker) BoundStop() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithValue(w.run.dispatch, workerKey{}, w.id), w.run.itemTimeout)
}

// BoundStop is a context for a request of the run's own (the audit's
// pages of users) that may stop at Ctrl-C, bounded by the item timeout.
func (r *Run) BoundStop() (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.dispatch, r.itemTimeout)
}

// Bound is a context for a request of the run's own that must be seen
// through, bounded by the item timeout.
func (r *Run) Bound() (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.work, r.itemTimeout)
}

// Core is what every bulk run's summary says besides its own counts.
type Core struct {
	Interrupted bool          // stopped by Ctrl-C
	Elapsed     time.Duration // from the start of the run
	FailedPath  string        // where the failed rows went, when any did
}

// Core sums up the run; failed is its failed file, or nil.
func (r *Run) Core(failed *tokenfile.FailedFile) Core {
	c := Core{Interrupted: r.Interrupted(), Elapsed: r.Elapsed()}
	if failed != nil && failed.Count() > 0 {
		c.FailedPath = failed.Path()
	}
	return c
}

// Pipeline runs read in a goroutine of its own, do in workers goroutines
// (at least one; at most twice the limiter's current limit of them at
// once, see turns), and collect on the calling goroutine until read has
// returned and every item it sent is collected: in completion order, or,
// after CollectInOrder, in the order read sent them. read hands items to
// send, which reports false once the run has stopped taking on new work:
// read should then return. An error read returns stops the run (Fail).
func Pipeline[J, R any](r *Run, workers int, read func(send func(J) bool) error, do func(Worker, J) R, collect func(R)) {
	workers = max(workers, 1)
	jobs := make(chan numbered[J], workers)
	results := make(chan numbered[R], workers)
	// In order, the reader may run at most window items ahead of the
	// oldest item not yet collected, so that the results held back for
	// one slow item stay bounded.
	var window chan struct{}
	if r.inOrder {
		window = make(chan struct{}, max(orderWindow, 4*workers))
	}
	go func() {
		defer close(jobs)
		seq := 0
		send := func(j J) bool {
			if r.Stopped() {
				return false
			}
			if window != nil {
				select {
				case window <- struct{}{}:
				case <-r.dispatch.Done():
					return false
				}
			}
			select {
			case jobs <- numbered[J]{seq, j}:
				seq++
				return true
			case <-r.dispatch.Done():
				if window != nil {
					<-window
				}
				return false
			}
		}
		r.Fail(read(send))
	}()
	turns := newTurns(r.limiter, r.Stopped)
	stopWaking := context.AfterFunc(r.dispatch, turns.wakeAll)
	defer stopWaking()
	var wg sync.WaitGroup
	for id := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := Worker{run: r, id: id}
			for {
				turns.take()
				j, ok := <-jobs
				if !ok {
					turns.give()
					return
				}
				res := do(w, j.v)
				w.Idle()
				turns.give()
				results <- numbered[R]{j.seq, res}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	if window == nil {
		for res := range results {
			collect(res.v)
		}
		return
	}
	// Every item sent yields one result, so the sequence has no gaps.
	held := map[int]R{}
	next := 0
	for res := range results {
		held[res.seq] = res.v
		for {
			v, ok := held[next]
			if !ok {
				break
			}
			delete(held, next)
			next++
			<-window
			collect(v)
		}
	}
}

// orderWindow is how far, at least, the reader of an ordered Pipeline may
// run ahead of the collector.
const orderWindow = 1024

// numbered is an item or a result with its place in the input.
type numbered[T any] struct {
	seq int
	v   T
}

// Common are the options every bulk operation takes.
type Common struct {
	Workers int // the pool; the client's limiter bounds the requests
	Retry   reconcile.Policy
	Now     func() time.Time
	// Progress hears the run's progress; nil hears nothing.
	Progress Progress
}

// OrDefault fills in what was left out.
func (c Common) OrDefault() Common {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Progress == nil {
		c.Progress = NoProgress{}
	}
	c.Retry = c.Retry.OrDefault()
	return c
}

// Files are the options of an operation that keeps its results in a file
// (DurableOptions).
type Files struct {
	Out    string // unused by a dry run
	Lock   *Lock  // Out's lock, taken by the caller; the run releases it
	Resume bool
	DryRun bool
	Plan   io.Writer // a dry run writes what it would do here, as CSV
	// Warn is told, in one line, what is wrong with the journal a resume
	// found. Print it on stderr.
	Warn func(msg string)
}

// Progress hears how far a run is, from its collector: the total once it
// is known, and each item finished with how much of what the display
// counts it added (tokens minted, items failed...). The command's
// progress bar implements it.
type Progress interface {
	SetTotal(total int64)
	Step(good, bad int)
}

// NoProgress hears nothing.
type NoProgress struct{}

func (NoProgress) SetTotal(int64) {}
func (NoProgress) Step(int, int)  {}
