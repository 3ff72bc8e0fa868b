package token

import (
	"io"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// countBar is the progress bar of the bulk commands that are not minting
// (audit, revoke --from): done of total in unit, a status the command
// words itself, rate and ETA, drawn on stderr like create-for-user's.
type countBar struct {
	p   *mpb.Progress
	bar *mpb.Bar
}

// newCountBar starts a bar on w when show is set (the caller decided that
// stderr is a terminal). total may be 0 while unknown; status is called
// on each refresh, from mpb's goroutine, so it must read shared counters
// safely.
func newCountBar(w io.Writer, show bool, total int64, unit string, status func() string) *countBar {
	cb := &countBar{}
	if !show {
		return cb
	}
	cb.p = mpb.New(mpb.WithOutput(w), mpb.WithAutoRefresh(), mpb.WithWidth(100), mpb.WithRefreshRate(150*time.Millisecond))
	cb.bar = cb.p.AddBar(total,
		mpb.PrependDecorators(decor.CountersNoUnit("%d / %d "+unit, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(
			decor.Any(func(decor.Statistics) string { return status() }, decor.WCSyncSpaceR),
			decor.AverageSpeed(nil, " %.0f/s", decor.WCSyncSpace),
			decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO, decor.WCSyncSpace), ""),
		),
	)
	return cb
}

// setTotal fixes the total once it is known.
func (cb *countBar) setTotal(total int64) {
	if cb.bar != nil && total > 0 {
		cb.bar.SetTotal(total, false)
	}
}

// set moves the bar to done.
func (cb *countBar) set(done int64) {
	if cb.bar != nil {
		cb.bar.SetCurrent(done)
	}
}

// increment moves the bar on by one.
func (cb *countBar) increment() {
	if cb.bar != nil {
		cb.bar.Increment()
	}
}

// stop completes or abandons the bar and waits until it is drawn for the
// last time, so that what follows is printed after it.
func (cb *countBar) stop() {
	if cb.p == nil {
		return
	}
	cb.bar.SetTotal(-1, true)
	cb.p.Wait()
}

// roundElapsed shows a run's time to a useful precision: milliseconds
// under a second, tenths above.
func roundElapsed(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}
