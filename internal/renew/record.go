package renew

import (
	"context"
	"fmt"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/bulk"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/resolve"
)

// outcome counts one record's result and reports it.
func (r *Renewal) outcome(ev Event, change func(*Summary)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	change(&r.sum)
	r.done++
	r.o.Progress(Progress{Event: ev, Done: r.done, Total: r.sum.Total})
}

// failRecord sends a record to the failed file. settled says that no
// replacement of it is active, so that Resume need not look again; a
// failure whose outcome could not be checked is left unsettled.
func (r *Renewal) failRecord(rec bulk.Record, reason string, settled bool) {
	if r.o.DryRun {
		r.plan.row(rec, rec.Name, "fail", reason)
	} else {
		if settled && rec.UserID > 0 {
			_ = r.journal.Append(bulk.JournalRecord{Op: opFailed, User: rec.User, UserID: rec.UserID, TokenID: rec.TokenID, At: r.o.Now(), Reason: reason})
		}
		if err := r.failed.write(rec, reason); err != nil {
			r.setFatal(err) // a failed record must not vanish silently
		}
	}
	r.outcome(EventFailed, func(s *Summary) { s.Failed++ })
}

// handle decides what one record needs: nothing (an earlier run did it), a
// copy, or a renewal.
func (r *Renewal) handle(dispatch, work context.Context, worker int, e Entry) {
	if dispatch.Err() != nil {
		return // left for --resume: counted as unprocessed
	}
	rec := e.Record
	if e.Err != nil {
		r.failRecord(rec, e.Err.Error(), true)
		return
	}
	if first := r.oldIDs[rec.TokenID]; first != e.Line {
		r.failRecord(rec, fmt.Sprintf("token %d is listed twice (first on line %d)", rec.TokenID, first), false)
		return
	}
	if !r.o.DryRun {
		if _, ok := r.js.renewed[rec.TokenID]; ok {
			// An earlier run recorded the replacement: only the old token's
			// revocation may be left to do.
			revoked := 0
			pending := 0
			if _, done := r.js.oldRevoked[rec.TokenID]; !done {
				if r.revokeOld(work, worker, rec) {
					revoked = 1
				} else {
					pending = 1
				}
			}
			r.outcome(EventAlreadyDone, func(s *Summary) { s.AlreadyDone++; s.Revoked += revoked; s.RevokePending += pending })
			return
		}
		if _, ok := r.newIDs[rec.TokenID]; ok {
			r.outcome(EventAlreadyDone, func(s *Summary) { s.AlreadyDone++ }) // copied by an earlier run
			return
		}
	}
	if r.recheckDue() {
		if id := r.claimReplacement(rec); id != 0 {
			r.finishClaimed(work, worker, rec, id)
			return
		}
	}
	if !r.due(rec) {
		r.copyRecord(rec)
		return
	}
	r.renew(dispatch, work, worker, rec)
}

// due reports whether a record is to be renewed: every record, or with
// IfExpiringWithin those that expire within it or have expired. A token
// that never expires is never due by date.
func (r *Renewal) due(rec bulk.Record) bool {
	if r.o.IfExpiringWithin <= 0 {
		return true
	}
	return rec.Expiry != nil && !rec.Expiry.After(r.start.Add(r.o.IfExpiringWithin))
}

func (r *Renewal) copyRecord(rec bulk.Record) {
	if r.o.DryRun {
		r.plan.row(rec, rec.Name, "copy", "not due")
	} else if err := r.writer.write(rec); err != nil {
		r.setFatal(fmt.Errorf("writing --out %s: %w", r.o.Out, err))
		return
	}
	r.outcome(EventCopied, func(s *Summary) { s.Copied++ })
}

