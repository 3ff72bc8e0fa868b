package bulk

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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

// journalVerdict is how a resume continues the earlier runs.
type journalVerdict struct {
	run     string        // the run ID to continue
	started time.Time     // when the output's first run started
	state   *JournalState // nil: there is no journal to append to
	recheck *recheckPlan
}

// verifyJournal reads the journal and the lock file's seal and decides.
// It is called with the lock held.
func (e *Engine) verifyJournal() (journalVerdict, error) {
	out := e.o.OutPath
	jpath := JournalPath(out)
	what := "the journal " + jpath
	prev := e.lock.Previous()
	var v journalVerdict
	f, err := openOurs(jpath, what, os.O_RDONLY, true)
	if err != nil {
		return v, err
	}
	var problem string
	var since []time.Time
	var names map[int64][]string
	if f == nil {
		_, statErr := os.Lstat(out)
		if os.IsNotExist(statErr) && !prev.Known() && e.o.RecheckSince.IsZero() {
			// Nothing ran before: a resume of nothing starts afresh.
			v.run, v.started = newRunID(), e.start
			return v, nil
		}
		problem = what + " is missing"
		v.run, v.started = newRunID(), e.start
		if prev.Known() {
			v.run, v.started = prev.Run, prev.Started
			since = append(since, prev.Started)
		}
	} else {
		st, err := ReadJournal(f)
		_ = f.Close()
		if err != nil {
			return v, fmt.Errorf("%s: %w", what, err)
		}
		h := st.Header
		if h == nil {
			return v, &NotOursError{What: what, Why: fmt.Sprintf("has no valid header: it is not the journal of --out %s, or its beginning is damaged; move it aside and run --resume again to check every user's tokens before minting", out)}
		}
		if h.Out != filepath.Base(out) {
			return v, &NotOursError{What: what, Why: fmt.Sprintf("belongs to the output %s, not to --out %s", briefQuote(h.Out), out)}
		}
		v.state, v.run, v.started, names = st, h.Run, h.At, st.Names
		since = append(since, h.At, st.Earliest, st.RecheckSince)
		switch {
		case st.Damaged > 0:
			problem = fmt.Sprintf("%s is damaged at line %d", what, st.FirstDamaged)
		case !prev.Known():
			problem = fmt.Sprintf("%s has no lock file %s to vouch for it", what, LockPath(out))
		case prev.Run != h.Run:
			problem = fmt.Sprintf("%s does not belong to the run its lock file %s names", what, LockPath(out))
		case !prev.Closed:
			problem = fmt.Sprintf("%s was left by a run that did not end cleanly", what)
		case st.Total < prev.JournalSize:
			problem = fmt.Sprintf("%s is shorter than when its run ended: it was cut", what)
		case st.Total != prev.JournalSize:
			problem = fmt.Sprintf("%s changed after its run ended", what)
		case !st.RecheckSince.IsZero():
			problem = fmt.Sprintf("%s was found untrustworthy by an earlier run", what)
		}
		if prev.Known() && prev.Run == h.Run {
			since = append(since, prev.Started)
		}
	}
	if !e.o.RecheckSince.IsZero() {
		since = append(since, e.o.RecheckSince)
		if problem == "" {
			problem = "asked to"
		}
	}
	if problem == "" {
		return v, nil
	}
	from := earliest(since)
	if from.IsZero() {
		return v, fmt.Errorf("cannot resume --out %s safely: %s and so is its lock file, so nothing says when its run started or which tokens it may have minted without recording them", out, what+" is missing")
	}
	v.recheck = &recheckPlan{since: from, names: names,
		why: fmt.Sprintf("%s: every user's tokens created since %s are checked before minting", problem, from.UTC().Format(time.RFC3339))}
	if problem == "asked to" {
		v.recheck.why = fmt.Sprintf("every user's tokens created since %s are checked before minting", from.UTC().Format(time.RFC3339))
	}
	return v, nil
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
