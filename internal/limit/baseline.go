package limit

import "time"

// baselineSlots is how many parts the baseline's window is cut into: the
// oldest part is forgotten as a whole, so the window's length varies by
// one part.
const baselineSlots = 6

// minWindow is the lowest round mean seen over a sliding window of time,
// with that round's number of samples, kept in a fixed number of slots so that
// adding and reading never allocate. Because old slots expire, the minimum
// rises again when every recent round is slower: a site that got slower
// for good stops being measured against how fast it once was.
type minWindow struct {
	span  time.Duration // one slot's share of the window
	slots [baselineSlots]baselineSlot
	cur   int
}

type baselineSlot struct {
	start time.Time
	mean  time.Duration // 0: empty
	n     int
}

func newMinWindow(window time.Duration) minWindow {
	return minWindow{span: window / baselineSlots}
}

// add records a round of n samples and mean latency mean, ended at now.
func (w *minWindow) add(now time.Time, mean time.Duration, n int) {
	s := &w.slots[w.cur]
	if s.mean != 0 && now.Sub(s.start) < w.span {
		if mean < s.mean {
			s.mean, s.n = mean, n
		}
		return
	}
	if s.mean != 0 {
		w.cur = (w.cur + 1) % baselineSlots
		s = &w.slots[w.cur]
	}
	*s = baselineSlot{start: now, mean: mean, n: n}
}

// get is the lowest mean still in the window and its round's number of
// samples, or zeros when there is none.
func (w *minWindow) get(now time.Time) (mean time.Duration, n int) {
	for i := range w.slots {
		s := &w.slots[i]
		if s.mean == 0 || now.Sub(s.start) >= w.span*baselineSlots {
			continue
		}
		if mean == 0 || s.mean < mean {
			mean, n = s.mean, s.n
		}
	}
	return mean, n
}

// reset forgets everything and starts again from one round.
func (w *minWindow) reset(now time.Time, mean time.Duration, n int) {
	w.slots = [baselineSlots]baselineSlot{}
	w.cur = 0
	w.slots[0] = baselineSlot{start: now, mean: mean, n: n}
}