// renew replaces one old token: check it is still there, record the
// intent, mint, record the replacement durably, and only then revoke the
// old token.
func (r *Renewal) renew(dispatch, work context.Context, worker int, rec bulk.Record) {
	defer r.setInFlight(worker, "")
	unlock := r.locks.lock(rec.UserID)
	defer unlock()

	// Until the intent is recorded nothing has changed, so Ctrl-C may stop
	// these requests.
	r.setInFlight(worker, fmt.Sprintf("listing the tokens of UserID %d", rec.UserID))
	lctx, cancel := context.WithTimeout(dispatch, r.o.RecordTimeout)
	var tokens []client.Token
	err := r.retry(lctx, func() (err error) {
		tokens, err = r.o.API.ListAllUserTokens(lctx, rec.UserID)
		return err
	})
	cancel()
	if err != nil {
		switch {
		case dispatch.Err() != nil:
		case client.IsAuth(err):
			r.setFatal(err)
		case client.IsNotFound(err):
			r.failRecord(rec, fmt.Sprintf("no user with UserID %d", rec.UserID), true)
		default:
			r.failRecord(rec, fmt.Sprintf("listing the user's tokens failed: %v", err), true)
		}
		return
	}
	var old *client.Token
	before := make(map[int64]bool, len(tokens))
	for i := range tokens {
		before[tokens[i].TokenID] = true
		if tokens[i].TokenID == rec.TokenID && tokens[i].UserID == rec.UserID {
			old = &tokens[i]
		}
	}
	if old == nil {
		r.failRecord(rec, fmt.Sprintf("token %d is no longer among the tokens of UserID %d: it was revoked (or the record names the wrong user), so it is not renewed", rec.TokenID, rec.UserID), true)
		return
	}
	name, reason := r.replacementName(dispatch, rec, old)
	if reason != "" {
		if dispatch.Err() == nil {
			r.failRecord(rec, reason, true)
		}
		return
	}
	if r.recheckDue() {
		// The journal cannot say whether an earlier run minted for this
		// record and lost the answer: revoke any such token first.
		if err := r.revokeLeftovers(dispatch, rec, name, tokens); err != nil {
			if client.IsAuth(err) {
				r.setFatal(err)
			} else if dispatch.Err() == nil {
				r.failRecord(rec, fmt.Sprintf("checking the user's tokens before renewing failed (%v): run again with --resume", err), false)
			}
			return
		}
	}
	now := r.o.Now()
	spec := r.replacementExpiry(*old, now)
	minutes, err := spec.Minutes(now, r.policy)
	if err != nil {
		r.failRecord(rec, err.Error(), true)
		return
	}
	if r.o.DryRun {
		r.plan.row(rec, name, "renew", "new expiry: "+spec.String())
		r.outcome(EventRenewed, func(s *Summary) { s.Renewed++ })
		return
	}
	if dispatch.Err() != nil {
		return
	}
	first := r.o.Now()
	if err := r.journal.AppendSync(bulk.JournalRecord{Op: opIntent, User: rec.User, UserID: rec.UserID, Name: name, TokenID: rec.TokenID, At: first}); err != nil {
		r.setFatal(err)
		return
	}
	// From here on the record is seen through, whatever Ctrl-C says.
	ctx, cancel := context.WithTimeout(work, r.o.RecordTimeout)
	defer cancel()
	ct, m := r.mint(dispatch, ctx, worker, rec, client.CreateTokenRequest{Name: name, ExpiresInMinutes: minutes}, first, before)
	switch {
	case m.fatal != nil:
		r.setFatal(m.fatal)
		_ = r.journal.Append(bulk.JournalRecord{Op: opFailed, UserID: rec.UserID, TokenID: rec.TokenID, At: r.o.Now(), Reason: "not renewed: the run stopped"})
		return
	case m.stopped:
		_ = r.journal.Append(bulk.JournalRecord{Op: opFailed, UserID: rec.UserID, TokenID: rec.TokenID, At: r.o.Now(), Reason: "not renewed: the run stopped"})
		return
	case ct == nil:
		r.failRecord(rec, m.reason, m.settled)
		return
	}
	r.record(ctx, worker, rec, ct)
}

// replacementExpiry is when a replacement of old expires: Expires, or,
// without it, the old token's lifetime (as single-token rotate does)
// counted from now and brought within the site's current policy, which
// may be stricter than when the old token was minted.
func (r *Renewal) replacementExpiry(old client.Token, now time.Time) expiry.Spec {
	if r.o.Expires != "" {
		return r.expires
	}
	return expiry.FromToken(old, now).Clamp(now, r.policy)
}

// replacementName is the old token's current name, or the template's.
func (r *Renewal) replacementName(ctx context.Context, rec bulk.Record, old *client.Token) (name, reason string) {
	name = old.Name
	if r.tmpl != nil {
		data := bulk.NameData{UserID: rec.UserID, Date: r.date}
		if r.tmpl.NeedsUser() {
			var u *client.User
			err := r.retry(ctx, func() (err error) { u, err = r.o.API.GetUser(ctx, rec.UserID); return err })
			if err != nil {
				return "", fmt.Sprintf("looking up UserID %d failed: %v", rec.UserID, err)
			}
			data = bulk.NameDataFor(u, r.date)
			data.UserID = rec.UserID
		}
		n, err := r.tmpl.Render(data)
		if err != nil {
			return "", err.Error()
		}
		name = n
	}
	if err := resolve.ValidateName(name); err != nil {
		return "", fmt.Sprintf("%v (name %q)", err, name)
	}
	return name, ""
}

