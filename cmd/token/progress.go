package token

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progress is a bulk run's display on a terminal: one status line at the
// bottom of stderr, redrawn in place, and every other line the run prints
// (its messages, warnings, --debug, rows streamed to a stdout that is the
// same terminal) printed whole above it. It is the run's job.Progress.
//
// The status line never reaches the terminal's last columns: a line as
// wide as the terminal would wrap when the terminal echoes ^C after it,
// and the redraw, which clears only the line the cursor is on, would
// leave the wrapped part behind.
type progress struct {
	show  bool
	term  io.Writer  // the terminal: stderr
	width func() int // its columns now, 0 when unknown
	limit func() (n int, auto bool)
	now   func() time.Time

	done, good, bad, total atomic.Int64

	mu       sync.Mutex
	unit     string
	status   func(good, bad int64) string
	phase    phase
	drawn    bool // a status line is on screen
	started  time.Time
	samples  rateSamples
	inFlight func() int
	writers  []*aboveWriter
	quit     chan struct{}
	ticking  sync.WaitGroup
}

// phase is where a run's display is.
type phase uint8

const (
	phaseIdle     phase = iota // no status line yet, or no more
	phaseRunning               // counting
	phaseStopping              // Ctrl-C: no new work, the requests in flight are seen through
)

// refreshEvery is how often the status line is redrawn.
const refreshEvery = 200 * time.Millisecond

// defaultWidth is the width assumed when the terminal does not say.
const defaultWidth = 80

// newProgress returns the display of a run on term. show is whether term
// is a terminal; without one nothing is drawn and every write passes
// through. limit tells the current bound on requests in flight and
// whether it is adaptive; inFlight how many requests are on the wire.
func newProgress(term io.Writer, show bool, width func() int, limit func() (int, bool), inFlight func() int) *progress {
	return &progress{show: show, term: term, width: width, limit: limit, inFlight: inFlight, now: time.Now}
}

// start draws the status line and keeps it up to date until finish:
// total items of unit (0 while unknown), and the two counts that status
// words (minted and failed, say). It does nothing when not shown.
func (p *progress) start(total int64, unit string, status func(good, bad int64) string) {
	p.total.Store(max(total, 0))
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unit, p.status = unit, status
	if !p.show || p.phase != phaseIdle {
		return
	}
	p.phase = phaseRunning
	p.started = p.now()
	p.samples.add(p.started, 0)
	p.quit = make(chan struct{})
	p.ticking.Add(1)
	go p.tick(p.quit)
	// The first refresh draws it: a run that fails at once (an output
	// that exists, say) shows its error alone.
}

func (p *progress) tick(quit chan struct{}) {
	defer p.ticking.Done()
	t := time.NewTicker(refreshEvery)
	defer t.Stop()
	for {
		select {
		case <-quit:
			return
		case <-t.C:
			p.refresh()
		}
	}
}

// refresh notes the count for the rate and draws the status line again.
func (p *progress) refresh() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.phase != phaseIdle {
		p.samples.add(p.now(), p.done.Load())
		p.redrawLocked()
	}
}

// SetTotal fixes the total once it is known.
func (p *progress) SetTotal(total int64) {
	if total > 0 {
		p.total.Store(total)
	}
}

// Step counts one item done, with what it adds to the two counts.
func (p *progress) Step(good, bad int) {
	p.done.Add(1)
	p.good.Add(int64(good))
	p.bad.Add(int64(bad))
}

// stopping says that the run takes on no new work and waits for the
// requests in flight (the first Ctrl-C).
func (p *progress) stopping() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.phase == phaseRunning {
		p.phase = phaseStopping
		p.redrawLocked()
	}
}

// finish draws the status line for the last time and leaves it on screen:
// complete, or, when stopped (Ctrl-C or a fatal error), where the run
// stopped, with its true total. Later writes pass straight through.
func (p *progress) finish(stopped bool) {
	p.mu.Lock()
	if p.phase == phaseIdle {
		p.mu.Unlock()
		return
	}
	close(p.quit)
	p.mu.Unlock()
	p.ticking.Wait()

	p.mu.Lock()
	defer p.mu.Unlock()
	// A line still open is ended above the last status line.
	for _, a := range p.writers {
		if len(a.partial) > 0 {
			p.aboveLocked(a.w, a.partial)
			a.partial = nil
		}
	}
	s := p.statusLocked()
	if !p.drawn && s.done == 0 {
		p.phase = phaseIdle // nothing was shown, nothing was done
		return
	}
	s.final, s.stopped = true, stopped
	if !stopped && s.total > 0 {
		// Every item was handled: the total was an estimate if it differs.
		s.total = s.done
	}
	// The last line shows the rate of the whole run.
	if elapsed := p.now().Sub(p.started); elapsed > 0 {
		s.rate = float64(s.done) / elapsed.Seconds()
	}
	p.drawLocked(render(s, p.columns()))
	_, _ = io.WriteString(p.term, "\n")
	p.drawn = false
	p.phase = phaseIdle
}

