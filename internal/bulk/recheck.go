package bulk

import (
	"context"
	"fmt"
	"time"

	"github.com/axero-cli/axero/client"
)

// A resume trusts its journal to know every create an earlier run may
// have sent: the pending intents are settled, and everyone else is minted
// without a look. That is only safe when the journal is whole. When it is
// missing, damaged, cut short, or left by a run that was killed (the lock
// file's seal does not match it), the resume does not refuse: it checks
// each user's tokens before minting for them (a recheck), revoking any
// token of this admin created since the output's first run started whose
// secret is not in the output, exactly as a lost create is reconciled.
// A journal that belongs to another output is refused: its intents are
// not this output's to settle.

// recheckPlan says what a recheck looks for.
type recheckPlan struct {
	since time.Time          // the output's first run started then
	names map[int64][]string // token names the journal's intents used, per user
	why   string             // one line for the user
}

// verifyJournal reads the journal and the lock file's seal and decides
// (PlanResume). It is called with the lock held.
func (e *Engine) verifyJournal() (Resumption, *recheckPlan, error) {
	rs, err := PlanResume(e.o.OutPath, e.lock.Previous(), e.start, e.o.RecheckSince, nil)
	if err != nil || !rs.Recheck() {
		return rs, nil, err
	}
	plan := &recheckPlan{since: rs.RecheckSince, why: rs.Why}
	if rs.State != nil {
		plan.names = rs.State.Names
	}
	return rs, plan, nil
}

func earliest(ts []time.Time) time.Time {
	var min time.Time
	for _, t := range ts {
		if !t.IsZero() && (min.IsZero() || t.Before(min)) {
			min = t
		}
	}
	return min
}

// recheckUser runs before the create of a job when the journal could not
// be trusted. It reports false, with the row's result, when the user's
// tokens could not be checked: nothing is minted blind. Its intent is then
// left unsettled, so that the next resume checks again.
func (e *Engine) recheckUser(ctx context.Context, worker int, job mintJob) (result, bool) {
	if e.recheck == nil {
		return result{}, true
	}
	defer e.setInFlight(worker, "")
	e.setInFlight(worker, fmt.Sprintf("checking the tokens of %s before minting", job.row.User))
	names := []string{job.name}
	for _, n := range e.recheck.names[job.userID] {
		if n != job.name {
			names = append(names, n)
		}
	}
	for _, n := range names {
		if err := e.reconcile(ctx, job.userID, n, e.recheck.since, e.done.tokens); err != nil {
			res := result{row: job.row, userID: job.userID, name: job.name}
			if client.IsAuth(err) {
				e.fail(err)
				res.kind = resUnprocessed
				return res, false
			}
			res.kind = resFailed
			res.reason = fmt.Sprintf("checking the user's tokens before minting failed (%v): run again with --resume", err)
			return res, false
		}
	}
	e.rechecked.Add(1)
	return result{}, true
}
