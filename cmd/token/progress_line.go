package token

import (
	"fmt"
	"strings"
	"time"
)

// statusLine is what the status line of a bulk run says at one moment.
type statusLine struct {
	done, total int64 // total 0: unknown
	unit        string
	status      string // the command's two counts in words
	limit       int    // the bound on requests in flight; 0: none shown
	auto        bool   // the bound is adaptive
	inFlight    int    // requests still on the wire, when stopping
	rate        float64
	stopping    bool // Ctrl-C: the run waits for the requests in flight
	final       bool // the last line of the run
	stopped     bool // with final: the run stopped before the end
}

// The widths of the progress bar, brackets excluded: the widest it is
// drawn, and the narrowest before it is dropped.
const (
	barWidest    = 30
	barNarrowest = 10
)

// render lays the status line out for a terminal of width columns. It
// says only what is true: without a total, a count and a rate, with no
// bar and no ETA; stopped, the true count of the true total. Parts are
// dropped, least useful first, until the line fits; it always leaves the
// terminal's last three columns free (see progress).
func render(s statusLine, width int) string {
	room := max(width-3, 1)
	head := fmt.Sprintf("%d %s", s.done, s.unit)
	if s.total > 0 {
		head = fmt.Sprintf("%d / %d %s", s.done, s.total, s.unit)
	}
	switch {
	case s.final && s.stopped:
		head = "stopped at " + head
	case s.stopping && !s.final:
		head = "stopping at " + head
	}
	// The optional parts, in the order they are dropped when the line is
	// too wide; the bar first shrinks.
	var limit, limitShort, rate, eta string
	switch {
	case s.final:
	case s.stopping:
		limit = fmt.Sprintf("%d in flight", s.inFlight)
		limitShort = limit
	case s.limit > 0:
		limit = fmt.Sprintf("limit %d", s.limit)
		limitShort = limit
		if s.auto {
			limit += " (auto)"
		}
	}
	if s.rate > 0 {
		rate = formatRate(s.rate)
	}
	if !s.final && !s.stopping && s.total > 0 && s.rate > 0 && s.done < s.total {
		eta = "ETA " + formatETA(time.Duration(float64(s.total-s.done)/s.rate*float64(time.Second)))
	}
	bar := 0
	if s.total > 0 {
		bar = barWidest
	}
	status := s.status
	line := func() string {
		var b strings.Builder
		b.WriteString(head)
		sep := ": "
		if bar > 0 {
			b.WriteString(" " + drawBar(s.done, s.total, bar))
			sep = " "
		}
		for _, part := range []string{status, limit, rate, eta} {
			if part != "" {
				b.WriteString(sep + part)
				sep = "  "
			}
		}
		return b.String()
	}
	l := line()
	over := func() int { return len(l) - room }
	if bar > 0 && over() > 0 {
		bar = max(barNarrowest, bar-over())
		l = line()
	}
	for _, drop := range []func(){
		func() { limit = limitShort },
		func() { limit = "" },
		func() { bar = 0 },
		func() { rate = "" },
		func() { eta = "" },
		func() { status = "" },
	} {
		if over() <= 0 {
			break
		}
		drop()
		l = line()
	}
	if over() > 0 {
		l = l[:room]
	}
	return l
}

// drawBar is a bar of width cells (plus brackets) filled by done of total.
func drawBar(done, total int64, width int) string {
	filled := width
	if done < total {
		filled = int(int64(width) * done / total)
	}
	var b strings.Builder
	b.WriteByte('[')
	b.WriteString(strings.Repeat("=", filled))
	if filled < width {
		b.WriteByte('>')
		b.WriteString(strings.Repeat(" ", width-filled-1))
	}
	b.WriteByte(']')
	return b.String()
}

// formatRate is a rate of items per second, to a useful precision.
func formatRate(r float64) string {
	if r < 10 {
		return fmt.Sprintf("%.1f/s", r)
	}
	return fmt.Sprintf("%.0f/s", r)
}

// formatETA is a time left, rounded to what a person reads: seconds, then
// minutes and seconds, then hours and minutes.
func formatETA(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
