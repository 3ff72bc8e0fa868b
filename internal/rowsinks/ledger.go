package rowsinks

import (
	"strings"
	"sync"

	"github.com/axero-cli/axero/internal/delivery"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// Ledger is what the journal of the earlier runs says about each token's
// delivery, read on a resume: each sink's last state, and whether every
// sink committed. A token it knows nothing about is delivered from the
// start. It is written while the journal is read, then only read (and
// safe for concurrent use).
type Ledger struct {
	mu     sync.Mutex
	tokens map[int64]*tokenState
}

type tokenState struct {
	sinks     []delivery.Result // in the order the journal first names them
	committed bool
}

// NewLedger is an empty ledger.
func NewLedger() *Ledger { return &Ledger{tokens: map[int64]*tokenState{}} }

// Journaled takes in a sound record of the journal, in order; records of
// other operations are ignored.
func (l *Ledger) Journaled(r job.Record) {
	if r.TokenID == 0 {
		return
	}
	switch r.Op {
	case OpStep, OpCommitted:
	default:
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.tokens[r.TokenID]
	if st == nil {
		st = &tokenState{}
		l.tokens[r.TokenID] = st
	}
	if r.Op == OpCommitted {
		st.committed = true
		return
	}
	i := -1
	for k := range st.sinks {
		if st.sinks[k].Sink == r.Sink {
			i = k
		}
	}
	if i < 0 {
		if len(st.sinks) >= MaxSinks*2 {
			return // a journal no run of axero wrote: bound what it costs
		}
		st.sinks = append(st.sinks, delivery.Result{Sink: r.Sink, State: delivery.StatePending})
		i = len(st.sinks) - 1
	}
	if state, ok := stateAfter(r.Step); ok {
		st.sinks[i].State, st.sinks[i].Detail = state, r.Reason
	}
}

// stateAfter is the state a sink is in once step is journalled; ok is
// false for a step that is about to run, which changes nothing yet (a
// put that may or may not have happened is put again).
func stateAfter(step string) (delivery.State, bool) {
	op, outcome, done := strings.Cut(step, ":")
	if !done {
		return "", false
	}
	failed := outcome == "failed"
	switch delivery.Op(op) {
	case delivery.OpPut:
		if failed {
			return delivery.StateFailedPut, true
		}
		return delivery.StatePut, true
	case delivery.OpVerify:
		if failed {
			return delivery.StateFailedVerify, true
		}
		return delivery.StateVerified, true
	case delivery.OpCommit:
		if failed {
			return delivery.StateFailedCommit, true
		}
		return delivery.StateCommitted, true
	}
	return "", false
}

// Committed reports whether every sink committed tokenID: nothing is left
// to deliver.
func (l *Ledger) Committed(tokenID int64) bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.tokens[tokenID]
	return st != nil && st.committed
}

// Report is tokenID's delivery as far as the journal says, to hand to
// Finish as Delivery.Prev.
func (l *Ledger) Report(tokenID int64) delivery.Report {
	if l == nil {
		return delivery.Report{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.tokens[tokenID]
	if st == nil {
		return delivery.Report{}
	}
	return delivery.Report{Sinks: append([]delivery.Result(nil), st.sinks...)}
}

// Forget drops from records, an earlier run's output by TokenID, the
// tokens every sink committed: nothing is left to deliver from them. It
// is called once the journal is read.
func (l *Ledger) Forget(records map[int64]tokenfile.Record) {
	for id := range records {
		if l.Committed(id) {
			delete(records, id)
		}
	}
}
