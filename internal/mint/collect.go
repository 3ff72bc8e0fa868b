package mint

import (
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// collect records each row's outcome, on the run's one collecting
// goroutine: the journal's outcome records, the failed file, a dry run's
// plan, the counts and the progress.
func (m *minting) collect(r result) {
	now := m.o.Now()
	switch r.outcome {
	case minted:
		m.sum.Minted++
		m.o.Progress.Step(1, m.collectDelivery(r))
	case redelivered:
		m.sum.Redelivered++
		m.o.Progress.Step(0, m.collectDelivery(r))
	case failed:
		if r.settled {
			_ = m.journal.Append(job.Record{Op: opFailed, User: r.row.User, UserID: r.userID, Name: r.name, At: now, Reason: r.reason})
		}
		m.planRow(r.row.User, r.userID, r.name, "", r.reason)
		m.durable.WriteFailed(m.run, r.row.Fields, r.reason)
		m.sum.Failed++
		m.o.Progress.Step(0, 1)
	case skipped:
		m.sum.Skipped++
		m.o.Progress.Step(0, 0)
	case duplicate:
		m.planRow(r.row.User, r.userID, r.name, "", "skipped: "+r.reason)
		m.sum.Duplicates++
		m.o.Progress.Step(0, 0)
	case planned:
		m.planRow(r.row.User, r.userID, r.name, describeMinutes(r.minutes, m.start), "ok", r.sinks...)
		m.sum.Planned++
		m.o.Progress.Step(0, 0)
	case unprocessed:
		if r.settled {
			_ = m.journal.Append(job.Record{Op: opFailed, User: r.row.User, UserID: r.userID, Name: r.name, At: now, Reason: "not minted: the run stopped"})
		}
		m.sum.Unprocessed++
	}
}

// planRow writes a row of a dry run's plan, with the row's sinks when the
// run delivers.
func (m *minting) planRow(user string, userID int64, name, expires, result string, sinks ...sink.Sink) {
	row := []string{user, tokenfile.ID(userID), name, expires, result}
	_ = m.plan.Row(append(row, m.o.Deliver.PlanColumns(sinks)...)...)
}
