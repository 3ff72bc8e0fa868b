package doctor

import (
	"fmt"
	"strings"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/output"
)

// Statuses of a check. SKIP marks a check that was not run because one it
// depends on did not pass, so that one cause shows as one FAIL rather than
// a pile of them.
const (
	StatusOK   = "OK"
	StatusWarn = "WARN"
	StatusFail = "FAIL"
	StatusSkip = "SKIP"
)

// Check is one line of the report, and one object of -o json. Its fields
// and their names are stable: support tools parse them.
type Check struct {
	Check  string `json:"check"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Hint   string `json:"hint"`

	// cause is, for a SKIP, the failure it goes back to, so that a chain
	// of skips names the check that failed rather than the one before.
	cause string
}

// report collects the checks in the order they ran.
type report struct {
	checks []*Check
	byName map[string]*Check
}

func newReport() *report { return &report{byName: map[string]*Check{}} }

// add records a check. Every detail and hint is redacted of anything
// shaped like a token, whatever produced it.
func (r *report) add(name, status, detail, hint string) *Check {
	c := &Check{Check: name, Status: status, Detail: cmdutil.Redact(textsafe.OneLine(detail)), Hint: cmdutil.Redact(textsafe.OneLine(hint))}
	r.checks = append(r.checks, c)
	r.byName[name] = c
	return c
}

func (r *report) ok(name, detail string) *Check { return r.add(name, StatusOK, detail, "") }
func (r *report) warn(name, detail, hint string) *Check {
	return r.add(name, StatusWarn, detail, hint)
}
func (r *report) fail(name, detail, hint string) *Check {
	return r.add(name, StatusFail, detail, hint)
}

// skip records name as not run because of the check it depends on.
func (r *report) skip(name, because string) *Check {
	c := r.add(name, StatusSkip, "not checked: "+because, "")
	c.cause = because
	return c
}

// passed reports whether the named checks ran and did not fail: a
// dependent check runs only then.
func (r *report) passed(names ...string) bool {
	for _, n := range names {
		c, ok := r.byName[n]
		if !ok || c.Status == StatusFail || c.Status == StatusSkip {
			return false
		}
	}
	return true
}

// blocker names the first of the named checks that did not pass, for a
// SKIP's detail.
func (r *report) blocker(names ...string) string {
	for _, n := range names {
		c, ok := r.byName[n]
		switch {
		case !ok:
			return n + " was not checked"
		case c.Status == StatusFail:
			return n + " failed"
		case c.Status == StatusSkip:
			return c.cause
		}
	}
	return ""
}

// failed reports whether any check failed.
func (r *report) failed() bool {
	for _, c := range r.checks {
		if c.Status == StatusFail {
			return true
		}
	}
	return false
}

// printText writes one line per check, `STATUS  check  detail`, with the
// hint indented on the next line for WARN and FAIL, and a count at the end.
// Everything is escaped for the terminal: details quote the server. On a
// terminal, a detail or hint too long for a line wraps under itself
// rather than under the status, and on a colour terminal OK is green,
// WARN yellow and FAIL red.
func (r *report) printText(ios *iostreams.IOStreams) {
	w := ios.Out
	width := 0
	for _, c := range r.checks {
		width = max(width, len(c.Check))
	}
	indent := strings.Repeat(" ", 4+2+width+2)
	textWidth := 0
	if tw := ios.TerminalWidth(); tw > 0 {
		// Below a usable width, wrapping would only make it worse.
		if textWidth = tw - len(indent); textWidth < 24 {
			textWidth = 0
		}
	}
	counts := map[string]int{}
	for _, c := range r.checks {
		counts[c.Status]++
		status := output.Tint(ios, statusTone(c.Status), c.Status) + strings.Repeat(" ", 4-len(c.Status))
		lines := output.WrapText(textsafe.Terminal(c.Detail), textWidth)
		fmt.Fprintf(w, "%s  %-*s  %s\n", status, width, c.Check, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "%s%s\n", indent, l)
		}
		if c.Hint != "" && (c.Status == StatusWarn || c.Status == StatusFail) {
			for _, l := range output.WrapText("hint: "+textsafe.Terminal(c.Hint), textWidth) {
				fmt.Fprintf(w, "%s%s\n", indent, l)
			}
		}
	}
	var parts []string
	for _, s := range []string{StatusFail, StatusWarn, StatusOK, StatusSkip} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintf(w, "\n%s\n", strings.Join(parts, ", "))
}

// statusTone is what a check's status means: OK works, WARN deserves a
// look, FAIL is what stops axero; SKIP says nothing of its own.
func statusTone(status string) output.Tone {
	switch status {
	case StatusOK:
		return output.Good
	case StatusWarn:
		return output.Warning
	case StatusFail:
		return output.Bad
	}
	return output.Plain
}
