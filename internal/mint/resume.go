package mint

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// The journal's operations. It never holds a secret.
const (
	opIntent     = "intent"     // a create is about to be sent
	opDone       = "done"       // its token is in the output file
	opFailed     = "failed"     // the row failed and no token of it is active
	opRevoked    = "revoked"    // a token whose secret never arrived was revoked
	opReconciled = "reconciled" // an unfinished intent of an earlier run was settled
)

// maxNamesPerUser bounds the token names remembered per user.
const maxNamesPerUser = 8

// earlier is what the earlier runs of the output left, read on a resume:
// who is done (the output), and what was begun and for whom (the
// journal). It is read-only once the workers start, but for the users
// checked, which the workers note.
type earlier struct {
	keys    map[string]struct{} // users as given, by userKey
	userIDs map[int64]struct{}
	tokens  map[int64]struct{} // tokens whose secret is in the output
	// names are the token names each user's intents were for, so that a
	// check finds tokens minted under a name this run would not render
	// (a template with the date, a run that spans midnight).
	names map[int64][]string
	// pending are the users whose last intent no record settles: the
	// creates whose outcome a killed run never learned.
	pending map[int64]tokenfile.UserRow

	checkedMu sync.Mutex
	checked   map[int64]bool // users whose tokens this run checked

	lostRevoked, reconciled, rechecked atomic.Int64
}

func newEarlier() *earlier {
	return &earlier{
		keys: map[string]struct{}{}, userIDs: map[int64]struct{}{}, tokens: map[int64]struct{}{},
		names: map[int64][]string{}, pending: map[int64]tokenfile.UserRow{}, checked: map[int64]bool{},
	}
}

// recorded takes in a record of the output.
func (e *earlier) recorded(r tokenfile.Record) {
	e.keys[userKey(r.User)] = struct{}{}
	e.userIDs[r.UserID] = struct{}{}
	e.tokens[r.TokenID] = struct{}{}
}

// journaled takes in a sound record of the journal, in order.
func (e *earlier) journaled(r job.Record) {
	switch r.Op {
	case opIntent:
		names := e.names[r.UserID]
		known := false
		for _, n := range names {
			known = known || n == r.Name
		}
		if !known && len(names) < maxNamesPerUser {
			e.names[r.UserID] = append(names, r.Name)
		}
		e.pending[r.UserID] = tokenfile.UserRow{User: r.User, Name: r.Name}
	case opDone, opFailed, opReconciled:
		delete(e.pending, r.UserID)
	}
}

func (e *earlier) doneKey(key string) bool { _, ok := e.keys[key]; return ok }
func (e *earlier) doneUser(id int64) bool  { _, ok := e.userIDs[id]; return ok }
func (e *earlier) recordedToken(id int64) bool {
	_, ok := e.tokens[id]
	return ok
}

// markChecked notes that userID's tokens were checked, and reports
// whether an earlier run left an intent of it unsettled.
func (e *earlier) markChecked(userID int64) bool {
	e.checkedMu.Lock()
	defer e.checkedMu.Unlock()
	e.checked[userID] = true
	_, pending := e.pending[userID]
	return pending
}

// recheck runs on a resume before the create of a user the output does
// not hold: whatever the journal says, an earlier run may have minted a
// token for this user whose secret never reached the output. The user's
// tokens are listed (one request) and every impersonation token of this
// admin created since the output's first run, named as this row's token
// or as any intent of this user in the journal, whose secret is not in
// the output, is revoked. It reports false, with the row's result, when
// the tokens could not be checked: nothing is minted blind, and the
// intent is left unsettled, so that the next resume checks again.
func (m *minting) recheck(w job.Worker, ctx context.Context, res *result) bool {
	w.Doing("checking the tokens of %s before minting", res.row.User)
	err := m.checkUser(ctx, res.userID, res.name)
	switch {
	case err == nil:
		m.earlier.rechecked.Add(1)
		return true
	case client.IsAuth(err):
		m.run.Fail(err)
		res.outcome = unprocessed
	default:
		res.reason = fmt.Sprintf("checking the user's tokens before minting failed (%v): run again with --resume", err)
	}
	return false
}

// checkUser revokes what earlier runs may have minted for userID and
// never recorded, under name and the journal's names for the user, with
// one listing.
func (m *minting) checkUser(ctx context.Context, userID int64, name string) error {
	var tokens []client.Token
	err := m.o.Retry.Do(ctx, func() (err error) {
		tokens, err = m.o.API.ListAllUserTokens(ctx, userID)
		return err
	})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, n := range append([]string{name}, m.earlier.names[userID]...) {
		if seen[n] {
			continue
		}
		seen[n] = true
		src := m.source(userID, n)
		src.List = func(context.Context) ([]client.Token, error) { return tokens, nil }
		o := m.orphans()
		o.Name, o.Since = n, m.durable.Since
		if _, err := reconcile.RevokeOrphans(ctx, src, o, m.o.Retry); err != nil {
			return err
		}
	}
	if m.earlier.markChecked(userID) {
		m.earlier.reconciled.Add(1)
	}
	return nil
}

// settleLeftovers settles, after every row was handled, the intents of
// earlier runs that no row of this run took care of: their users were
// done already, or are no longer in the input.
func (m *minting) settleLeftovers() {
	for userID, p := range m.earlier.pending {
		if m.earlier.checked[userID] {
			continue
		}
		ctx, cancel := context.WithTimeout(m.run.Work(), job.DefaultItemTimeout)
		err := m.checkUser(ctx, userID, p.Name)
		cancel()
		if err == nil {
			err = m.journal.AppendSync(job.Record{Op: opReconciled, User: p.User, UserID: userID, Name: p.Name, At: m.o.Now()})
		}
		if err != nil {
			if !client.IsAuth(err) {
				err = fmt.Errorf("settling the unfinished create for %s (UserID %d) of the earlier run failed: %w; run --resume again", p.User, userID, err)
			}
			m.run.Fail(err)
			return
		}
	}
}

// lostRevoked counts and journals a token whose secret nobody holds,
// revoked.
func (m *minting) lostRevoked(userID int64, name string, tokenID int64) {
	m.earlier.lostRevoked.Add(1)
	_ = m.journal.Append(job.Record{Op: opRevoked, UserID: userID, Name: name, TokenID: tokenID, At: m.o.Now()})
}

// describeMinutes is the expiry a dry run reports for ExpiresInMinutes.
func describeMinutes(m *int64, now time.Time) string {
	switch {
	case m == nil:
		return "default"
	case *m == 0:
		return "never"
	}
	return now.Add(time.Duration(*m) * time.Minute).UTC().Format(time.RFC3339)
}
