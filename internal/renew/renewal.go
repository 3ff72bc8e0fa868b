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

	writer  *newWriter
	out     *bulk.OutputWriter
	journal *bulk.Journal
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
			return r.finish(ctx), err
		}
		defer r.closeFiles()
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
	defer rr.Close()
	r.oldIDs = map[int64]int{}
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
			}
		}
	}
	r.sum.Total = total
	return nil
}

// checkCaller makes sure, before anything changes, that the caller may
// impersonate and that the expiry asked for is within the site's policy.
func (r *Renewal) checkCaller(ctx context.Context) error {
	var me *client.User
	if err := r.retry(ctx, func() (err error) { me, err = r.o.API.Me(ctx); return err }); err != nil {
		return err
	}
	if !me.CanImpersonate {
		return &NotPermittedError{User: me, err: &client.Error{Kind: client.KindForbidden, Status: 403,
			ServerMessage: "the caller lacks the impersonation permission"}}
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

// openFiles opens NEW, the journal and the failed file. Without Resume
// neither NEW nor a journal may exist: a journal left behind means an
// earlier run may have tokens to settle.
func (r *Renewal) openFiles() error {
	jpath := JournalPath(r.o.Out)
	var err error
	if r.o.Resume {
		if err = r.readNew(); err != nil {
			return err
		}
		if r.js, err = readJournalState(jpath); err != nil {
			return err
		}
	} else {
		if _, err := os.Lstat(r.o.Out); err == nil {
			return &bulk.ExistsError{Path: r.o.Out}
		}
		if _, err := os.Lstat(jpath); err == nil {
			return fmt.Errorf("the journal %s of an earlier run exists: pass --resume to finish that run", jpath)
		}
		r.js = &journalState{renewed: map[int64]int64{}, oldRevoked: map[int64]struct{}{}, pending: map[int64]pendingRenewal{}}
		if r.out, err = bulk.CreateOutput(r.o.Out); err != nil {
			return err
		}
	}
	if r.journal, err = bulk.OpenJournal(jpath); err != nil {
		return err
	}
	r.failed = &failedFile{w: bulk.NewFailedWriter(FailedPath(r.o.Out), failedColumns)}
	return nil
}

// readNew reads what an earlier run put in NEW and reopens it after the
// last complete record: a record torn by a crash is cut off, and its
// token, having no renewed record in the journal, is reconciled.
func (r *Renewal) readNew() error {
	rr, err := OpenRecords(r.o.Out, true)
	if errors.Is(err, os.ErrNotExist) {
		r.out, err = bulk.CreateOutput(r.o.Out)
		return err
	}
	if err != nil {
		return fmt.Errorf("--out %w", err)
	}
	defer rr.Close()
	for {
		e, err := rr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if e.Err != nil {
			return fmt.Errorf("--out %s is damaged (%v); it is not a file this command wrote", r.o.Out, e.Err)
		}
		r.newIDs[e.Record.TokenID] = struct{}{}
		r.newByUser[e.Record.UserID] = append(r.newByUser[e.Record.UserID], newToken{id: e.Record.TokenID, name: e.Record.Name})
	}
	r.out, err = bulk.AppendOutput(r.o.Out, rr.Size())
	return err
}

func (r *Renewal) closeFiles() {
	if r.out != nil {
		_ = r.out.Close()
	}
	if r.journal != nil {
		_ = r.journal.Close()
	}
	if r.failed != nil {
		_ = r.failed.w.Close()
	}
}

// read streams OLD to the workers until its end or until dispatching stops.
func (r *Renewal) read(ctx context.Context, entries chan<- Entry) {
	defer close(entries)
	rr, err := OpenRecords(r.o.From, false)
	if err != nil {
		r.setFatal(fmt.Errorf("--from %w", err))
		return
	}
	defer rr.Close()
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

// reconciler settles lost answers with bulk minting's rule.
func (r *Renewal) reconciler() bulk.Reconciler {
	return bulk.Reconciler{
		API: r.o.API, AdminID: r.admin.UserID, ClockSkew: r.o.ClockSkew, Retry: r.retry,
		OnRevoked: func(tokenID int64) {
			r.mu.Lock()
			r.sum.LostRevoked++
			r.mu.Unlock()
			_ = r.journal.Append(bulk.JournalRecord{Op: opLostRevoked, TokenID: tokenID, At: r.o.Now()})
		},
	}
}

// settlePending finishes, before anything new is minted, every intent an
// earlier run left unsettled. A replacement already in NEW (the run died
// after writing it, before journaling it) is recognised as the user's one
// token in NEW that no old record and no journaled renewal explains; every
// other token that intent may have minted is revoked.
func (r *Renewal) settlePending(ctx context.Context) error {
	known := r.js.replacements()
	for _, p := range r.js.pendingInOrder() {
		var found int64
		for _, t := range r.newByUser[p.UserID] {
			_, old := r.oldIDs[t.id]
			_, explained := known[t.id]
			if !old && !explained && t.name == p.Name {
				found = max(found, t.id)
			}
		}
		rctx, cancel := context.WithTimeout(ctx, r.o.RecordTimeout)
		err := r.reconciler().Reconcile(rctx, p.UserID, p.Name, p.At, r.keep)
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
			known[found] = struct{}{}
		}
		if err := r.journal.AppendSync(rec); err != nil {
			return err
		}
		r.sum.Reconciled++
	}
	return nil
}

// retry runs an idempotent request while it fails transiently, with
// bounded, doubling pauses.
func (r *Renewal) retry(ctx context.Context, do func() error) error {
	return bulk.Retry(ctx, r.o.MaxAttempts, r.o.RetryBackoff/8, do)
}
