package renew

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/nametemplate"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/internal/rotation"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// outcome is what became of a record.
type outcome int

const (
	renewed outcome = iota
	copied
	failed
	alreadyDone
	unprocessed
)

// result is one record's outcome, handed from a worker to the collector.
type result struct {
	outcome outcome
	rec     tokenfile.Record // the old record
	reason  string
	// settled: no replacement of the record is active, so the journal
	// may say so; a failure whose outcome could not be checked is left
	// unsettled for Resume to look again.
	settled                   bool
	oldRevoked, revokePending int
	plan                      []string // a dry run's name, action and detail

	// oldName is the old token's name on the site (else the record's), for
	// the superseded marker; superseded counts it renamed.
	oldName    string
	superseded int
	// With Deliver: the sinks of the record's user (checked before
	// minting), whether every one of them now holds the replacement, or
	// why not (the old token is then kept).
	sinks       []sink.Sink
	delivered   bool
	undelivered string
}

func (res result) fail(reason string, settled bool) result {
	res.outcome, res.reason, res.settled = failed, reason, settled
	return res
}

// do decides what one record needs: nothing (an earlier run did it), a
// copy, or a renewal.
func (r *renewal) do(w job.Worker, e tokenfile.Entry) result {
	rec := e.Record
	res := result{outcome: unprocessed, rec: rec}
	switch {
	case w.Stopped():
		return res
	case e.Err != nil:
		return res.fail(e.Err.Error(), true)
	case rec.UserID <= 0:
		return res.fail(fmt.Sprintf("line %d has no UserID", e.Line), true)
	}
	if first := r.oldIDs[rec.TokenID]; first != e.Line {
		return res.fail(fmt.Sprintf("token %d is listed twice (first on line %d)", rec.TokenID, first), false)
	}
	if !r.o.DryRun {
		if replacement, ok := r.earlier.renewed[rec.TokenID]; ok {
			// An earlier run recorded the replacement: only its delivery
			// and the old token's retirement may be left to do.
			if _, done := r.earlier.oldRevoked[rec.TokenID]; !done {
				r.finishEarlier(w, &res, replacement)
			}
			res.outcome = alreadyDone
			return res
		}
		if _, ok := r.earlier.newIDs[rec.TokenID]; ok {
			res.outcome = alreadyDone // copied by an earlier run
			return res
		}
		if r.o.Resume {
			if id := r.claimReplacement(rec); id != 0 {
				return r.finishClaimed(w, res, id)
			}
		}
	}
	unlock := r.locks.lock(rec.UserID)
	defer unlock()
	return r.renew(w, res)
}

// finishClaimed records a replacement that an earlier run wrote to NEW
// and revokes the old token, as a record an earlier run finished.
func (r *renewal) finishClaimed(w job.Worker, res result, replacement int64) result {
	unlock := r.locks.lock(res.rec.UserID)
	defer unlock()
	rec, now := res.rec, r.o.Now()
	// An intent settled at once by its renewed record: a later resume
	// reads the replacement back from the journal.
	_ = r.journal.Append(job.Record{Op: opIntent, User: rec.User, UserID: rec.UserID, Name: rec.Name, TokenID: rec.TokenID, At: now})
	_ = r.journal.Append(job.Record{Op: opRenewed, User: rec.User, UserID: rec.UserID, Name: rec.Name, TokenID: replacement, At: now})
	r.durable.Checked(rec.UserID)
	r.finishEarlier(w, &res, replacement)
	res.outcome = alreadyDone
	return res
}

