// Package renew renews many impersonation tokens at once from a token
// file (create-for-user's or an earlier renewal's output, `token audit -o
// json|csv`, any file with UserID and TokenID columns). Each old token is
// replaced by a new one for the same user; the replacement's secret is on
// disk in the new file before the old token is revoked, so that every
// user has a working token whose secret is on disk at every instant. It
// is an operation on the bulk runner (internal/job) with its durable
// layer: a journal beside the new file makes a run killed at any point
// finish with Resume, and creates go through reconcile.Mint, never
// minted blindly twice.
//
// The site is the truth: each record's token is looked up among its
// user's tokens (the listing a renewal makes anyway). Due means the
// site's expiry is within IfExpiringWithin (or passed); a token the site
// no longer has (revoked) goes to the failed file with that reason, never
// into NEW.
//
// Files, all mode 0600:
//   - OLD (--from): read with tokenfile's one reader, twice (so not a
//     pipe).
//   - NEW (--out): JSON Lines, or CSV by its extension: one record per
//     replacement and one per token copied unchanged, so it can be
//     renewed in turn. Never overwritten; Resume appends after the last
//     complete record.
//   - NEW.lock, NEW.journal: the runner's durable layer, with this
//     package's operations (see resume.go); never a secret.
//   - NEW.failed.csv: the OLD records that failed, with the output's
//     columns plus reason; it holds the old secrets so that it can be fed
//     back as OLD once the cause is fixed. A record whose replacement is
//     in NEW but whose old token could not be revoked is not failed:
//     Resume revokes it (Summary.RevokePending).
package renew

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/nametemplate"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/rowsinks"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// API is the part of the client that renewal uses.
type API interface {
	reconcile.UserTokens
	GetUser(ctx context.Context, userID int64) (*client.User, error)
	RenameToken(ctx context.Context, tokenID int64, name string) (*client.Token, error)
}

// Options configure a renewal. Progress hears the number of records,
// then each record's outcome: renewed (good) or failed (bad).
type Options struct {
	job.Common
	job.Files
	API  API
	From string // OLD

	// Expires, when set, is when every replacement expires; nil gives
	// each its old token's lifetime (expiry less creation), counted from
	// the renewal and brought within Policy: a token minted for 90 days
	// is renewed for 90 days.
	Expires *expiry.Spec
	// IfExpiringWithin renews only the tokens that the site says expire
	// within it (or have expired); the others are copied into NEW. 0
	// renews every token.
	IfExpiringWithin time.Duration
	// Template names the replacements; nil keeps each old token's
	// current name.
	Template *nametemplate.Template
	Policy   *client.Policy // the site's, read at start-up
	Admin    int64          // the caller: only its impersonation tokens are ever revoked as orphans

	// Deliver, when set, delivers each replacement to the sinks of its
	// record's user (deliver.go): they are checked before the
	// replacement is minted, and the old token is retired only once
	// every one of them holds the replacement.
	Deliver *rowsinks.Plan
	// Grace, when set, retires an old token by renaming it with the
	// superseded marker (rotation.Mark) for `token revoke --superseded`
	// to revoke once Grace has passed, instead of revoking it.
	Grace time.Duration
}

// Summary is what a run did. In a dry run, Renewed, Copied and Failed are
// what it would have done.
type Summary struct {
	job.Outcome
	Total         int // records in OLD
	Renewed       int // replacements recorded in NEW in this run
	Copied        int // not due: copied into NEW
	Failed        int // written to the failed file
	AlreadyDone   int // Resume: records an earlier run had finished
	OldRevoked    int // old tokens revoked in this run (earlier runs' renewals included)
	RevokePending int // renewed, but revoking the old token failed: run again with Resume
	Unprocessed   int // records not handled because the run stopped early
	DryRun        bool

	// With Deliver: replacements (of this run or, on a resume, of an
	// earlier one) that every sink of their user now holds, and those
	// whose delivery failed (their old tokens are kept).
	Delivered      int
	DeliveryFailed int
	// With Grace: old tokens renamed as superseded instead of revoked.
	OldSuperseded int
}

// renewal is one run's state.
type renewal struct {
	o       Options
	run     *job.Run
	start   time.Time
	date    string
	durable *job.Durable // nil in a dry run
	journal *job.Journal
	plan    *tokenfile.CSVWriter

	// Read-only once the workers start.
	oldIDs      map[int64]int // each old TokenID → the line it first appears on
	userRecords map[int64]int // how many records of OLD name each user
	earlier     *earlier

	locks userLocks
	sum   Summary
}