// record writes the replacement to NEW and, once it is on disk, revokes
// the old token.
func (r *Renewal) record(ctx context.Context, worker int, rec bulk.Record, ct *client.CreatedToken) {
	nrec := bulk.RecordFor(rec.User, ct)
	nrec.UserID = rec.UserID
	if err := r.writer.write(nrec); err != nil {
		r.setFatal(fmt.Errorf("writing --out %s: %w", r.o.Out, err))
		// Nobody will ever have this secret: revoke it now, or leave the
		// intent unsettled for --resume to find it.
		rerr := r.retry(ctx, func() error { return ignoreNotFound(r.o.API.RevokeToken(ctx, ct.TokenID)) })
		reason := "the replacement could not be written to --out, so it was revoked; the old token is untouched"
		if rerr == nil {
			_ = r.journal.Append(bulk.JournalRecord{Op: opLostRevoked, UserID: rec.UserID, TokenID: ct.TokenID, At: r.o.Now()})
			r.mu.Lock()
			r.sum.LostRevoked++
			r.mu.Unlock()
		} else {
			reason = "the replacement could not be written to --out, and revoking it failed: run again with --resume to revoke it"
		}
		r.failRecord(rec, reason, rerr == nil)
		return
	}
	_ = r.journal.Append(bulk.JournalRecord{Op: opRenewed, User: rec.User, UserID: rec.UserID, Name: ct.Name, TokenID: ct.TokenID, At: r.o.Now()})
	revoked, pending := 0, 0
	if r.revokeOld(ctx, worker, rec) {
		revoked = 1
	} else {
		pending = 1
	}
	r.outcome(EventRenewed, func(s *Summary) { s.Renewed++; s.Revoked += revoked; s.RevokePending += pending })
}

// revokeOld revokes a renewed record's old token and reports whether it
// is gone. A token already gone counts: that is the goal. A failure is
// left for --resume, which finds the renewed record without its
// old-revoked one.
func (r *Renewal) revokeOld(ctx context.Context, worker int, rec bulk.Record) bool {
	r.setInFlight(worker, fmt.Sprintf("revoking the old token %d", rec.TokenID))
	ctx, cancel := context.WithTimeout(ctx, r.o.RecordTimeout)
	defer cancel()
	err := r.retry(ctx, func() error { return ignoreNotFound(r.o.API.RevokeToken(ctx, rec.TokenID)) })
	if err != nil {
		if client.IsAuth(err) {
			r.setFatal(err)
		}
		return false
	}
	_ = r.journal.Append(bulk.JournalRecord{Op: opOldRevoked, UserID: rec.UserID, TokenID: rec.TokenID, At: r.o.Now()})
	return true
}

func ignoreNotFound(err error) error {
	if client.IsNotFound(err) {
		return nil
	}
	return err
}

// mintResult says why a mint produced no token.
type mintResult struct {
	reason  string
	settled bool  // no token of this record's intents is active
	stopped bool  // Ctrl-C before a retry: nothing minted, nothing to report
	fatal   error // a 401/403 or a journal that cannot be written
}

// mint sends the create, following bulk minting's rules: each attempt is
// preceded by a durable intent; a refusal fails the record; a rate limit
// waits and tries again; an answer that was lost is never re-sent blindly:
// the user's tokens are listed and any token this run minted whose secret
// never arrived is revoked before the next attempt.
func (r *Renewal) mint(dispatch, ctx context.Context, worker int, rec bulk.Record, req client.CreateTokenRequest, first time.Time, before map[int64]bool) (*client.CreatedToken, mintResult) {
	backoff := r.o.RetryBackoff
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			if err := r.journal.AppendSync(bulk.JournalRecord{Op: opIntent, User: rec.User, UserID: rec.UserID, Name: req.Name, TokenID: rec.TokenID, At: r.o.Now()}); err != nil {
				return nil, mintResult{fatal: err}
			}
		}
		r.setInFlight(worker, fmt.Sprintf("creating the replacement of token %d", rec.TokenID))
		ct, err := r.o.API.CreateUserToken(ctx, rec.UserID, req)
		if err == nil {
			return ct, mintResult{}
		}
		switch {
		case client.IsOutcomeUnknown(err):
		case client.IsAuth(err):
			return nil, mintResult{fatal: err, settled: true}
		case client.KindOf(err) == client.KindValidation || client.KindOf(err) == client.KindNotFound || client.KindOf(err) == client.KindInsecure:
			return nil, mintResult{reason: err.Error(), settled: true}
		case client.KindOf(err) == client.KindRateLimited || client.KindOf(err) == client.KindUnavailable:
			if attempt >= r.o.MaxAttempts {
				return nil, mintResult{reason: err.Error(), settled: true}
			}
			if !sleep(dispatch, backoff) {
				return nil, mintResult{stopped: true, settled: true}
			}
			backoff *= 2
			continue
		}
		// A 500, a broken body, a lost answer: a token may exist whose
		// secret nobody has.
		r.setInFlight(worker, fmt.Sprintf("checking whether a replacement of token %d was created", rec.TokenID))
		sleep(ctx, r.o.SettleDelay)
		if rerr := r.revokeOrphans(ctx, rec.UserID, req.Name, first, before, nil); rerr != nil {
			return nil, mintResult{reason: fmt.Sprintf("the answer to the create was lost (%v), and checking the user's tokens failed (%v): run again with --resume to settle it", err, rerr)}
		}
		if attempt >= r.o.MaxAttempts {
			return nil, mintResult{reason: fmt.Sprintf("gave up after %d creates whose answers were lost (none of their tokens is active): %v", attempt, err), settled: true}
		}
		if dispatch.Err() != nil {
			return nil, mintResult{stopped: true, settled: true}
		}
	}
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
