package rowsinks

import (
	"context"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/axero-cli/axero/internal/delivery"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// The journal's delivery operations, shared by every operation that
// delivers (their own operations say what was minted and revoked). None
// holds a secret; TokenID is always the new token's.
const (
	// OpStep is one step of one sink, written before it runs (Step "put",
	// "verify", "commit") and after (Step "put:ok", "put:failed", ...,
	// with the reason).
	OpStep = "sink"
	// OpDelivered: every sink of the token verified it.
	OpDelivered = "delivered"
	// OpCommitted: every sink committed it; an old token it replaces may
	// now be retired. It is durable before that happens.
	OpCommitted = "committed"
)

// Delivery is one token's delivery: whose it is, the value, and where it
// goes.
type Delivery struct {
	User   string // as the run's input names the user
	UserID int64
	Value  sink.Value
	Sinks  []sink.Sink
	// Prev is what an earlier run did (Ledger.Report); empty for a token
	// minted by this run.
	Prev delivery.Report
}

// Finish puts and verifies the token in every sink that does not hold it
// yet, then, once every sink verified it, commits each, writing every
// step to j before and after it runs. The report says how far each sink
// got: the token is delivered when AllCommitted.
//
// Step records are written without waiting for the disk: a kill leaves
// them in the file, and a record lost to a power cut only makes a resume
// repeat a step, which is harmless. The records that let an old token go
// (delivered, committed) are durable before Finish returns. A journal
// that cannot be written stops the delivery before the next step.
func (p *Plan) Finish(ctx context.Context, j *job.Journal, d Delivery) delivery.Report {
	rec := &recorder{p: p, j: j, d: &d}
	rep := delivery.Deliver(ctx, d.Sinks, d.Value, rec, d.Prev)
	if !rep.AllVerified() {
		return rep
	}
	if err := j.AppendSync(rec.record(OpDelivered, "", "", "")); err != nil {
		rep.Stopped = err
		return rep
	}
	p.CrashAt("row:delivered")
	rep = delivery.Commit(ctx, d.Sinks, d.Value, rec, rep)
	if !rep.AllCommitted() {
		return rep
	}
	if err := j.AppendSync(rec.record(OpCommitted, "", "", "")); err != nil {
		rep.Stopped = err
		return rep
	}
	p.CrashAt("row:committed")
	return rep
}

// FinishRecord is Finish for a token whose record rec, secret included,
// is on disk in the run's output: user is as the run's input names the
// user, prev what the earlier runs did (nil for a token of this run), and
// started when the delivery began. It reports whether every sink
// committed the token and, when not, why (Failure).
func (p *Plan) FinishRecord(ctx context.Context, j *job.Journal, user string, rec tokenfile.Record, sinks []sink.Sink, prev *delivery.Report, started time.Time) (committed bool, why string) {
	v := sink.Value{Secret: rec.Token, TokenID: rec.TokenID, Name: rec.Name, Started: started}
	if rec.Expiry != nil {
		v.Expires = *rec.Expiry
	}
	d := Delivery{User: user, UserID: rec.UserID, Value: v, Sinks: sinks}
	if prev != nil {
		d.Prev = *prev
	}
	rep := p.Finish(ctx, j, d)
	if rep.AllCommitted() {
		return true, ""
	}
	return false, Failure(rep, rec.Token)
}

// recorder writes each step of one token's delivery to the journal.
type recorder struct {
	p *Plan
	j *job.Journal
	d *Delivery
}

func (r *recorder) record(op, sinkName, step, reason string) job.Record {
	return job.Record{Op: op, User: r.d.User, UserID: r.d.UserID, TokenID: r.d.Value.TokenID, Sink: sinkName, Step: step, Reason: reason, At: time.Now()}
}

// Record journals s. The crash points are named as the single-token
// rotation's, with "row:" before them: "row:put:1" before the first
// sink's put, "row:put:1:done" after it.
func (r *recorder) Record(s delivery.Step) error {
	step, reason := string(s.Op), ""
	point := "row:" + string(s.Op) + ":" + strconv.Itoa(r.index(s.Sink))
	if s.Done {
		point += ":done"
		step += ":ok"
		if s.Err != nil {
			step = string(s.Op) + ":failed"
			reason = cut(delivery.Detail(s.Err, r.d.Value.Secret), maxReason)
		}
	}
	if err := r.j.Append(r.record(OpStep, s.Sink, step, reason)); err != nil {
		return err
	}
	r.p.CrashAt(point)
	return nil
}

// maxReason bounds a reason in the journal, whose lines are bounded: a
// service's message is a line or two, and a longer one says nothing more.
const maxReason = 1024

// cut shortens s to at most n bytes, at a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// index is the 1-based place of the sink named name among the row's.
func (r *recorder) index(name string) int {
	for i, s := range r.d.Sinks {
		if s.String() == name {
			return i + 1
		}
	}
	return 0
}

// Failure is why a delivery did not finish, in one line for the failed
// file and the journal: the first sink that failed and its reason, or
// why the delivery stopped. It never holds the secret.
func Failure(rep delivery.Report, secret string) string {
	err := rep.Err()
	if err == nil {
		return "not every sink committed the token"
	}
	return delivery.Detail(errorLine{err}, secret)
}

// errorLine keeps a sink error's "SINK: STEP: reason" whole for Detail,
// which would otherwise keep only the reason.
type errorLine struct{ err error }

func (e errorLine) Error() string { return e.err.Error() }
