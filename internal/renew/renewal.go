package renew

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/bulk"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/reconcile"
)

// recordsInFlight is how many records are worked on per request slot (see
// limitedAPI).
const recordsInFlight = 2

// Renewal is one run. Create it with New, then call Run once.
type Renewal struct {
	o       Options
	tmpl    *bulk.NameTemplate
	expires expiry.Spec
	start   time.Time
	date    string
	admin   *client.User
	policy  *client.Policy

	// Read-only once Run has started its workers.
	oldIDs    map[int64]int      // each old TokenID → the line it first appears on
	newIDs    map[int64]struct{} // the tokens NEW held when the run started
	newByUser map[int64][]newToken
	js        *journalState

	// A resume whose journal cannot be trusted checks each user's tokens
	// created since recheckSince before renewing (recheck.go).
	recheckSince time.Time
	userRecords  map[int64]int // how many records of OLD name each user
	newSize      int64         // where NEW's complete records end

	claimedMu sync.Mutex
	claimed   map[int64]struct{} // tokens in NEW known to replace an old token

	writer  *newWriter
	out     *bulk.OutputWriter
	journal *bulk.Journal
	lock    *bulk.RunLock
	failed  *failedFile
	plan    *planWriter
	locks   userLocks

	mu   sync.Mutex // guards sum and done
	sum  Summary
	done int

	inflightMu sync.Mutex
	inflight   map[int]string

	fatalMu sync.Mutex
	fatal   error
	stop    context.CancelFunc
}

type newToken struct {
	id   int64
	name string
}

// New checks the options that need no server.
func New(o Options) (*Renewal, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	o.API = newLimitedAPI(o.API, o.Concurrency)
	r := &Renewal{o: o, inflight: map[int]string{}, newIDs: map[int64]struct{}{}, newByUser: map[int64][]newToken{}}
	if o.NameTemplate != "" {
		if r.tmpl, err = bulk.ParseNameTemplate(o.NameTemplate); err != nil {
			return nil, &UsageError{Err: err}
		}
	}
	if r.expires, err = expiry.Parse(o.Expires, o.Now()); err != nil {
		return nil, &UsageError{Err: err}
	}
	return r, nil
}

// InFlight describes what the workers are waiting for right now, for the
// message a second Ctrl-C prints.
func (r *Renewal) InFlight() []string {
	r.inflightMu.Lock()
	defer r.inflightMu.Unlock()
	out := make([]string, 0, len(r.inflight))
	for _, s := range r.inflight {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func (r *Renewal) setInFlight(worker int, what string) {
	r.inflightMu.Lock()
	if what == "" {
		delete(r.inflight, worker)
	} else {
		r.inflight[worker] = what
	}
	r.inflightMu.Unlock()
}

// setFatal records the first error that must stop the run and stops
// dispatching.
func (r *Renewal) setFatal(err error) {
	r.fatalMu.Lock()
	defer r.fatalMu.Unlock()
	if r.fatal == nil {
		r.fatal = err
		r.stop()
	}
}

func (r *Renewal) fatalErr() error {
	r.fatalMu.Lock()
	defer r.fatalMu.Unlock()
	return r.fatal
}

// Run renews every record of OLD. It returns when all are handled or,
// after ctx is cancelled or a fatal error, once the records in flight are
// finished: their replacements recorded and their old tokens revoked. The
// Summary is valid in every case; the error is the fatal one (a
// *UsageError, a *NotPermittedError, a *bulk.ExistsError, a 401, a file
// that cannot be written).
func (r *Renewal) Run(ctx context.Context) (Summary, error) {
	r.start = r.o.Now()
	r.date = r.start.UTC().Format(time.DateOnly)
	r.sum.OutPath, r.sum.DryRun = r.o.Out, r.o.DryRun
	// Requests already sent are seen through after a Ctrl-C: they run under
	// a context that the signal does not cancel.
	work := context.WithoutCancel(ctx)
	dispatch, stop := context.WithCancel(ctx)
	defer stop()
	r.stop = stop

	if err := r.scanOld(); err != nil {
		return r.finish(ctx), err
	}
	if err := r.checkCaller(dispatch); err != nil {
		return r.finish(ctx), err
	}
	if r.o.DryRun {
		r.plan = newPlanWriter(r.o.Plan)
	} else {
		if err := r.openFiles(); err != nil {
			r.closeFiles(false)
			return r.finish(ctx), err
		}
		defer r.closeFiles(true)
		if r.o.Resume {
			if err := r.settlePending(work); err != nil {
				return r.finish(ctx), err
			}
		}
		r.writer = startNewWriter(r.out)
	}

	entries := make(chan Entry, r.o.Concurrency)
	go r.read(dispatch, entries)
	var wg sync.WaitGroup
	for w := 0; w < recordsInFlight*r.o.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for e := range entries {
				r.handle(dispatch, work, w, e)
			}
		}(w)
	}
	wg.Wait()
	if r.writer != nil {
		r.writer.close()
	}
	return r.finish(ctx), r.fatalErr()
}

