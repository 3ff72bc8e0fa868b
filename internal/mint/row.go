package mint

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/nametemplate"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// do takes one row as far as it goes: look the user up (when needed),
// check the row, record the intent, check the user's tokens on a resume,
// mint and commit the token to the output.
func (m *minting) do(w job.Worker, it item) result {
	if it.decided != nil {
		return *it.decided
	}
	row := it.row
	if w.Stopped() {
		return result{outcome: unprocessed, row: row}
	}
	if it.pending != nil {
		return m.redeliver(w, row, *it.pending)
	}
	res, ok := m.prepare(w, row)
	if res.outcome == redelivered {
		return m.redeliver(w, row, m.done.records[m.done.userIDs[res.userID]])
	}
	if !ok || m.o.DryRun {
		return res
	}
	intent := m.o.Now()
	if err := m.journal.AppendSync(m.intent(res, intent)); err != nil {
		m.run.Fail(err)
		return result{outcome: unprocessed, row: row}
	}
	m.o.Deliver.CrashAt("row:intent")
	// From here on the row is seen through, whatever Ctrl-C says.
	ctx, cancel := w.Bound()
	defer cancel()
	if m.durable.Since.IsZero() || m.recheck(w, ctx, &res) {
		m.mint(w, ctx, &res, intent)
	}
	return res
}

// prepare looks the user up when it must and settles the row's user, name
// and expiry. It reports false with the row's final result when the row
// goes no further.
func (m *minting) prepare(w job.Worker, row tokenfile.UserRow) (result, bool) {
	userID, isID := resolve.ParseID(row.User)
	name := row.Name
	if name == "" {
		name = m.o.Name
	}
	useTemplate := name == ""
	var user *client.User
	if !isID || m.o.DryRun || (useTemplate && m.o.Template.NeedsUser()) || (m.o.Deliver != nil && m.o.Deliver.NeedsUser()) {
		w.Doing("looking up user %s", row.User)
		ctx, cancel := w.BoundStop()
		err := m.o.Retry.Do(ctx, func() (err error) {
			user, err = m.o.Resolver.Resolve(ctx, row.User)
			return err
		})
		cancel()
		switch {
		case err == nil:
			userID = user.UserID
		case w.Stopped():
			return result{outcome: unprocessed, row: row}, false
		case client.IsAuth(err):
			m.run.Fail(err)
			return result{outcome: unprocessed, row: row}, false
		default:
			return result{outcome: failed, row: row, reason: err.Error()}, false
		}
	}
	if m.done.user(userID) {
		if _, undelivered := m.undelivered(m.done.userIDs[userID]); undelivered {
			return result{outcome: redelivered, row: row, userID: userID}, false
		}
		return result{outcome: skipped, row: row}, false
	}
	res := result{outcome: failed, row: row, userID: userID, name: name}
	if first, ok := m.claim(userID, row.Line); !ok {
		res.outcome = duplicate
		res.reason = fmt.Sprintf("user %q is the same user (UserID %d) as the one on line %d", row.User, userID, first)
		return res, false
	}
	if useTemplate {
		data := nametemplate.Data{UserID: userID, Date: m.date}
		if user != nil {
			data = nametemplate.For(user, m.date)
		}
		n, err := m.o.Template.Render(data)
		if err != nil {
			res.reason = err.Error()
			return res, false
		}
		res.name = n
	}
	if err := resolve.ValidateName(res.name); err != nil {
		res.reason = fmt.Sprintf("%v (name %q)", err, res.name)
		return res, false
	}
	minutes, err := m.o.Expiry(row.Expires, m.o.Now())
	if err != nil {
		res.reason = err.Error()
		return res, false
	}
	res.minutes = minutes
	if m.o.Deliver != nil {
		if !m.rowSinks(w, &res, user) {
			return res, false
		}
	}
	switch {
	case m.o.DryRun:
		res.outcome = planned
		return res, false
	case w.Stopped():
		return result{outcome: unprocessed, row: row}, false
	}
	return res, true
}

// claimToken marks a minted token as recorded, and reports false when
// the output holds it already (the server handed it out twice).
func (m *minting) claimToken(tokenID int64) bool {
	if m.done.token(tokenID) {
		return false
	}
	m.claimMu.Lock()
	defer m.claimMu.Unlock()
	if _, ok := m.tokens[tokenID]; ok {
		return false
	}
	m.tokens[tokenID] = struct{}{}
	return true
}

