package limit

import (
	"container/heap"
	"fmt"
	"strings"
	"time"
)

// A discrete-event simulation of a bulk run against a site, in virtual
// time: nothing sleeps and nothing depends on the machine's speed, so the
// figures are the same on every run. The adaptive limiter under test is
// the real one, driven through WithClock.

// siteModel is the site: each request takes base latency; past capacity
// concurrent requests, each new request's latency grows by
// overload × excess / capacity of itself, the excess counted when it
// arrives (a thread pool under contention); an optional token bucket
// answers 429 with Retry-After at once when it is empty. The client, as the
// real one does, holds every request while a Retry-After is in force and
// then retries the refused one.
type siteModel struct {
	base     time.Duration
	capacity int // 0: no capacity limit
	overload float64
	// jitter adds a pseudo-random 0..jitter to each latency.
	jitter time.Duration
	// rate is the rate limit in requests per second (0: none); the
	// bucket holds one second's worth, as the emulator's does.
	rate          float64
	retryAfter    time.Duration
	refuseLatency time.Duration
	// refuseOver, when set, answers 503 with retryAfter at once to a
	// request that finds that many already in flight (a server's hard
	// cap on concurrent requests).
	refuseOver int
	// failRate is the share of requests answered 503 (with retryAfter)
	// after their latency, as random faults, not overload.
	failRate float64
	// change, when set, alters the site when the run takes its row
	// change.row: another load arriving, a cache going cold.
	change *siteChange
	// stall, every stallEvery, holds every answer due in the next stall
	// until its end: the client (or the site) paused by its garbage
	// collector or a busy machine's scheduler, which delays all the
	// requests in flight at once, as a queue does for one round.
	stall, stallEvery time.Duration
}

// siteChange is a change of the site in the middle of a run; zero fields
// keep what was.
type siteChange struct {
	row      int
	capacity int
	base     time.Duration
}

// stalled is when an answer due at t is read: at the end of the stall
// it falls in, if any.
func (m siteModel) stalled(t time.Duration) time.Duration {
	if m.stall <= 0 || m.stallEvery <= 0 {
		return t
	}
	if into := t % m.stallEvery; into < m.stall {
		return t - into + m.stall
	}
	return t
}

func capacitySite(c int) siteModel {
	return siteModel{base: 20 * time.Millisecond, capacity: c, overload: 2}
}

func rateLimitedSite(rate float64) siteModel {
	return siteModel{base: 20 * time.Millisecond, rate: rate, retryAfter: time.Second, refuseLatency: time.Millisecond}
}

// simGate is what the simulation needs of a limiter: a slot without
// waiting, or none.
type simGate interface {
	TryAcquire() (Slot, bool)
	Limit() int
	InFlight() int
}

// fixedGate is `--concurrency K`: at most K, whatever happens.
type fixedGate struct{ n, held int }

func (g *fixedGate) TryAcquire() (Slot, bool) {
	if g.held >= g.n {
		return nil, false
	}
	g.held++
	return fixedGateSlot{g}, true
}

func (g *fixedGate) Limit() int    { return g.n }
func (g *fixedGate) InFlight() int { return g.held }

type fixedGateSlot struct{ g *fixedGate }

func (s fixedGateSlot) Release(Outcome) { s.g.held-- }

type simEventKind uint8

const (
	evSend   simEventKind = iota // a worker's pause is over: send
	evDone                       // a request's answer arrives
	evSample                     // record the limit
)

type simEvent struct {
	at     time.Duration
	seq    int
	kind   simEventKind
	worker int
}

type eventQueue []simEvent

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(simEvent)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// simWorker is one worker of the run's pool: it takes a row, sends its
// requests one after the other, each through a slot of the limiter.
type simWorker struct {
	left   int // requests left in the current row
	slot   Slot
	sentAt time.Duration
	status int
	atSite bool // the request is being served (not refused at the door)
}