func (r *Renewal) finish(ctx context.Context) Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sum
	s.Elapsed = r.o.Now().Sub(r.start)
	s.Interrupted = ctx.Err() != nil
	if handled := s.Renewed + s.Copied + s.Failed + s.AlreadyDone; handled < s.Total {
		s.Unprocessed = s.Total - handled
	}
	if r.failed != nil && r.failed.w.Count() > 0 {
		s.FailedPath = r.failed.w.Path()
	}
	return s
}

// scanOld reads OLD once before anything is sent: it refuses a file that
// is not a token file, counts the records for the progress bar, and
// remembers every old TokenID, so that no reconciliation ever takes an old
// token (created moments before, by the same admin, with the same name)
// for a replacement whose answer was lost.
func (r *Renewal) scanOld() error {
	rr, err := OpenRecords(r.o.From, false)
	if err != nil {
		return &UsageError{Err: fmt.Errorf("--from %w", err)}
	}
	defer func() { _ = rr.Close() }()
	r.oldIDs = map[int64]int{}
	r.userRecords = map[int64]int{}
	total := 0
	for {
		e, err := rr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		total++
		if e.Err == nil {
			if _, seen := r.oldIDs[e.Record.TokenID]; !seen {
				r.oldIDs[e.Record.TokenID] = e.Line
				r.userRecords[e.Record.UserID]++
			}
		}
	}
	r.sum.Total = total
	return nil
}

// checkCaller makes sure, before anything changes, that the caller may
// impersonate (a *bulk.NotPermittedError otherwise) and that the expiry
// asked for is within the site's policy.
func (r *Renewal) checkCaller(ctx context.Context) error {
	me, err := bulk.RequireImpersonator(ctx, r.o.API, "renew other users' tokens")
	if err != nil {
		return err
	}
	r.admin = me
	if err := r.retry(ctx, func() (err error) { r.policy, err = r.o.API.Policy(ctx); return err }); err != nil {
		return err
	}
	if _, err := r.expires.Minutes(r.o.Now(), r.policy); err != nil {
		return &UsageError{Err: err}
	}
	return nil
}

// openFiles takes NEW's run lock for the whole run, then opens NEW, the
// journal and the failed file by bulk's safe-file rules. Without Resume
// neither NEW nor a journal may exist: a journal left behind means an
// earlier run may have tokens to settle. With Resume, the journal is read
// back with its checks (bulk.PlanResume): one that is missing, damaged,
// cut short or left by a killed run makes every record's user be checked
// before anything is minted for it; a foreign one is refused. Nothing is
// sent before this succeeds.
func (r *Renewal) openFiles() error {
	out := r.o.Out
	jpath := JournalPath(out)
	var err error
	if r.lock, err = bulk.AcquireRunLock(out); err != nil {
		return err
	}
	failedPath := FailedPath(out)
	if err := bulk.CheckRunFile(failedPath, "the failed file "+failedPath); err != nil {
		return err
	}
	r.claimed = map[int64]struct{}{}
	if r.o.Resume {
		if err = r.readNew(); err != nil {
			return err
		}
		r.js = newJournalState()
		rs, err := bulk.PlanResume(out, r.lock.Previous(), r.start, time.Time{}, r.js.add)
		if err != nil {
			return err
		}
		for n := range r.js.replacements() {
			r.claimed[n] = struct{}{}
		}
		if r.out, err = bulk.AppendOutput(out, r.newSize); err != nil {
			return err
		}
		if r.journal, err = rs.OpenJournal(out, r.lock); err != nil {
			return err
		}
		if rs.Recheck() {
			r.recheckSince = rs.RecheckSince
			r.o.Warn(rs.Why)
		}
	} else {
		if _, err := os.Lstat(out); err == nil { //nolint:gosec // the user names --out
			return &bulk.ExistsError{Path: out}
		}
		if _, err := os.Lstat(jpath); err == nil { //nolint:gosec // beside the --out the user named
			return fmt.Errorf("the journal %s of an earlier run exists: pass --resume to finish that run", jpath)
		}
		r.js = newJournalState()
		if r.out, err = bulk.CreateOutput(out); err != nil {
			return err
		}
		if r.journal, err = bulk.NewRun(out, r.lock, r.start); err != nil {
			return err
		}
	}
	r.failed = &failedFile{w: bulk.NewFailedWriter(failedPath, failedColumns)}
	return nil
}

// readNew reads what an earlier run put in NEW, refusing a file that is a
// symbolic link or that others can read. A record torn by a crash is left
// out (AppendOutput cuts it off), and its token, having no renewed record
// in the journal, is reconciled.
func (r *Renewal) readNew() error {
	f, err := bulk.OpenPrivate(r.o.Out, "--out "+r.o.Out)
	if err != nil || f == nil {
		return err
	}
	rr, err := newRecordReader(f, r.o.Out, true)
	if err != nil {
		return fmt.Errorf("--out %w", err)
	}
	defer func() { _ = rr.Close() }()
	for {
		e, err := rr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if e.Err != nil {
			return fmt.Errorf("--out %s is damaged (%w); it is not a file this command wrote", r.o.Out, e.Err)
		}
		r.newIDs[e.Record.TokenID] = struct{}{}
		r.newByUser[e.Record.UserID] = append(r.newByUser[e.Record.UserID], newToken{id: e.Record.TokenID, name: e.Record.Name})
	}
	r.newSize = rr.Size()
	return nil
}

