package job

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/axero-cli/axero/internal/safefile"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// Durable is the opt-in layer of a run whose results are tokens that must
// never be lost (minting, renewal): the lock on the output, held for the
// whole run; the journal beside it, whose intents are on disk before each
// create is sent; and the output, to which each token is committed (on
// disk) before the run acts on it. A run killed at any point is finished
// by resuming it.
//
// A resume always checks, before it acts for a user that the output and
// the journal do not show as finished, that user's tokens minted since
// Since (one list request per such user): it never trusts the journal to
// know every create an earlier run sent.
type Durable struct {
	out     string
	ops     Ops
	sinks   []string
	lock    *Lock
	journal *Journal
	commit  *committer
	// Failed is <out>.failed.csv, for the rows the run could not finish.
	Failed *tokenfile.FailedFile

	// Since is, on a resume, the earliest moment an earlier run of the
	// output may have minted a token: the tokens of an unfinished user
	// created since then are checked before anything is minted for it.
	Since time.Time
	// Warning says, on a resume, what is wrong with the journal (missing,
	// damaged, cut off mid-line), for one line on stderr; "" when nothing.
	Warning string

	// What the journal of the earlier runs says, read on a resume: each
	// user's last intent that nothing settles, and the names its intents
	// were for (so that a check finds tokens minted under a name this run
	// would not render: a template with the date, a run across midnight).
	pending map[int64]Record
	names   map[int64][]string

	mu                      sync.Mutex
	checked                 map[int64]bool // users whose tokens this run checked
	reconciled, lostRevoked atomic.Int64
}

// Ops are the journal operations of a durable operation that the layer
// must know: the intent before each create, those that settle a user's
// last intent, and the revocation of a token whose answer was lost.
type Ops struct {
	Intent      string
	Settles     []string
	LostRevoked string
}

// maxNamesPerUser bounds the token names remembered per user.
const maxNamesPerUser = 8

// FailedPath is the failed file kept beside the output out.
func FailedPath(out string) string { return out + ".failed.csv" }

// DurableOptions say which output to open and how.
type DurableOptions struct {
	Out  string
	Lock *Lock // taken by the caller before its first request; the run releases it
	// Resume continues the earlier runs of Out; else neither Out nor its
	// journal may exist.
	Resume bool
	Start  time.Time // when this run started
	Ops    Ops
	// FailedHeader is the failed file's columns, before its reason.
	FailedHeader []string
	// Output and Journal hear, on a resume, each complete record of the
	// output and each sound record of the journal, in order, before
	// anything is appended to either.
	Output  func(tokenfile.Record)
	Journal func(Record)
	// Warn is told Warning, if there is one.
	Warn func(string)
	// Sinks are the sink templates each token is delivered to (--to), or
	// none. A fresh run records them in the journal's header; a resume
	// must name the same ones the header records (EarlierSinks).
	Sinks []string
}

// OpenDurable opens the run's files under its lock. Nothing is sent
// before it succeeds, and on failure the lock is released.
func OpenDurable(o DurableOptions) (*Durable, error) {
	d := &Durable{out: o.Out, ops: o.Ops, lock: o.Lock, sinks: o.Sinks, pending: map[int64]Record{}, names: map[int64][]string{}, checked: map[int64]bool{}}
	failed, err := tokenfile.NewFailedFile(FailedPath(o.Out), o.FailedHeader)
	if err != nil {
		_ = o.Lock.Release()
		return nil, err
	}
	d.Failed = failed
	journal := o.Journal
	o.Journal = func(r Record) {
		d.journaled(r)
		if journal != nil {
			journal(r)
		}
	}
	var output *tokenfile.Output
	if o.Resume {
		output, err = d.resume(o)
	} else {
		output, err = d.fresh(o.Start)
	}
	if err != nil {
		_ = d.Close()
		return nil, err
	}
	d.commit = startCommitter(output)
	if d.Warning != "" && o.Warn != nil {
		o.Warn(d.Warning)
	}
	return d, nil
}

// journaled takes in a sound record of the earlier runs' journal.
func (d *Durable) journaled(r Record) {
	if r.Op == d.ops.Intent {
		names := d.names[r.UserID]
		known := false
		for _, n := range names {
			known = known || n == r.Name
		}
		if !known && len(names) < maxNamesPerUser {
			d.names[r.UserID] = append(names, r.Name)
		}
		d.pending[r.UserID] = r
		return
	}
	for _, op := range d.ops.Settles {
		if r.Op == op {
			delete(d.pending, r.UserID)
		}
	}
}

// Names are the token names the earlier runs' intents for userID used.
func (d *Durable) Names(userID int64) []string { return d.names[userID] }

