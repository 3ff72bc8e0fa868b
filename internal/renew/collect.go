package renew

import (
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// collect records each record's outcome on the run's one collecting
// goroutine: the failed file, a dry run's plan, the counts, the progress.
func (r *renewal) collect(res result) {
	s := &r.sum
	s.OldRevoked += res.oldRevoked
	s.OldSuperseded += res.superseded
	s.RevokePending += res.revokePending
	rec := res.rec
	if plan := res.plan; plan != nil || res.outcome == failed {
		if res.outcome == failed {
			plan = []string{rec.Name, "fail", res.reason}
		}
		row := append([]string{rec.User, tokenfile.ID(rec.UserID), tokenfile.ID(rec.TokenID), plan[0], tokenfile.FormatExpiry(rec.Expiry)}, plan[1:]...)
		_ = r.plan.Row(append(row, r.o.Deliver.PlanColumns(res.sinks)...)...)
	}
	switch res.outcome {
	case renewed:
		s.Renewed++
		r.o.Progress.Step(1, r.collectDelivery(res))
	case copied:
		s.Copied++
		r.o.Progress.Step(0, 0)
	case alreadyDone:
		s.AlreadyDone++
		r.o.Progress.Step(0, r.collectDelivery(res))
	case failed:
		if res.settled && rec.UserID > 0 {
			_ = r.journal.Append(job.Record{Op: opFailed, User: rec.User, UserID: rec.UserID, TokenID: rec.TokenID, At: r.o.Now(), Reason: res.reason})
		}
		r.durable.WriteFailed(r.run, rec.Fields(), res.reason)
		s.Failed++
		r.o.Progress.Step(0, 1)
	case unprocessed:
		if res.settled {
			_ = r.journal.Append(job.Record{Op: opFailed, UserID: rec.UserID, TokenID: rec.TokenID, At: r.o.Now(), Reason: "not renewed: the run stopped"})
		}
	}
}
