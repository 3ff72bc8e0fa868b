package bulk

import (
	"context"
	"fmt"
	"github.com/axero-cli/axero/internal/reconcile"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/resolve"
)

type resultKind int

const (
	resMinted resultKind = iota
	resFailed
	resSkipped
	resPlanned
	resUnprocessed
	// resUnrecorded is a minted token that could not be written to the
	// output (the disk failed): it is revoked at once, since nobody will
	// ever have its secret.
	resUnrecorded
)

// result is one row's outcome, handed from a worker to the writer.
type result struct {
	kind    resultKind
	row     Row
	userID  int64
	name    string
	minutes *int64
	created *client.CreatedToken
	reason  string
	// settled: the journal should say that no token of this row's intents
	// is active. A failure whose outcome could not be checked is left
	// unsettled, so that --resume checks it again.
	settled bool
}

func failedRow(row Row, reason string) result {
	return result{kind: resFailed, row: row, reason: reason}
}

// mintJob is a row ready to be minted: its user, name and expiry are
// settled and, outside a dry run, the intent of its first create is
// already durable in the journal.
type mintJob struct {
	row      Row
	userID   int64
	name     string
	minutes  *int64
	intentAt time.Time
}

// prepare takes one row as far as it goes without minting: it looks the
// user up (when needed), refuses duplicates, renders the name, checks the
// expiry and records the intent. It returns either a job for a minter or
// the row's final result. dispatch is cancelled by Ctrl-C.
//
// Preparing is a stage of its own so that the lookups and the journal's
// fsync for the next rows overlap the creates in flight instead of
// delaying them.
func (e *Engine) prepare(dispatch context.Context, worker int, row Row) (mintJob, *result) {
	defer e.setInFlight(worker, "")
	done := func(r result) (mintJob, *result) { return mintJob{}, &r }
	userID, isID := resolve.ParseID(row.User)
	name := row.Name
	if name == "" {
		name = e.o.Name
	}
	useTemplate := name == ""
	var user *client.User
	if !isID || e.o.DryRun || (useTemplate && e.o.Template.NeedsUser()) {
		e.setInFlight(worker, fmt.Sprintf("looking up user %s", row.User))
		var u *client.User
		err := e.retry(dispatch, func() (err error) {
			u, err = e.o.Resolver.Resolve(dispatch, row.User)
			return err
		})
		if err != nil {
			if dispatch.Err() != nil {
				return done(result{kind: resUnprocessed, row: row})
			}
			if client.IsAuth(err) {
				e.fail(err)
				return done(result{kind: resUnprocessed, row: row})
			}
			return done(failedRow(row, err.Error()))
		}
		user, userID = u, u.UserID
	}
	if _, ok := e.done.userIDs[userID]; ok {
		return done(result{kind: resSkipped, row: row})
	}
	// From here on a failure names the user and the token it was for.
	fail := func(reason string) (mintJob, *result) {
		return done(result{kind: resFailed, row: row, userID: userID, name: name, reason: reason})
	}
	if first, ok := e.claim(userID, row.Line); !ok {
		return fail(fmt.Sprintf("user %q is the same user (UserID %d) as the one on line %d", row.User, userID, first))
	}
	if useTemplate {
		data := NameData{UserID: userID, Date: e.date}
		if user != nil {
			data = NameDataFor(user, e.date)
		}
		n, err := e.o.Template.Render(data)
		if err != nil {
			return fail(err.Error())
		}
		name = n
	}
	if err := resolve.ValidateName(name); err != nil {
		return fail(fmt.Sprintf("%v (name %q)", err, name))
	}
	minutes, err := e.o.Expiry(row.Expires, e.o.Now())
	if err != nil {
		return fail(err.Error())
	}
	if e.o.DryRun {
		return done(result{kind: resPlanned, row: row, userID: userID, name: name, minutes: minutes})
	}
	if dispatch.Err() != nil {
		return done(result{kind: resUnprocessed, row: row})
	}
	job := mintJob{row: row, userID: userID, name: name, minutes: minutes, intentAt: e.o.Now()}
	if err := e.journal.AppendSync(JournalRecord{Op: opIntent, User: row.User, UserID: userID, Name: name, At: job.intentAt}); err != nil {
		e.fail(err)
		return done(result{kind: resUnprocessed, row: row})
	}
	return job, nil
}

// claim marks userID as taken by the row on line and reports false, with
// the line of the row that took it first, when another row already did:
// two spellings of one user (a UserID and an email) must not get two
// tokens.
func (e *Engine) claim(userID int64, line int) (int, bool) {
	e.claimMu.Lock()
	defer e.claimMu.Unlock()
	if first, ok := e.claimed[userID]; ok {
		return first, false
	}
	e.claimed[userID] = line
	return 0, true
}

// errKind sorts a failed create by what the server may have done.
type errKind int

const (
	errRefused     errKind = iota // the server said no and did nothing: give up on the row
	errAuth                       // 401/403: nothing done, and no other row will fare better
	errBusy                       // 429/503 after the client's own retries: nothing done, try later
	errMaybeMinted                // anything else: a token may exist whose secret we lack
)

func classify(err error) errKind {
	if client.IsOutcomeUnknown(err) {
		return errMaybeMinted
	}
	switch client.KindOf(err) {
	case client.KindValidation, client.KindNotFound, client.KindInsecure:
		return errRefused
	case client.KindUnauthorized, client.KindForbidden:
		return errAuth
	case client.KindRateLimited, client.KindUnavailable:
		return errBusy
	}
	// A 500, a broken or empty body after a 2xx, a transport error: the
	// server may have acted, so the row is reconciled before any retry.
	return errMaybeMinted
}