// Run renews every record of OLD. It returns when all are handled or,
// after the run stops (Ctrl-C, a fatal error), once the records in flight
// are finished: their replacements recorded and their old tokens
// revoked. The Summary is valid in every case; the error is the fatal one
// (a usage error about OLD, an existing NEW, a 401 or 403, a file that
// cannot be written).
func Run(run *job.Run, o Options) (Summary, error) {
	r := &renewal{o: withDefaults(o), run: run, earlier: newEarlier(o.Deliver != nil)}
	r.start = r.o.Now()
	r.date = r.start.UTC().Format(time.DateOnly)
	r.sum.DryRun = o.DryRun
	if err := r.open(); err != nil {
		_ = o.Lock.Release()
		return r.finish(), err
	}
	r.o.Progress.SetTotal(int64(r.sum.Total))
	job.Pipeline(run, r.o.Workers, r.read, r.do, r.collect)
	r.durable.Finish(run, r.settle)
	run.Fail(r.plan.Flush())
	return r.finish(), run.Err()
}

func withDefaults(o Options) Options {
	if o.Policy == nil {
		o.Policy = &client.Policy{}
	}
	o.Common = o.OrDefault()
	return o
}

// open reads OLD once, then opens the durable files (or a dry run's
// plan). Nothing is sent before it succeeds.
func (r *renewal) open() (err error) {
	if err := r.scanOld(); err != nil {
		return err
	}
	d := job.DurableOptions{
		Start: r.start, Ops: journalOps, FailedHeader: tokenfile.OutputColumns,
		Output: r.earlier.recorded, Journal: r.earlier.journaled,
	}
	plan := []string{"user", "UserID", "TokenID", "name", "expiry", "action", "detail"}
	if r.o.Deliver != nil {
		d.Sinks = r.o.Deliver.Specs()
		plan = append(plan, r.o.Deliver.Columns()...)
	}
	r.durable, r.plan, err = r.o.Open(d, plan...)
	r.journal = r.durable.Journal()
	r.earlier.ledger.Forget(r.earlier.records)
	return err
}

func (r *renewal) finish() Summary {
	s := r.sum
	s.Outcome = r.durable.Outcome(r.run)
	if handled := s.Renewed + s.Copied + s.Failed + s.AlreadyDone; handled < s.Total {
		s.Unprocessed = s.Total - handled
	}
	return s
}

// scanOld reads OLD once before anything is sent: it refuses a file that
// is not a token file, counts the records for the progress bar, and
// remembers every old TokenID, so that no reconciliation ever takes an
// old token (created moments before, by the same admin, with the same
// name) for a replacement whose answer was lost.
func (r *renewal) scanOld() error {
	r.oldIDs, r.userRecords = map[int64]int{}, map[int64]int{}
	return r.eachOld(func(e tokenfile.Entry) bool {
		r.sum.Total++
		if _, seen := r.oldIDs[e.TokenID]; e.Err == nil && !seen {
			r.oldIDs[e.TokenID] = e.Line
			r.userRecords[e.UserID]++
		}
		return true
	})
}

// read streams OLD to the workers.
func (r *renewal) read(send func(tokenfile.Entry) bool) error { return r.eachOld(send) }

// eachOld hands each record of OLD to each until it returns false. A
// problem with OLD as a whole names --from.
func (r *renewal) eachOld(each func(tokenfile.Entry) bool) error {
	rr, err := tokenfile.Open(r.o.From)
	if err != nil {
		return fromError(err)
	}
	defer func() { _ = rr.Close() }()
	for {
		e, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fromError(err)
		}
		if !each(e) {
			return nil
		}
	}
}

// fromError names --from in a problem with OLD as a whole.
func fromError(err error) error { return fmt.Errorf("--from %w", err) }

// userLocks serialises the records of one user: a reconciliation must not
// see, and revoke, a replacement that another record of the same user has
// minted but not yet recorded.
type userLocks struct {
	mu sync.Mutex
	m  map[int64]*userLock
}

type userLock struct {
	mu   sync.Mutex
	refs int
}

func (l *userLocks) lock(userID int64) (unlock func()) {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[int64]*userLock{}
	}
	u := l.m[userID]
	if u == nil {
		u = &userLock{}
		l.m[userID] = u
	}
	u.refs++
	l.mu.Unlock()
	u.mu.Lock()
	return func() {
		u.mu.Unlock()
		l.mu.Lock()
		if u.refs--; u.refs == 0 {
			delete(l.m, userID)
		}
		l.mu.Unlock()
	}
}
