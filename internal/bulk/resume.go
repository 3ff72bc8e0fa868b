package bulk

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Resumption is how a resume continues the earlier runs of an output,
// decided from its journal and the seal its lock file held. Every bulk
// operation that keeps a journal beside its output (minting, renewal)
// resumes by these rules, so that a journal that is missing, damaged, cut
// short, foreign or left by a killed run is noticed the same way.
type Resumption struct {
	Run     string        // the run ID to continue
	Started time.Time     // when the output's first run started
	State   *JournalState // nil: there is no journal to append to
	// RecheckSince, when not zero, says the journal cannot be trusted to
	// know every create the earlier runs sent: each user's tokens created
	// since then are checked before anything is minted for that user. Why
	// says so in one line for the user.
	RecheckSince time.Time
	Why          string
}

// Recheck reports whether the journal cannot be trusted.
func (rs Resumption) Recheck() bool { return !rs.RecheckSince.IsZero() }

// PlanResume reads the journal of out and decides how to resume, with the
// run lock held (prev is its Previous). start is when this run started;
// recheckSince, when not zero, asks for a recheck from then whatever the
// journal says. each, when set, is handed every sound record after the
// header, in order: an operation's own journal records. A journal that
// belongs to another output, or that has no valid header, is refused with
// a *NotOursError; so is a resume with neither journal nor lock file when
// the output exists, since nothing then says which tokens its runs minted.
func PlanResume(out string, prev LockInfo, start, recheckSince time.Time, each func(JournalRecord)) (Resumption, error) {
	jpath := JournalPath(out)
	what := "the journal " + jpath
	var rs Resumption
	f, err := openOurs(jpath, what, os.O_RDONLY, true)
	if err != nil {
		return rs, err
	}
	var problem string
	var since []time.Time
	if f == nil {
		_, statErr := os.Lstat(out)
		if os.IsNotExist(statErr) && !prev.Known() && recheckSince.IsZero() {
			// Nothing ran before: a resume of nothing starts afresh.
			rs.Run, rs.Started = newRunID(), start
			return rs, nil
		}
		problem = what + " is missing"
		rs.Run, rs.Started = newRunID(), start
		if prev.Known() {
			rs.Run, rs.Started = prev.Run, prev.Started
			since = append(since, prev.Started)
		}
	} else {
		st, err := ScanJournal(f, each)
		_ = f.Close()
		if err != nil {
			return rs, fmt.Errorf("%s: %w", what, err)
		}
		h := st.Header
		if h == nil {
			return rs, &NotOursError{What: what, Why: fmt.Sprintf("has no valid header: it is not the journal of --out %s, or its beginning is damaged; move it aside and run --resume again to check every user's tokens before minting", out)}
		}
		if h.Out != filepath.Base(out) {
			return rs, &NotOursError{What: what, Why: fmt.Sprintf("belongs to the output %s, not to --out %s", briefQuote(h.Out), out)}
		}
		rs.State, rs.Run, rs.Started = st, h.Run, h.At
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
	if !recheckSince.IsZero() {
		since = append(since, recheckSince)
		if problem == "" {
			problem = "asked to"
		}
	}
	if problem == "" {
		return rs, nil
	}
	from := earliest(since)
	if from.IsZero() {
		return rs, fmt.Errorf("cannot resume --out %s safely: %s and so is its lock file, so nothing says when its run started or which tokens it may have minted without recording them", out, what+" is missing")
	}
	rs.RecheckSince = from
	rs.Why = fmt.Sprintf("%s: every user's tokens created since %s are checked before minting", problem, from.UTC().Format(time.RFC3339))
	if problem == "asked to" {
		rs.Why = fmt.Sprintf("every user's tokens created since %s are checked before minting", from.UTC().Format(time.RFC3339))
	}
	return rs, nil
}

// OpenJournal opens the journal of out for the resumed run: appended to
// after its last complete line, or created with the earlier runs' header
// when there is none. It then marks the run as under way in the lock file,
// so that a run killed before it is sealed leaves the next resume
// rechecking, and, when a recheck is due, journals that first, so that a
// run killed before it reaches every user leaves the next one rechecking
// too.
func (rs Resumption) OpenJournal(out string, lock *RunLock) (*Journal, error) {
	jpath := JournalPath(out)
	var j *Journal
	var err error
	if rs.State == nil {
		j, err = CreateJournal(jpath, out, rs.Run, rs.Started)
	} else {
		j, err = appendJournal(jpath, rs.State.Size)
	}
	if err != nil {
		return nil, err
	}
	if err := lock.Start(rs.Run, rs.Started); err != nil {
		_ = j.Close()
		return nil, err
	}
	if rs.Recheck() {
		if err := j.AppendSync(JournalRecord{Op: opRecheck, At: rs.RecheckSince}); err != nil {
			_ = j.Close()
			return nil, err
		}
	}
	return j, nil
}

// NewRun starts a fresh run of out: it records the run in the lock file
// and creates the journal with its header. It fails if a journal exists.
func NewRun(out string, lock *RunLock, started time.Time) (*Journal, error) {
	run := newRunID()
	if err := lock.Start(run, started); err != nil {
		return nil, err
	}
	return CreateJournal(JournalPath(out), out, run, started)
}

// CloseRun closes a run's journal and releases its lock. With seal, and a
// journal that was never broken, the lock file records the journal's size
// so that the next resume can trust it without checking every user.
func CloseRun(j *Journal, lock *RunLock, seal bool) {
	if j != nil {
		jerr := j.Err()
		size := j.Size()
		if err := j.Close(); err == nil && jerr == nil && seal && lock != nil {
			_ = lock.Seal(size)
		}
	}
	if lock != nil {
		_ = lock.Release()
	}
}

// CheckRunFile refuses a path that a run must not write or replace: a
// symbolic link, anything but a regular file, or a file with other hard
// links. A missing path is fine. what names it in the message.
func CheckRunFile(path, what string) error {
	_, err := checkExisting(path, what)
	return err
}

// OpenPrivate opens an existing run file for reading by the safe-file
// rules: a regular file with one link, not a symbolic link, that others
// cannot read. It returns nil, nil when path does not exist.
func OpenPrivate(path, what string) (*os.File, error) {
	return openOurs(path, what, os.O_RDONLY, true)
}