// mint creates the token for one row. Each attempt is preceded by a
// durable intent in the journal. A create whose outcome is unknown is
// never re-sent blindly: the user's tokens are listed, and any token of
// this name created since the first intent is revoked (nobody holds its
// secret) before the next attempt.
func (e *Engine) mint(dispatch, ctx context.Context, worker int, job mintJob) result {
	defer e.setInFlight(worker, "")
	row, userID, name := job.row, job.userID, job.name
	req := client.CreateTokenRequest{Name: name, ExpiresInMinutes: job.minutes}
	res := result{row: row, userID: userID, name: name, minutes: job.minutes}
	first := job.intentAt // prepare recorded the first attempt's intent
	backoff := e.o.RetryBackoff
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			at := e.o.Now()
			if err := e.journal.AppendSync(JournalRecord{Op: opIntent, User: row.User, UserID: userID, Name: name, At: at}); err != nil {
				e.fail(err)
				res.kind, res.settled = resUnprocessed, false
				return res
			}
		}
		e.setInFlight(worker, fmt.Sprintf("creating a token for %s", row.User))
		ct, err := e.o.API.CreateUserToken(ctx, userID, req)
		if err == nil {
			res.kind, res.created = resMinted, ct
			return res
		}
		switch classify(err) {
		case errRefused:
			res.kind, res.settled = resFailed, true
			res.reason = err.Error()
			if client.IsNotFound(err) {
				res.reason = fmt.Sprintf("no user with UserID %d", userID)
			}
			return res
		case errAuth:
			e.fail(err)
			res.kind, res.settled = resUnprocessed, true
			return res
		case errBusy:
			if attempt >= e.o.MaxAttempts {
				res.kind, res.settled, res.reason = resFailed, true, err.Error()
				return res
			}
			if !sleep(dispatch, backoff) {
				res.kind, res.settled = resUnprocessed, true
				return res
			}
			backoff *= 2
			continue
		}
		// The outcome is unknown.
		e.setInFlight(worker, fmt.Sprintf("checking whether a token was created for %s", row.User))
		sleep(ctx, e.o.SettleDelay)
		if rerr := e.reconcile(ctx, userID, name, first, e.done.tokens); rerr != nil {
			res.kind = resFailed
			res.reason = fmt.Sprintf("the answer to the create was lost (%v), and checking the user's tokens failed (%v): run again with --resume to settle it", err, rerr)
			return res
		}
		if attempt >= e.o.MaxAttempts {
			res.kind, res.settled = resFailed, true
			res.reason = fmt.Sprintf("gave up after %d attempts whose answers were lost (none of their tokens is active): %v", attempt, err)
			return res
		}
		if dispatch.Err() != nil {
			res.kind, res.settled = resUnprocessed, true
			return res
		}
	}
}

// reconcile revokes the tokens of userID named name that this admin
// created since since (less the clock skew) and that are not in keep: the
// tokens whose secret never reached the output file.
func (e *Engine) reconcile(ctx context.Context, userID int64, name string, since time.Time, keep map[int64]struct{}) error {
	src := reconcile.Source{
		List:   func(ctx context.Context) ([]client.Token, error) { return e.o.API.ListAllUserTokens(ctx, userID) },
		Revoke: e.o.API.RevokeToken,
		Revoked: func(tokenID int64) {
			e.revoked.Add(1)
			_ = e.journal.Append(JournalRecord{Op: opRevoked, UserID: userID, Name: name, TokenID: tokenID, At: e.o.Now()})
		},
	}
	orphans := reconcile.Orphans{
		Name:          name,
		Since:         since,
		Keep:          func(id int64) bool { _, ok := keep[id]; return ok },
		Impersonation: true,
		CreatedBy:     e.o.AdminID,
	}
	_, err := reconcile.RevokeOrphans(ctx, src, orphans, e.retryPolicy())
	return err
}

// reconcilePending settles, before anything new is minted, every create
// of an earlier run whose outcome was never recorded.
func (e *Engine) reconcilePending(ctx context.Context) error {
	pending, err := ReadPendingIntents(JournalPath(e.o.OutPath))
	if err != nil {
		return err
	}
	for _, p := range pending {
		rctx, cancel := context.WithTimeout(ctx, e.o.RowTimeout)
		err := e.reconcile(rctx, p.UserID, p.Name, p.At, e.done.tokens)
		cancel()
		if err != nil {
			if client.IsAuth(err) {
				return err
			}
			return fmt.Errorf("settling the unfinished create for %s (UserID %d) of the earlier run failed: %w; run --resume again", p.User, p.UserID, err)
		}
		if err := e.journal.AppendSync(JournalRecord{Op: opReconciled, User: p.User, UserID: p.UserID, Name: p.Name, At: e.o.Now()}); err != nil {
			return err
		}
		e.sum.Reconciled++
	}
	return nil
}

// retryPolicy bounds the retries of idempotent requests (a lookup, a
// list, a revoke) that fail transiently.
func (e *Engine) retryPolicy() reconcile.Policy {
	return reconcile.Policy{Tries: e.o.MaxAttempts, Wait: e.o.RetryBackoff / 8}
}

// retry runs an idempotent request by retryPolicy.
func (e *Engine) retry(ctx context.Context, do func() error) error {
	return e.retryPolicy().Do(ctx, do)
}

// Retry runs an idempotent request up to attempts times while it fails
// transiently (a 5xx, a broken connection or body), waiting first wait,
// then twice as long each time, at most 10s.
func Retry(ctx context.Context, attempts int, wait time.Duration, do func() error) error {
	return reconcile.Policy{Tries: attempts, Wait: wait}.Do(ctx, do)
}

// sleep waits d or until ctx is done, and reports whether it waited.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