// Checked notes that this run checked userID's tokens, which settles an
// unsettled intent of the earlier runs, if there was one.
func (d *Durable) Checked(userID int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.pending[userID]; ok && !d.checked[userID] {
		d.reconciled.Add(1)
	}
	d.checked[userID] = true
}

// LostRevoked journals and counts a token whose answer was lost, revoked:
// nobody held its secret.
func (d *Durable) LostRevoked(userID int64, name string, tokenID int64) {
	d.lostRevoked.Add(1)
	_ = d.journal.Append(Record{Op: d.ops.LostRevoked, UserID: userID, Name: name, TokenID: tokenID, At: time.Now()})
}

// SettleLeftovers settles, once every row of a resumed run was handled,
// the intents of the earlier runs that no row took care of (their users
// were done already, or are no longer in the input): settle checks the
// user's tokens (and calls Checked) and journals that the intent is
// settled. Its first failure stops the run.
func (d *Durable) SettleLeftovers(run *Run, settle func(ctx context.Context, intent Record) error) {
	for userID, p := range d.pending {
		if d.checked[userID] {
			continue
		}
		ctx, cancel := run.Bound()
		err := settle(ctx, p)
		cancel()
		if err != nil {
			run.Fail(fmt.Errorf("settling what the earlier run left unfinished for UserID %d failed: %w; run --resume again", userID, err))
			return
		}
	}
}

// fresh starts the output's first run.
func (d *Durable) fresh(start time.Time) (*tokenfile.Output, error) {
	jpath := JournalPath(d.out)
	if _, err := os.Lstat(d.out); err == nil {
		return nil, &tokenfile.ExistsError{Path: d.out}
	}
	if _, err := os.Lstat(jpath); err == nil {
		return nil, fmt.Errorf("the journal %s of an earlier run exists: pass --resume to settle and finish that run, which may have minted tokens it never recorded", jpath)
	}
	output, err := tokenfile.CreateOutput(d.out)
	if err != nil {
		return nil, err
	}
	run := newRunID()
	if err = d.lock.Start(run, start, len(d.sinks)); err == nil {
		d.journal, err = createJournal(jpath, d.out, run, start, d.sinks)
	}
	if err != nil {
		_ = output.Close()
		return nil, err
	}
	return output, nil
}

// resume reads what the earlier runs left and opens everything for
// appending.
func (d *Durable) resume(o DurableOptions) (*tokenfile.Output, error) {
	size, err := readOutput(d.out, o.Output)
	if err != nil {
		return nil, err
	}
	jpath := JournalPath(d.out)
	what := "the journal " + jpath
	prev := d.lock.Previous()
	f, err := safefile.OpenExisting(jpath, os.O_RDONLY, true)
	if err != nil {
		return nil, err
	}
	var st *journalState
	run, started := newRunID(), o.Start
	if f != nil {
		st, err = scanJournal(f, o.Journal)
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		h := st.header
		if h == nil {
			return nil, &safefile.RefusedError{Path: what, Why: fmt.Sprintf("has no valid header: it is not the journal of --out %s, or its beginning is damaged; move it aside and run --resume again to check every user's tokens before minting", d.out)}
		}
		if h.Out != filepath.Base(d.out) {
			return nil, &safefile.RefusedError{Path: what, Why: fmt.Sprintf("belongs to the output %q, not to --out %s", h.Out, d.out)}
		}
		if !slices.Equal(h.Sinks, d.sinks) {
			return nil, &SinksError{Out: d.out, Recorded: h.Sinks, Given: d.sinks}
		}
		run, started = h.Run, h.At
		d.Since = earliest(h.At, st.earliest)
		if prev.Run == h.Run {
			d.Since = earliest(d.Since, prev.Started)
		}
		switch {
		case st.damaged > 0:
			d.Warning = fmt.Sprintf("%s is damaged at line %d", what, st.firstDamaged)
		case st.torn():
			d.Warning = what + " ends in a line cut off"
		}
	} else {
		_, statErr := os.Lstat(d.out)
		switch {
		case prev.Sinks > 0 && len(d.sinks) == 0:
			return nil, &SinksError{Out: d.out, Given: d.sinks, Unknown: true}
		case prev.Known():
			run, started, d.Since = prev.Run, prev.Started, prev.Started
			d.Warning = what + " is missing"
		case !errors.Is(statErr, os.ErrNotExist):
			return nil, fmt.Errorf("cannot resume --out %s safely: %s and so is its lock file, so nothing says when its run started or which tokens it may have minted without recording them", d.out, what+" is missing")
		}
		// Else nothing ran before: a resume of nothing starts afresh.
	}
	if d.Warning != "" {
		d.Warning += fmt.Sprintf(": every unfinished user's tokens created since %s are checked before minting", d.Since.UTC().Format(time.RFC3339))
	}
	if st != nil {
		d.journal, err = appendJournal(jpath, st.size)
	} else {
		d.journal, err = createJournal(jpath, d.out, run, started, d.sinks)
	}
	if err != nil {
		return nil, err
	}
	if err := d.lock.Start(run, started, len(d.sinks)); err != nil {
		return nil, err
	}
	return tokenfile.AppendOutput(d.out, size)
}