// renew looks the record's token up on the site, then copies it (not due)
// or replaces it: record the intent, mint, commit the replacement to NEW,
// and only then revoke the old token.
func (r *renewal) renew(w job.Worker, res result) result {
	rec := res.rec
	// Until the intent is recorded nothing has changed, so Ctrl-C may stop
	// these requests.
	w.Doing("listing the tokens of UserID %d", rec.UserID)
	ctx, cancel := w.BoundStop()
	defer cancel()
	var tokens []client.Token
	err := r.o.Retry.Do(ctx, func() (err error) {
		tokens, err = r.o.API.ListAllUserTokens(ctx, rec.UserID)
		return err
	})
	switch {
	case err == nil:
	case w.Stopped():
		return res
	case client.IsAuth(err):
		r.run.Fail(err)
		return res
	case client.IsNotFound(err):
		return res.fail(fmt.Sprintf("no user with UserID %d", rec.UserID), true)
	default:
		return res.fail(fmt.Sprintf("listing the user's tokens failed: %v", err), true)
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
		return res.fail(fmt.Sprintf("token %d is no longer among the tokens of UserID %d: it was revoked (or the record names the wrong user), so it is not renewed", rec.TokenID, rec.UserID), true)
	}
	if !r.due(*old) {
		return r.copy(res, *old)
	}
	res.oldName = old.Name
	user, err := r.user(ctx, rec.UserID)
	switch {
	case err != nil && w.Stopped():
		return res
	case err != nil:
		return res.fail(fmt.Sprintf("looking up UserID %d failed: %v", rec.UserID, err), true)
	}
	name, reason := r.replacementName(rec, old, user)
	if reason == "" && r.o.Deliver != nil {
		reason = r.rowSinks(w, &res, user)
	}
	switch {
	case reason != "" && w.Stopped():
		return res
	case reason != "":
		return res.fail(reason, true)
	}
	if r.o.Resume && !r.o.DryRun {
		w.Doing("checking the tokens of UserID %d before renewing", rec.UserID)
		if err := r.revokeLeftovers(ctx, rec.UserID, tokens, name, rec.Name); err != nil {
			if client.IsAuth(err) {
				r.run.Fail(err)
				return res
			}
			return res.fail(fmt.Sprintf("checking the user's tokens before renewing failed (%v): run again with --resume", err), false)
		}
	}
	now := r.o.Now()
	spec := r.replacementExpiry(*old, now)
	minutes, err := spec.Minutes(now, r.o.Policy)
	if err != nil {
		return res.fail(err.Error(), true)
	}
	if r.o.DryRun {
		res.outcome, res.plan = renewed, []string{name, "renew", "new expiry: " + spec.String()}
		return res
	}
	if w.Stopped() {
		return res
	}
	req := client.CreateTokenRequest{Name: name, ExpiresInMinutes: minutes}
	return r.replace(w, res, req, before)
}

// due reports whether the site says a token is to be renewed: every token,
// or with IfExpiringWithin those that expire within it or have expired. A
// token that never expires is never due by date.
func (r *renewal) due(t client.Token) bool {
	if r.o.IfExpiringWithin <= 0 || t.Expired(r.start) {
		return true
	}
	return !t.NeverExpires() && !t.ExpirationDate.After(r.start.Add(r.o.IfExpiringWithin))
}

// copy writes a record that is not due into NEW, with the name and the
// expiry the site has now, so that NEW is always the complete set.
func (r *renewal) copy(res result, site client.Token) result {
	c := res.rec
	c.Name, c.Expiry = site.Name, nil
	if !site.NeverExpires() {
		t := site.ExpirationDate.UTC()
		c.Expiry = &t
	}
	if r.o.DryRun {
		res.outcome, res.plan = copied, []string{c.Name, "copy", "not due"}
		return res
	}
	if err := r.durable.Commit(c); err != nil {
		r.run.Fail(fmt.Errorf("writing --out %s: %w", r.o.Out, err))
		return res
	}
	res.outcome = copied
	return res
}

// replace mints the replacement by the one reconciling loop, each
// attempt's intent durable first, commits it to NEW, and revokes the old
// token.
func (r *renewal) replace(w job.Worker, res result, req client.CreateTokenRequest, before map[int64]bool) result {
	rec := res.rec
	intent := func() error {
		return r.journal.AppendSync(job.Record{Op: opIntent, User: rec.User, UserID: rec.UserID, Name: req.Name, TokenID: rec.TokenID, At: r.o.Now()})
	}
	first := r.o.Now()
	if err := intent(); err != nil {
		r.run.Fail(err)
		return res
	}
	r.o.Deliver.CrashAt("row:intent")
	// From here on the record is seen through, whatever Ctrl-C says.
	ctx, cancel := w.Bound()
	defer cancel()
	w.Doing("creating the replacement of token %d", rec.TokenID)
	ct, err := r.o.Retry.Mint(ctx, reconcile.Mint{
		Name: req.Name,
		Create: func(ctx context.Context) (*client.CreatedToken, error) {
			return r.o.API.CreateUserToken(ctx, rec.UserID, req)
		},
		Source:  r.source(rec.UserID, req.Name, nil),
		Orphans: reconcile.Orphans{Existing: before, Keep: r.keep, Impersonation: true, CreatedBy: r.o.Admin},
		Since:   first,
		Again:   intent,
		Stop:    r.run.Dispatch(),
		For:     rec.UserID,
		Claim:   r.claimNew,
	})
	var lost *reconcile.LostError
	switch {
	case err == nil:
	case w.Stopped() && errors.Is(err, r.run.Dispatch().Err()):
		res.settled = true
		return res
	case client.IsAuth(err):
		r.run.Fail(err)
		res.settled = true
		return res
	case errors.As(err, &lost):
		return res.fail(err.Error()+": run again with --resume to settle it", false)
	default:
		return res.fail(err.Error(), true)
	}
	r.o.Deliver.CrashAt("row:mint")
	nrec := tokenfile.RecordFor(rec.User, ct)
	nrec.UserID = rec.UserID
	if err := r.durable.Commit(nrec); err != nil {
		r.run.Fail(fmt.Errorf("writing --out %s: %w", r.o.Out, err))
		// Nobody will ever have this secret: revoke it now, or leave the
		// intent unsettled for --resume to find it.
		rerr := r.o.Retry.Do(ctx, func() error { return ignoreNotFound(r.o.API.RevokeToken(ctx, ct.TokenID)) })
		if rerr != nil {
			return res.fail("the replacement could not be written to --out, and revoking it failed: run again with --resume to revoke it", false)
		}
		r.durable.LostRevoked(rec.UserID, req.Name, ct.TokenID)
		return res.fail("the replacement could not be written to --out, so it was revoked; the old token is untouched", true)
	}
	_ = r.journal.Append(job.Record{Op: opRenewed, User: rec.User, UserID: rec.UserID, Name: ct.Name, TokenID: ct.TokenID, At: r.o.Now()})
	res.outcome = renewed
	if r.o.Deliver != nil {
		r.o.Deliver.CrashAt("row:minted")
		w.Doing("delivering the replacement of token %d", rec.TokenID)
		if r.deliver(ctx, &res, nrec, nil); !res.delivered {
			return res // the old token is kept: not every sink holds its replacement
		}
	}
	r.retireOld(w, &res)
	return res
}

