package delivery

import (
	"errors"
	"strconv"
	"strings"

	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/textsafe"
)

// State is how far a sink got.
type State string

// The states of a sink, in the order a delivery moves through them.
const (
	StatePending      State = "pending"          // nothing tried yet
	StatePut          State = "put"              // written, not yet verified
	StateVerified     State = "verified"         // holds the new token
	StateCommitted    State = "committed"        // holds it as its current value
	StateFailedPut    State = "failed at put"    // the write failed
	StateFailedVerify State = "failed at verify" // written, but the read-back failed
	StateFailedCommit State = "failed at commit" // verified, but promoting it failed
)

// Holds reports whether a sink in this state holds the new token.
func (s State) Holds() bool {
	return s == StateVerified || s == StateCommitted || s == StateFailedCommit
}

// Result is one sink's line of a Report.
type Result struct {
	Sink   string    `json:"sink"`
	State  State     `json:"state"`
	Detail string    `json:"detail,omitempty"`
	Kind   sink.Kind `json:"-"`
}

// Report is what a delivery did, sink by sink, in the order given.
type Report struct {
	Sinks []Result
	// Stopped is why the delivery stopped before trying every sink: a
	// cancelled context, a journal that could not be written.
	Stopped error
}

// align returns a copy of r with one Result per sink, in sinks' order:
// states from r where it names the sink, StatePending elsewhere.
func (r Report) align(sinks []sink.Sink) Report {
	byName := make(map[string]Result, len(r.Sinks))
	for _, x := range r.Sinks {
		byName[x.Sink] = x
	}
	out := Report{Sinks: make([]Result, len(sinks)), Stopped: r.Stopped}
	for i, s := range sinks {
		x, ok := byName[s.String()]
		if !ok || x.State == "" {
			x = Result{Sink: s.String(), State: StatePending}
		}
		out.Sinks[i] = x
	}
	return out
}

// AllVerified reports whether every sink holds the new token.
func (r Report) AllVerified() bool {
	for _, x := range r.Sinks {
		if x.State != StateVerified && x.State != StateCommitted {
			return false
		}
	}
	return r.Stopped == nil
}

// AllCommitted reports whether every sink committed.
func (r Report) AllCommitted() bool {
	for _, x := range r.Sinks {
		if x.State != StateCommitted {
			return false
		}
	}
	return r.Stopped == nil
}

// Holding counts the sinks that hold the new token.
func (r Report) Holding() int {
	n := 0
	for _, x := range r.Sinks {
		if x.State.Holds() {
			n++
		}
	}
	return n
}

// Failed returns the sinks that failed, in order.
func (r Report) Failed() []Result {
	var out []Result
	for _, x := range r.Sinks {
		switch x.State {
		case StateFailedPut, StateFailedVerify, StateFailedCommit:
			out = append(out, x)
		}
	}
	return out
}

// Err is nil when every sink is verified, else an error naming the first
// failed sink (or why the delivery stopped). Its kind is the worst
// failure's, for the advice; callers exit 5 on a partial delivery.
func (r Report) Err() error {
	if r.Stopped != nil {
		return r.Stopped
	}
	f := r.Failed()
	if len(f) == 0 {
		if !r.AllVerified() {
			return errors.New("not every sink was delivered to")
		}
		return nil
	}
	msg := f[0].Detail
	if len(f) > 1 {
		msg += " (and " + strconv.Itoa(len(f)-1) + " more sink(s) failed)"
	}
	return &sink.Error{Sink: f[0].Sink, Op: strings.TrimPrefix(string(f[0].State), "failed at "), Kind: f[0].Kind, Err: errors.New(msg)}
}

// TableHeaders are the columns of Rows.
var TableHeaders = []string{"SINK", "STATE", "DETAIL"}

// Rows is the report as SINK, STATE, DETAIL, for a table printer.
func (r Report) Rows() [][]string {
	rows := make([][]string, 0, len(r.Sinks))
	for _, x := range r.Sinks {
		rows = append(rows, []string{x.Sink, string(x.State), x.Detail})
	}
	return rows
}

// JSON is the report as the `deliveries` array of -o json.
func (r Report) JSON() []Result {
	if r.Sinks == nil {
		return []Result{}
	}
	return r.Sinks
}

// Detail is an error as one line for the report: no line breaks, control
// characters escaped, the secret and anything shaped like a token cut
// out.
func Detail(err error, secret string) string {
	if err == nil {
		return ""
	}
	var se *sink.Error
	text := err.Error()
	if errors.As(err, &se) && se.Err != nil {
		text = se.Err.Error()
	}
	if secret != "" {
		text = strings.ReplaceAll(text, secret, jwtinfo.Redacted)
	}
	return jwtinfo.Redact(textsafe.Terminal(strings.Join(strings.Fields(text), " ")))
}