// closeFiles closes what openFiles opened; seal tells the lock file that
// the run ended with a sound journal, so that the next resume trusts it.
func (r *Renewal) closeFiles(seal bool) {
	if r.out != nil {
		_ = r.out.Close()
	}
	if r.failed != nil {
		_ = r.failed.w.Close()
	}
	bulk.CloseRun(r.journal, r.lock, seal)
}

// read streams OLD to the workers until its end or until dispatching stops.
func (r *Renewal) read(ctx context.Context, entries chan<- Entry) {
	defer close(entries)
	rr, err := OpenRecords(r.o.From, false)
	if err != nil {
		r.setFatal(fmt.Errorf("--from %w", err))
		return
	}
	defer func() { _ = rr.Close() }()
	for {
		e, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			r.setFatal(err)
			return
		}
		select {
		case entries <- e:
		case <-ctx.Done():
			return
		}
	}
}

// keep reports a token that reconciliation must never revoke: an old
// token, or one that NEW held when the run started.
func (r *Renewal) keep(id int64) bool {
	if _, ok := r.oldIDs[id]; ok {
		return true
	}
	_, ok := r.newIDs[id]
	return ok
}

// revokeOrphans settles a lost answer by the one reconciliation rule
// (internal/reconcile): it lists the user's tokens (or takes listed, when
// given) and revokes those named name that this admin minted, since since
// or, when existing is set, that were not in it, and that keep does not
// claim. Each revocation is counted and journaled.
func (r *Renewal) revokeOrphans(ctx context.Context, userID int64, name string, since time.Time, existing map[int64]bool, listed []client.Token) error {
	src := reconcile.Source{
		List: func(ctx context.Context) ([]client.Token, error) {
			if listed != nil {
				return listed, nil
			}
			return r.o.API.ListAllUserTokens(ctx, userID)
		},
		Revoke: r.o.API.RevokeToken,
		Revoked: func(tokenID int64) {
			r.mu.Lock()
			r.sum.LostRevoked++
			r.mu.Unlock()
			_ = r.journal.Append(bulk.JournalRecord{Op: opLostRevoked, UserID: userID, Name: name, TokenID: tokenID, At: r.o.Now()})
		},
	}
	o := reconcile.Orphans{Name: name, Since: since, Existing: existing, Keep: r.keep,
		Impersonation: true, CreatedBy: r.admin.UserID}
	_, err := reconcile.RevokeOrphans(ctx, src, o, r.retryPolicy())
	return err
}

// settlePending finishes, before anything new is minted, every intent an
// earlier run left unsettled. A replacement already in NEW (the run died
// after writing it, before journaling it) is recognised as the user's one
// token in NEW that no old record and no journaled renewal explains; every
// other token that intent may have minted is revoked.
func (r *Renewal) settlePending(ctx context.Context) error {
	for _, p := range r.js.pendingInOrder() {
		var found int64
		for _, t := range r.newByUser[p.UserID] {
			_, old := r.oldIDs[t.id]
			_, explained := r.claimed[t.id]
			if !old && !explained && t.name == p.Name {
				found = max(found, t.id)
			}
		}
		rctx, cancel := context.WithTimeout(ctx, r.o.RecordTimeout)
		err := r.revokeOrphans(rctx, p.UserID, p.Name, p.At, nil, nil)
		cancel()
		if err != nil {
			if client.IsAuth(err) {
				return err
			}
			return fmt.Errorf("settling the unfinished renewal of token %d (UserID %d) of the earlier run failed: %w; run --resume again", p.Old, p.UserID, err)
		}
		rec := bulk.JournalRecord{Op: opSettled, User: p.User, UserID: p.UserID, Name: p.Name, TokenID: p.Old, At: r.o.Now()}
		if found != 0 {
			rec = bulk.JournalRecord{Op: opRenewed, User: p.User, UserID: p.UserID, Name: p.Name, TokenID: found, At: r.o.Now()}
			r.js.renewed[p.Old] = found
			r.claimed[found] = struct{}{}
		}
		if err := r.journal.AppendSync(rec); err != nil {
			return err
		}
		r.sum.Reconciled++
	}
	return nil
}

// retry runs an idempotent request while it fails transiently, with
// bounded, doubling pauses: the policy of the reconciliation's own lists
// and revokes.
func (r *Renewal) retry(ctx context.Context, do func() error) error {
	return r.retryPolicy().Do(ctx, do)
}

func (r *Renewal) retryPolicy() reconcile.Policy {
	return reconcile.Policy{Tries: r.o.MaxAttempts, Wait: r.o.RetryBackoff / 8}
}