// retireOld revokes a renewed record's old token or, with Grace, renames
// it with the superseded marker. A token already gone counts: that is the
// goal. A failure is left for --resume, which finds the renewed record
// without its old-revoked one.
func (r *renewal) retireOld(w job.Worker, res *result) {
	rec := res.rec
	w.Doing("retiring the old token %d", rec.TokenID)
	ctx, cancel := w.Bound()
	defer cancel()
	op := opOldRevoked
	err := r.o.Retry.Do(ctx, func() error {
		if r.o.Grace > 0 {
			name := res.oldName
			if name == "" {
				name = rec.Name
			}
			_, err := r.o.API.RenameToken(ctx, rec.TokenID, rotation.Mark(name, r.start.Add(r.o.Grace)))
			if err == nil {
				op = opOldSuperseded
			}
			return ignoreNotFound(err)
		}
		return ignoreNotFound(r.o.API.RevokeToken(ctx, rec.TokenID))
	})
	if err != nil {
		if client.IsAuth(err) {
			r.run.Fail(err)
		}
		res.revokePending++
		return
	}
	r.o.Deliver.CrashAt("row:retired")
	_ = r.journal.Append(job.Record{Op: op, UserID: rec.UserID, TokenID: rec.TokenID, At: r.o.Now()})
	if op == opOldSuperseded {
		res.superseded++
	} else {
		res.oldRevoked++
	}
}

func ignoreNotFound(err error) error {
	if client.IsNotFound(err) {
		return nil
	}
	return err
}

// replacementExpiry is when a replacement of old expires: Expires, or,
// without it, the old token's lifetime (as single-token rotate does)
// counted from now and brought within the site's current policy, which
// may be stricter than when the old token was minted.
func (r *renewal) replacementExpiry(old client.Token, now time.Time) expiry.Spec {
	if r.o.Expires != nil {
		return *r.o.Expires
	}
	return expiry.FromToken(old, now).Clamp(now, r.o.Policy)
}

// user looks up the record's user when the name template or the sinks
// need more than its UserID; nil when neither does.
func (r *renewal) user(ctx context.Context, userID int64) (*client.User, error) {
	need := (r.o.Template != nil && r.o.Template.NeedsUser()) || (r.o.Deliver != nil && r.o.Deliver.NeedsUser())
	if !need {
		return nil, nil
	}
	var u *client.User
	err := r.o.Retry.Do(ctx, func() (err error) { u, err = r.o.API.GetUser(ctx, userID); return err })
	return u, err
}

// replacementName is the old token's current name, or the template's over
// user (nil when the template needs only the UserID).
func (r *renewal) replacementName(rec tokenfile.Record, old *client.Token, user *client.User) (name, reason string) {
	name = old.Name
	if t := r.o.Template; t != nil {
		data := nametemplate.Data{UserID: rec.UserID, Date: r.date}
		if user != nil {
			data = nametemplate.For(user, r.date)
			data.UserID = rec.UserID
		}
		n, err := t.Render(data)
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