// readOutput hands each complete record of an existing output to each and
// returns where they end. A missing output is empty; one that is a
// symbolic link, not a regular file or readable by others is refused, so
// that a resume stops before it changes anything.
func readOutput(out string, each func(tokenfile.Record)) (int64, error) {
	f, err := safefile.OpenExisting(out, os.O_RDONLY, true)
	if err != nil || f == nil {
		return 0, err
	}
	r, err := tokenfile.OpenComplete(f, out)
	if err != nil {
		return 0, fmt.Errorf("--out %w", err)
	}
	defer func() { _ = r.Close() }()
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r.Size(), nil
		}
		if err == nil && e.Err == nil && e.UserID <= 0 {
			e.Err = errors.New("it names no user")
		}
		if err != nil || e.Err != nil {
			return 0, fmt.Errorf("--out %s is damaged at line %d; it is not a file this command wrote", out, e.Line)
		}
		if each != nil {
			each(e.Record)
		}
	}
}

func earliest(ts ...time.Time) time.Time {
	var first time.Time
	for _, t := range ts {
		if !t.IsZero() && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first
}

// Journal is the run's journal; nil, which records nothing, for a nil d.
func (d *Durable) Journal() *Journal {
	if d == nil {
		return nil
	}
	return d.journal
}

// Open opens what an operation with file options writes: a dry run's
// plan, whose header is plan, and nothing else; or the durable files, as
// d says with Out, Lock, Resume and Warn taken from f.
func (f Files) Open(d DurableOptions, plan ...string) (*Durable, *tokenfile.CSVWriter, error) {
	if f.DryRun {
		w, err := tokenfile.NewCSVWriter(f.Plan, plan...)
		return nil, w, err
	}
	d.Out, d.Lock, d.Resume, d.Warn = f.Out, f.Lock, f.Resume, f.Warn
	durable, err := OpenDurable(d)
	return durable, nil, err
}

// Commit writes rec to the output and returns once it is on disk, or with
// the error that kept it off: records committed together share one fsync
// (group commit), and after a failure every later commit fails too, the
// file being suspect.
func (d *Durable) Commit(rec tokenfile.Record) error { return d.commit.write(rec) }

// Outcome is what the durable layer adds to a run's summary.
type Outcome struct {
	Core
	LostRevoked int // tokens whose answer was lost, revoked: nobody held their secret
	Reconciled  int // unfinished intents of an earlier run settled
}

// Outcome sums the run up; d may be nil (a dry run keeps no files).
func (d *Durable) Outcome(run *Run) Outcome {
	if d == nil {
		return Outcome{Core: run.Core(nil)}
	}
	return Outcome{Core: run.Core(d.Failed), LostRevoked: int(d.lostRevoked.Load()), Reconciled: int(d.reconciled.Load())}
}

// WriteFailed writes a row the run could not finish to the failed file,
// with why; a failed file that cannot be written stops the run, since a
// failed row must not vanish silently. d may be nil (a dry run keeps no
// files).
func (d *Durable) WriteFailed(run *Run, fields []string, why string) {
	if d == nil {
		return
	}
	if err := d.Failed.Write(fields, why); err != nil {
		run.Fail(err)
	}
}

// Finish ends a run's use of its files once every row was collected: on
// a resume that was not stopped it settles the earlier runs' leftovers
// (SettleLeftovers), then it closes everything. d may be nil.
func (d *Durable) Finish(run *Run, settle func(ctx context.Context, intent Record) error) {
	if d == nil {
		return
	}
	if !run.Stopped() {
		d.SettleLeftovers(run, settle)
	}
	run.Fail(d.Close())
}

// Close closes the output, the journal, the failed file and the lock.
// Its error is the failed file's: rows must not silently vanish.
func (d *Durable) Close() error {
	if d.commit != nil {
		d.commit.close()
		d.commit = nil
	}
	_ = d.journal.Close()
	d.journal = nil
	_ = d.lock.Release()
	if d.Failed == nil {
		return nil
	}
	return d.Failed.Close()
}
