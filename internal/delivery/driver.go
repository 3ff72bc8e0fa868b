package delivery

import (
	"context"
	"errors"

	"github.com/axero-cli/axero/internal/sink"
)

// Op is a step of the protocol on one sink.
type Op string

// The steps, in the order they run on a sink.
const (
	OpPut    Op = "put"
	OpVerify Op = "verify"
	OpCommit Op = "commit"
)

// Step is what a Recorder is told: a sink is about to run Op (Done false),
// or has run it (Done true, Err its outcome).
type Step struct {
	Sink string
	Op   Op
	Done bool
	Err  error
}

// Recorder journals each step before and after it runs. An error from
// Record stops the delivery before the step (or before the next one): a
// step the journal cannot record must not happen, or a resumed run would
// not know about it.
type Recorder interface {
	Record(Step) error
}

// RecorderFunc adapts a function to Recorder.
type RecorderFunc func(Step) error

// Record calls f.
func (f RecorderFunc) Record(s Step) error { return f(s) }

// nopRecorder records nothing.
type nopRecorder struct{}

func (nopRecorder) Record(Step) error { return nil }

func orNop(r Recorder) Recorder {
	if r == nil {
		return nopRecorder{}
	}
	return r
}

// Check runs every sink's Check, changing nothing. It returns nil when
// all pass, else a *CheckError holding every failure, which reads as the
// most severe one (Invalid, then Denied, then Failed) and names its sink.
func Check(ctx context.Context, sinks []sink.Sink) error {
	var errs []error
	for _, s := range sinks {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.Check(ctx); err != nil {
			errs = append(errs, asSinkError(s, "check", err))
		}
	}
	if len(errs) > 0 {
		return &CheckError{Errs: errs}
	}
	return nil
}

// Plans gathers what the sinks that implement sink.Planner found in Check,
// each line prefixed with its sink.
func Plans(sinks []sink.Sink) []string {
	var out []string
	for _, s := range sinks {
		if p, ok := s.(sink.Planner); ok {
			for _, line := range p.Plan() {
				out = append(out, s.String()+": "+line)
			}
		}
	}
	return out
}

// asSinkError makes sure err names its sink and step.
func asSinkError(s sink.Sink, op string, err error) error {
	var se *sink.Error
	if errors.As(err, &se) {
		return err
	}
	return &sink.Error{Sink: s.String(), Op: op, Kind: sink.Failed, Err: err}
}

// Deliver puts v into every sink that prev does not already say is
// verified (or committed), then verifies it, in order, recording each
// step before and after. A sink that fails does not stop the others, so
// that one run reports every sink's state; a cancelled context or a
// Recorder that fails stops at once, and the sinks not reached keep
// their state from prev (or StatePending). prev may be empty.
func Deliver(ctx context.Context, sinks []sink.Sink, v sink.Value, rec Recorder, prev Report) Report {
	rec = orNop(rec)
	rep := prev.align(sinks)
	rep.Stopped = nil
	for i, s := range sinks {
		r := &rep.Sinks[i]
		if r.State.Holds() {
			continue
		}
		if ctx.Err() != nil || rep.Stopped != nil {
			continue
		}
		r.Detail = ""
		if !runStep(rec, &rep, r, s, OpPut, v, func() error { return s.Put(ctx, v) }) {
			continue
		}
		r.State = StatePut
		if !runStep(rec, &rep, r, s, OpVerify, v, func() error { return s.Verify(ctx, v) }) {
			continue
		}
		r.State = StateVerified
	}
	if rep.Stopped == nil && ctx.Err() != nil {
		rep.Stopped = ctx.Err()
	}
	return rep
}

// Commit runs every sink's Commit once all are verified, recording each
// step; it stops at the first failure (the old token must not be
// revoked then, and a resumed run commits the rest: Commit is
// idempotent). Sinks already committed are skipped.
func Commit(ctx context.Context, sinks []sink.Sink, v sink.Value, rec Recorder, prev Report) Report {
	rec = orNop(rec)
	rep := prev.align(sinks)
	rep.Stopped = nil
	for _, x := range rep.Sinks {
		if !x.State.Holds() {
			return rep
		}
	}
	for i, s := range sinks {
		r := &rep.Sinks[i]
		if r.State == StateCommitted {
			continue
		}
		if ctx.Err() != nil {
			rep.Stopped = ctx.Err()
			return rep
		}
		if !runStep(rec, &rep, r, s, OpCommit, v, func() error { return s.Commit(ctx, v) }) {
			return rep
		}
		r.State = StateCommitted
	}
	return rep
}

// runStep records the step, runs it, records its outcome and, on failure,
// sets the sink's state. It reports whether the step succeeded.
func runStep(rec Recorder, rep *Report, r *Result, s sink.Sink, op Op, v sink.Value, do func() error) bool {
	if err := rec.Record(Step{Sink: s.String(), Op: op}); err != nil {
		rep.Stopped = err
		return false
	}
	err := do()
	if err != nil {
		err = asSinkError(s, string(op), err)
		r.State = failedState(op)
		r.Detail = Detail(err, v.Secret)
		r.Kind = sink.KindOf(err)
	}
	if rerr := rec.Record(Step{Sink: s.String(), Op: op, Done: true, Err: err}); rerr != nil {
		rep.Stopped = rerr
		return false
	}
	return err == nil
}

func failedState(op Op) State {
	switch op {
	case OpPut:
		return StateFailedPut
	case OpVerify:
		return StateFailedVerify
	}
	return StateFailedCommit
}