// claim marks userID as taken by the row on line and reports false, with
// the line of the row that took it first, when another row already did:
// two spellings of one user (a UserID and an email) must not get two
// tokens.
func (m *minting) claim(userID int64, line int) (int, bool) {
	m.claimMu.Lock()
	defer m.claimMu.Unlock()
	if first, ok := m.claimed[userID]; ok {
		return first, false
	}
	m.claimed[userID] = line
	return 0, true
}

func (m *minting) intent(res result, at time.Time) job.Record {
	return job.Record{Op: opIntent, User: res.row.User, UserID: res.userID, Name: res.name, At: at}
}

// mint creates the row's token by the one reconciling loop and commits
// it to the output. Each attempt's intent is durable before it is sent.
func (m *minting) mint(w job.Worker, ctx context.Context, res *result, intent time.Time) {
	userID := res.userID
	w.Doing("creating a token for %s", res.row.User)
	req := client.CreateTokenRequest{Name: res.name, ExpiresInMinutes: res.minutes}
	ct, err := m.o.Retry.Mint(ctx, reconcile.Mint{
		Name: res.name,
		Create: func(ctx context.Context) (*client.CreatedToken, error) {
			return m.o.API.CreateUserToken(ctx, userID, req)
		},
		Source:  m.source(userID, res.name),
		Orphans: m.orphans(),
		Since:   intent,
		Again:   func() error { return m.journal.AppendSync(m.intent(*res, m.o.Now())) },
		Stop:    m.run.Dispatch(),
		For:     userID,
		Claim:   m.claimToken,
	})
	res.settled = true
	var lost *reconcile.LostError
	switch {
	case err == nil:
		m.o.Deliver.CrashAt("row:mint")
		m.commit(w, ctx, res, ct)
	case w.Stopped() && errors.Is(err, m.run.Dispatch().Err()):
		res.outcome = unprocessed
	case client.IsAuth(err):
		m.run.Fail(err)
		res.outcome = unprocessed
	case errors.As(err, &lost):
		res.reason, res.settled = err.Error()+": run again with --resume to settle it", false
	case client.IsNotFound(err):
		res.reason = fmt.Sprintf("no user with UserID %d", userID)
	default:
		res.reason = err.Error()
	}
}

// commit writes the token to the output and waits until it is on disk. A
// token that cannot be recorded is revoked at once, since nobody will
// ever have its secret; if that fails too, its intent is left unsettled
// for --resume to find it.
func (m *minting) commit(w job.Worker, ctx context.Context, res *result, ct *client.CreatedToken) {
	rec := tokenfile.RecordFor(res.row.User, ct)
	err := m.durable.Commit(rec)
	if err == nil {
		res.outcome, res.token = minted, ct
		_ = m.journal.Append(job.Record{Op: opDone, User: res.row.User, UserID: res.userID, Name: res.name, TokenID: ct.TokenID, At: m.o.Now()})
		if m.o.Deliver != nil {
			m.o.Deliver.CrashAt("row:minted")
			w.Doing("delivering the token of %s", res.row.User)
			m.deliver(ctx, res, rec, nil)
		}
		return
	}
	m.run.Fail(fmt.Errorf("writing --out %s: %w", m.o.Out, err))
	w.Doing("revoking token %d, which could not be recorded", ct.TokenID)
	res.reason = "the token was minted but could not be written to the output file, so it was revoked"
	err = m.o.Retry.Do(ctx, func() error { return m.o.API.RevokeToken(ctx, ct.TokenID) })
	if err != nil && !client.IsNotFound(err) {
		res.reason, res.settled = "the token was minted but could not be written to the output file, and revoking it failed: run again with --resume to revoke it", false
		return
	}
	m.durable.LostRevoked(res.userID, res.name, ct.TokenID)
}

// source lists and revokes the tokens of userID for a reconciliation,
// journaling and counting each token it revokes.
func (m *minting) source(userID int64, name string) reconcile.Source {
	return reconcile.Source{
		List:    func(ctx context.Context) ([]client.Token, error) { return m.o.API.ListAllUserTokens(ctx, userID) },
		Revoke:  m.o.API.RevokeToken,
		Revoked: func(tokenID int64) { m.durable.LostRevoked(userID, name, tokenID) },
	}
}

// orphans narrow a reconciliation to this admin's impersonation tokens
// whose secret is not in the output.
func (m *minting) orphans() reconcile.Orphans {
	return reconcile.Orphans{Keep: m.done.token, Impersonation: true, CreatedBy: m.o.Admin}
}
