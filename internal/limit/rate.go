package limit

import "time"

// rateSlots is how many parts the rate meter's window is cut into.
const rateSlots = 8

// rateMeter counts the answers of a site, and how many of them were
// refusals, over a sliding window of time in a fixed number of slots, so
// that counting and reading never allocate.
type rateMeter struct {
	span  time.Duration // one slot's share of the window
	start time.Time     // when counting began
	slots [rateSlots]struct {
		start             time.Time
		answered, refused int
	}
	cur int
}

func newRateMeter(window time.Duration, now time.Time) rateMeter {
	m := rateMeter{span: window / rateSlots, start: now}
	m.slots[0].start = now
	return m
}

// add counts one answer at now.
func (m *rateMeter) add(now time.Time, refused bool) {
	s := &m.slots[m.cur]
	if now.Sub(s.start) >= m.span {
		m.cur = (m.cur + 1) % rateSlots
		s = &m.slots[m.cur]
		s.start, s.answered, s.refused = now, 0, 0
	}
	if refused {
		s.refused++
	} else {
		s.answered++
	}
}

// counts are the answers and refusals within the window.
func (m *rateMeter) counts(now time.Time) (answered, refused int) {
	for i := range m.slots {
		if s := &m.slots[i]; now.Sub(s.start) < m.span*rateSlots {
			answered += s.answered
			refused += s.refused
		}
	}
	return answered, refused
}

// perSecond is the rate of answers that were not refusals over the window
// (or since counting began, if that is shorter, but over at least
// atLeast), pauses included.
func (m *rateMeter) perSecond(now time.Time, atLeast time.Duration) float64 {
	answered, _ := m.counts(now)
	covered := max(min(m.span*rateSlots, now.Sub(m.start)), atLeast)
	if covered <= 0 {
		return 0
	}
	return float64(answered) / covered.Seconds()
}