// simResult is what one simulated run measured.
type simResult struct {
	rows, requests, refused int
	elapsed                 time.Duration
	// series is the limit every sampleEvery of virtual time.
	series      []int
	sampleEvery time.Duration
	changes     []Change
	changedAt   time.Duration // when the site changed, or 0
	// overLimit counts slots granted while as many as the limit were
	// already held: it must stay 0.
	overLimit int
}

func (r simResult) usersPerSecond() float64 { return float64(r.rows) / r.elapsed.Seconds() }
func (r simResult) requestsPerSecond() float64 {
	return float64(r.requests-r.refused) / r.elapsed.Seconds()
}
func (r simResult) refusedShare() float64 { return float64(r.refused) / float64(r.requests) }

// limitAt is the sampled limit at virtual time t.
func (r simResult) limitAt(t time.Duration) int {
	i := int(t / r.sampleEvery)
	if i >= len(r.series) {
		i = len(r.series) - 1
	}
	return r.series[i]
}

// seriesString prints the sampled limit every every, as "time:limit".
func (r simResult) seriesString(every time.Duration) string {
	return r.seriesFrom(0, every)
}

// seriesFrom prints the sampled limit from virtual time from on.
func (r simResult) seriesFrom(from, every time.Duration) string {
	var b strings.Builder
	step := max(int(every/r.sampleEvery), 1)
	for i := max(int(from/r.sampleEvery)/step*step, 0); i < len(r.series); i += step {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.2fs:%d", (time.Duration(i) * r.sampleEvery).Seconds(), r.series[i])
	}
	return b.String()
}

type simulation struct {
	site    siteModel
	gate    simGate
	now     time.Duration
	epoch   time.Time
	seq     int
	events  eventQueue
	workers []simWorker
	queue   []int // workers waiting for a slot, first come first served

	rows, nextRow, rowsDone int
	rng                     uint64

	siteInFlight int
	capacity     int
	base         time.Duration
	tokens       float64
	tokensAt     time.Duration
	pausedUntil  time.Duration

	res simResult
}

// simEpoch is virtual time zero.
var simEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// clock is the virtual clock handed to the limiter.
func (s *simulation) clock() time.Time { return s.epoch.Add(s.now) }

// simRun runs rows rows (each of 1 to 3 requests, pseudo-randomly but the
// same on every run) through workers workers sharing the gate made by
// newGate.
func simRun(site siteModel, rows, workers int, newGate gateMaker) simResult {
	s := &simulation{
		site:     site,
		epoch:    simEpoch,
		workers:  make([]simWorker, workers),
		rows:     rows,
		rng:      0x9e3779b97f4a7c15,
		capacity: site.capacity,
		base:     site.base,
		tokens:   site.rate,
	}
	s.res.rows = rows
	s.res.sampleEvery = 50 * time.Millisecond
	s.gate = newGate(s.clock, func(c Change) { s.res.changes = append(s.res.changes, c) })
	s.schedule(0, evSample, -1)
	for w := range s.workers {
		s.startRow(w)
	}
	s.pump()
	for s.events.Len() > 0 && s.rowsDone < s.rows {
		e := heap.Pop(&s.events).(simEvent)
		s.now = e.at
		switch e.kind {
		case evSend:
			s.send(e.worker)
		case evDone:
			s.done(e.worker)
		case evSample:
			s.res.series = append(s.res.series, s.gate.Limit())
			s.schedule(s.now+s.res.sampleEvery, evSample, -1)
		}
		s.pump()
	}
	s.res.elapsed = s.now
	return s.res
}

func (s *simulation) schedule(at time.Duration, kind simEventKind, worker int) {
	s.seq++
	heap.Push(&s.events, simEvent{at: at, seq: s.seq, kind: kind, worker: worker})
}

