package mint

import (
	"context"
	"fmt"
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

// journalOps are the operations the durable layer must know.
var journalOps = job.Ops{Intent: opIntent, Settles: []string{opDone, opFailed, opReconciled}, LostRevoked: opRevoked}

// done is what the output of the earlier runs holds, read on a resume:
// the users (as given, by userKey, and by UserID) with their tokens, and
// the tokens whose secrets it keeps. When the run delivers, the records
// of the tokens not yet delivered are kept too (secrets included), to be
// delivered from. It is read-only once the workers start.
type done struct {
	keys    map[string]int64 // user key → its token
	userIDs map[int64]int64  // UserID → its token
	tokens  map[int64]struct{}
	records map[int64]tokenfile.Record // nil unless the run delivers
}

func newDone(delivering bool) *done {
	d := &done{keys: map[string]int64{}, userIDs: map[int64]int64{}, tokens: map[int64]struct{}{}}
	if delivering {
		d.records = map[int64]tokenfile.Record{}
	}
	return d
}

// recorded takes in a record of the output.
func (d *done) recorded(r tokenfile.Record) {
	d.keys[userKey(r.User)] = r.TokenID
	d.userIDs[r.UserID] = r.TokenID
	d.tokens[r.TokenID] = struct{}{}
	if d.records != nil {
		d.records[r.TokenID] = r
	}
}

func (d *done) key(key string) bool { _, ok := d.keys[key]; return ok }
func (d *done) user(id int64) bool  { _, ok := d.userIDs[id]; return ok }
func (d *done) token(id int64) bool { _, ok := d.tokens[id]; return ok }

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
		m.rechecked.Add(1)
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
	for _, n := range append([]string{name}, m.durable.Names(userID)...) {
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
	m.durable.Checked(userID)
	return nil
}

// settle checks, at the end of a resume, the tokens of a user whose
// unfinished create no row of this run took care of, and journals it
// settled.
func (m *minting) settle(ctx context.Context, p job.Record) error {
	if err := m.checkUser(ctx, p.UserID, p.Name); err != nil {
		return err
	}
	return m.journal.AppendSync(job.Record{Op: opReconciled, User: p.User, UserID: p.UserID, Name: p.Name, At: m.o.Now()})
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