// Println prints msg on a line of its own above the status line.
func (p *progress) Println(msg string) {
	p.writeAbove(p.term, []byte(msg+"\n"))
}

// writer is w (stderr, or a stdout that is the same terminal) for the
// time of the run: each complete line written to it is printed above the
// status line; a line still open when the run ends is printed then.
func (p *progress) writer(w io.Writer) io.Writer {
	if !p.show {
		return w
	}
	a := &aboveWriter{p: p, w: w}
	p.mu.Lock()
	p.writers = append(p.writers, a)
	p.mu.Unlock()
	return a
}

// aboveWriter is one stream printed above the status line.
type aboveWriter struct {
	p       *progress
	w       io.Writer
	partial []byte // written, not yet ended by a newline
}

// maxPartial bounds a line held back for its end: a longer one is printed
// as it is.
const maxPartial = 64 << 10

func (a *aboveWriter) Write(b []byte) (int, error) {
	p := a.p
	p.mu.Lock()
	if p.phase == phaseIdle {
		// No status line, now or to come: nothing to keep whole around.
		pending := a.partial
		a.partial = nil
		p.mu.Unlock()
		if len(pending) > 0 {
			if _, err := a.w.Write(pending); err != nil {
				return 0, err
			}
		}
		return a.w.Write(b)
	}
	a.partial = append(a.partial, b...)
	end := bytes.LastIndexByte(a.partial, '\n') + 1
	if end == 0 && len(a.partial) > maxPartial {
		end = len(a.partial)
	}
	if end > 0 {
		p.aboveLocked(a.w, a.partial[:end])
		a.partial = append(a.partial[:0], a.partial[end:]...)
	}
	p.mu.Unlock()
	return len(b), nil
}

// writeAbove prints b, whole lines, above the status line.
func (p *progress) writeAbove(w io.Writer, b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.phase == phaseIdle {
		_, _ = w.Write(b)
		return
	}
	p.aboveLocked(w, b)
}

// aboveLocked clears the status line, prints b (which ends with a
// newline, or is cut from an overlong line, then ended) and draws the
// status line again below it.
func (p *progress) aboveLocked(w io.Writer, b []byte) {
	_, _ = io.WriteString(p.term, "\r"+eraseLine)
	_, _ = w.Write(b)
	if b[len(b)-1] != '\n' {
		_, _ = io.WriteString(p.term, "\n")
	}
	p.drawn = false
	p.redrawLocked()
}

// eraseLine is the ANSI sequence that clears from the cursor to the end
// of the line.
const eraseLine = "\x1b[K"

func (p *progress) redrawLocked() {
	if p.phase == phaseIdle {
		return
	}
	p.drawLocked(render(p.statusLocked(), p.columns()))
}

func (p *progress) drawLocked(line string) {
	_, _ = io.WriteString(p.term, "\r"+line+eraseLine)
	p.drawn = true
}

func (p *progress) columns() int {
	if p.width != nil {
		if w := p.width(); w > 0 {
			return w
		}
	}
	return defaultWidth
}

func (p *progress) statusLocked() statusLine {
	s := statusLine{
		done: p.done.Load(), total: p.total.Load(), unit: p.unit,
		stopping: p.phase == phaseStopping,
	}
	if p.status != nil {
		s.status = p.status(p.good.Load(), p.bad.Load())
	}
	if p.limit != nil {
		s.limit, s.auto = p.limit()
	}
	if s.stopping && p.inFlight != nil {
		s.inFlight = p.inFlight()
	}
	s.rate = p.samples.rate(p.now(), s.done)
	return s
}

// rateWindow is how far back the rate shown is measured: long enough to
// smooth the pauses a rate limit causes, short enough to follow a change.
const rateWindow = 5 * time.Second

// rateSamples are the counts at the last refreshes, oldest first, for the
// rate over the last rateWindow.
type rateSamples struct {
	at   [32]time.Time
	done [32]int64
	n, i int // samples held; where the next goes
}

func (r *rateSamples) add(t time.Time, done int64) {
	r.at[r.i], r.done[r.i] = t, done
	r.i = (r.i + 1) % len(r.at)
	r.n = min(r.n+1, len(r.at))
}

// rate is the items per second from the oldest sample within rateWindow
// to now, or 0 when there is no such sample.
func (r *rateSamples) rate(now time.Time, done int64) float64 {
	for k := r.n; k > 0; k-- {
		j := (r.i - k + len(r.at)) % len(r.at)
		if d := now.Sub(r.at[j]); d <= rateWindow && d > 0 {
			return float64(done-r.done[j]) / d.Seconds()
		}
	}
	return 0
}
