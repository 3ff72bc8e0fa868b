package limit

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxConcurrency bounds an adaptive limit unless --max-concurrency
// says otherwise.
const DefaultMaxConcurrency = 64

// DefaultInitialConcurrency is where an adaptive limit starts: the fixed
// default that came before it, so that a short run is never slower than it
// was.
const DefaultInitialConcurrency = 8

// Adaptive is the limit of `--concurrency auto`: it moves between 1 and its
// maximum from the outcome of every request (see the package comment for
// the rule). It is safe for concurrent use, and Acquire, TryAcquire and
// Release do not allocate.
type Adaptive struct {
	// tokens holds one token per free slot. A slot is a token taken;
	// issued counts the tokens in the channel plus those taken, and is
	// kept at the limit: raised by adding tokens (from spare), lowered by
	// taking free ones back or by not returning those released while it
	// is over. The tokens are the maximum's worth of slots made once, so
	// that handing one out allocates nothing.
	tokens   chan *adaptiveSlot
	inFlight atomic.Int64
	limit    atomic.Int64

	mu      sync.Mutex
	issued  int
	spare   []*adaptiveSlot // the tokens not issued
	ctl     *controller
	now     func() time.Time
	observe Observer
}

// Option configures an Adaptive limiter.
type Option func(*adaptiveConfig)

type adaptiveConfig struct {
	p       params
	now     func() time.Time
	observe Observer
}

// WithMax bounds the limit (`--max-concurrency`); below 1 means 1.
func WithMax(n int) Option {
	return func(c *adaptiveConfig) { c.p.max = max(n, 1) }
}

// WithInitial sets the starting limit (kept within 1 and the maximum).
func WithInitial(n int) Option {
	return func(c *adaptiveConfig) { c.p.initial = n }
}

// WithClock replaces time.Now, so that a simulation can drive the limiter
// in virtual time. The clock must agree with the Latency of the outcomes.
// A nil clock keeps time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *adaptiveConfig) {
		if now != nil {
			c.now = now
		}
	}
}

// WithObserver has f told each change of the limit with its reason, for
// --debug and the progress display.
func WithObserver(f Observer) Option {
	return func(c *adaptiveConfig) { c.observe = f }
}

// NewAdaptive returns an adaptive limiter starting at
// DefaultInitialConcurrency, bounded by DefaultMaxConcurrency, unless the
// options say otherwise.
func NewAdaptive(opts ...Option) *Adaptive {
	cfg := adaptiveConfig{p: defaultParams(), now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	return newAdaptive(cfg)
}

func newAdaptive(cfg adaptiveConfig) *Adaptive {
	a := &Adaptive{
		tokens:  make(chan *adaptiveSlot, cfg.p.max),
		now:     cfg.now,
		observe: cfg.observe,
	}
	slots := make([]adaptiveSlot, cfg.p.max)
	a.spare = make([]*adaptiveSlot, 0, cfg.p.max)
	for i := range slots {
		slots[i].a = a
		a.spare = append(a.spare, &slots[i])
	}
	a.ctl = newController(cfg.p, a.now())
	a.limit.Store(int64(a.ctl.limit))
	a.mu.Lock()
	a.refill()
	a.mu.Unlock()
	return a
}

// Acquire waits for a free slot, or for ctx to end.
func (a *Adaptive) Acquire(ctx context.Context) (Slot, error) {
	select {
	case s := <-a.tokens:
		s.sentWith = int(a.inFlight.Add(1))
		return s, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TryAcquire takes a free slot if there is one, without waiting.
func (a *Adaptive) TryAcquire() (Slot, bool) {
	select {
	case s := <-a.tokens:
		s.sentWith = int(a.inFlight.Add(1))
		return s, true
	default:
		return nil, false
	}
}

// Limit is the current bound on requests in flight.
func (a *Adaptive) Limit() int { return int(a.limit.Load()) }

// InFlight is the number of slots held.
func (a *Adaptive) InFlight() int { return int(a.inFlight.Load()) }

// adaptiveSlot is one token of an Adaptive limiter; taken, it is a slot.
type adaptiveSlot struct {
	a *Adaptive
	// sentWith is how many requests were in flight, this one included,
	// when the slot was taken.
	sentWith int
}

// Release gives the slot back and moves the limit by the outcome.
func (s *adaptiveSlot) Release(o Outcome) {
	a := s.a
	inFlight := int(a.inFlight.Add(-1)) + 1
	a.mu.Lock()
	defer a.mu.Unlock()
	ch, changed := a.ctl.update(a.now(), o, inFlight, s.sentWith)
	// The released token goes back unless the limit is now lower than
	// the tokens in circulation.
	if a.issued > a.ctl.limit {
		a.issued--
		a.spare = append(a.spare, s)
	} else {
		a.tokens <- s
	}
	if !changed {
		return
	}
	a.limit.Store(int64(ch.To))
	a.refill()
	if a.observe != nil {
		a.observe(ch)
	}
}

// refill brings the tokens in circulation to the limit: new tokens for a
// higher limit, free ones taken back for a lower one (the rest are not
// returned on release). The channel's capacity is the maximum limit, so a
// send never blocks. Called with mu held.
func (a *Adaptive) refill() {
	for a.issued < a.ctl.limit {
		s := a.spare[len(a.spare)-1]
		a.spare = a.spare[:len(a.spare)-1]
		a.tokens <- s
		a.issued++
	}
	for a.issued > a.ctl.limit {
		select {
		case s := <-a.tokens:
			a.spare = append(a.spare, s)
			a.issued--
		default:
			return
		}
	}
}

var _ Limiter = (*Adaptive)(nil)