// random is a small deterministic generator (splitmix64).
func (s *simulation) random() uint64 {
	s.rng += 0x9e3779b97f4a7c15
	z := s.rng
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// randomBelow is a deterministic pseudo-random number in [0, n), n > 0.
func (s *simulation) randomBelow(n int64) int64 {
	return int64(s.random()>>1) % n
}

func (s *simulation) startRow(w int) {
	if s.nextRow >= s.rows {
		return
	}
	if c := s.site.change; c != nil && s.nextRow == c.row {
		if c.capacity > 0 {
			s.capacity = c.capacity
		}
		if c.base > 0 {
			s.base = c.base
		}
		s.res.changedAt = s.now
	}
	s.nextRow++
	s.workers[w].left = 1 + int(s.randomBelow(3))
	s.wantSlot(w)
}

func (s *simulation) wantSlot(w int) {
	s.queue = append(s.queue, w)
}

// pump hands free slots to waiting workers in arrival order.
func (s *simulation) pump() {
	for len(s.queue) > 0 {
		slot, ok := s.gate.TryAcquire()
		if !ok {
			return
		}
		if s.gate.InFlight() > s.gate.Limit() {
			s.res.overLimit++
		}
		w := s.queue[0]
		s.queue = s.queue[1:]
		s.workers[w].slot = slot
		// The client holds every request while a Retry-After pause is
		// in force; the request keeps its slot meanwhile, and its
		// latency counts from when it is sent.
		if s.now < s.pausedUntil {
			s.schedule(s.pausedUntil, evSend, w)
			continue
		}
		s.send(w)
	}
}

func (s *simulation) send(w int) {
	if s.now < s.pausedUntil {
		s.schedule(s.pausedUntil, evSend, w)
		return
	}
	wk := &s.workers[w]
	wk.sentAt = s.now
	s.res.requests++
	if s.site.rate > 0 {
		s.tokens = min(s.site.rate, s.tokens+(s.now-s.tokensAt).Seconds()*s.site.rate)
		s.tokensAt = s.now
		if s.tokens < 1 {
			wk.status = 429
			s.schedule(s.now+s.site.refuseLatency, evDone, w)
			return
		}
		s.tokens--
	}
	if s.site.refuseOver > 0 && s.siteInFlight >= s.site.refuseOver {
		wk.status = 503
		s.schedule(s.now+s.site.refuseLatency, evDone, w)
		return
	}
	s.siteInFlight++
	wk.atSite = true
	factor := 1.0
	if s.capacity > 0 && s.siteInFlight > s.capacity {
		factor += s.site.overload * float64(s.siteInFlight-s.capacity) / float64(s.capacity)
	}
	latency := time.Duration(float64(s.base) * factor)
	if s.site.jitter > 0 {
		latency += time.Duration(s.randomBelow(int64(s.site.jitter)))
	}
	latency = s.site.stalled(s.now+latency) - s.now
	wk.status = 200
	if s.site.failRate > 0 && float64(s.randomBelow(1_000_000)) < s.site.failRate*1_000_000 {
		wk.status = 503
	}
	s.schedule(s.now+latency, evDone, w)
}

func (s *simulation) done(w int) {
	wk := &s.workers[w]
	o := Outcome{Latency: s.now - wk.sentAt, Status: wk.status}
	if wk.atSite {
		s.siteInFlight--
		wk.atSite = false
	}
	if wk.status == 429 || wk.status == 503 {
		o.RetryAfter = s.site.retryAfter
		s.res.refused++
		s.pausedUntil = max(s.pausedUntil, s.now+s.site.retryAfter)
	}
	slot := wk.slot
	wk.slot = nil
	slot.Release(o)
	if wk.status == 429 || wk.status == 503 {
		s.wantSlot(w) // the client retries, after the pause if one was asked
		return
	}
	wk.left--
	if wk.left > 0 {
		s.wantSlot(w)
		return
	}
	s.rowsDone++
	s.startRow(w)
}

// gateMaker makes the limiter of one run, on the run's virtual clock.
type gateMaker func(clock func() time.Time, observe Observer) simGate

func fixed(n int) gateMaker {
	return func(func() time.Time, Observer) simGate { return &fixedGate{n: n} }
}

func auto(opts ...Option) gateMaker {
	return func(clock func() time.Time, observe Observer) simGate {
		return NewAdaptive(append([]Option{WithClock(clock), WithObserver(observe)}, opts...)...)
	}
}
