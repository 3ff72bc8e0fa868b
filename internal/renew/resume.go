package renew

import (
	"context"
	"sync"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/rowsinks"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// The renewal's journal operations. Records of one user are handled one
// at a time (userLocks), so a record that settles an intent always
// settles that user's latest one. None holds a secret.
const (
	// opIntent: a mint is about to be sent for the replacement of the old
	// token TokenID, named Name. It is durable before the mint is sent.
	opIntent = "renew-intent"
	// opRenewed: the replacement TokenID is in NEW, on disk. It settles the
	// user's latest intent; its old token is now due for revocation.
	opRenewed = "renewed"
	// opOldRevoked: the old token TokenID is revoked.
	opOldRevoked = "old-revoked"
	// opOldSuperseded: the old token TokenID is renamed with the
	// superseded marker (--grace), for `token revoke --superseded`.
	opOldSuperseded = "old-superseded"
	// opFailed: the record of the old token TokenID failed and no
	// replacement of it is active.
	opFailed = "renew-failed"
	// opSettled: the user's unfinished intent of an earlier run was
	// settled and had no replacement on disk.
	opSettled = "renew-settled"
	// opLostRevoked: TokenID was minted but its answer was lost, so nobody
	// holds its secret; it was revoked.
	opLostRevoked = "lost-revoked"
)

// journalOps are the operations the durable layer must know.
var journalOps = job.Ops{Intent: opIntent, Settles: []string{opRenewed, opFailed, opSettled}, LostRevoked: opLostRevoked}

type newToken struct {
	id   int64
	name string
}

// earlier is what the earlier runs of NEW left, read on a resume: NEW's
// records, and the replacements the journal records.
type earlier struct {
	newIDs     map[int64]struct{} // the tokens NEW held when the run started
	newByUser  map[int64][]newToken
	renewed    map[int64]int64    // old TokenID → its replacement in NEW
	oldRevoked map[int64]struct{} // revoked or superseded
	last       map[int64]int64    // UserID → the old token of its last intent
	// With Deliver: NEW's records by TokenID (secrets included) of the
	// replacements the journal does not show delivered, to deliver from,
	// and what the journal says each sink did.
	records map[int64]tokenfile.Record
	ledger  *rowsinks.Ledger

	mu      sync.Mutex
	claimed map[int64]struct{} // tokens in NEW known to replace an old token
	minted  map[int64]struct{} // replacements this run recorded
}

func newEarlier(delivering bool) *earlier {
	e := &earlier{
		newIDs: map[int64]struct{}{}, newByUser: map[int64][]newToken{}, renewed: map[int64]int64{},
		oldRevoked: map[int64]struct{}{}, last: map[int64]int64{}, claimed: map[int64]struct{}{}, minted: map[int64]struct{}{},
		ledger: rowsinks.NewLedger(),
	}
	if delivering {
		e.records = map[int64]tokenfile.Record{}
	}
	return e
}

// recorded takes in a record of NEW.
func (e *earlier) recorded(r tokenfile.Record) {
	e.newIDs[r.TokenID] = struct{}{}
	e.newByUser[r.UserID] = append(e.newByUser[r.UserID], newToken{id: r.TokenID, name: r.Name})
	if e.records != nil {
		e.records[r.TokenID] = r
	}
}

// journaled takes in a sound record of the journal, in order.
func (e *earlier) journaled(r job.Record) {
	e.ledger.Journaled(r)
	switch r.Op {
	case opIntent:
		e.last[r.UserID] = r.TokenID
	case opRenewed:
		if old, ok := e.last[r.UserID]; ok {
			e.renewed[old] = r.TokenID
			e.claimed[r.TokenID] = struct{}{}
			delete(e.last, r.UserID)
		}
	case opOldRevoked, opOldSuperseded:
		e.oldRevoked[r.TokenID] = struct{}{}
	case opFailed, opSettled:
		delete(e.last, r.UserID)
	}
}

// claimReplacement returns the token in NEW that replaces rec, recorded
// by an earlier run that died before journaling it, or 0. A candidate is
// a token of rec's user in NEW that is no old token and that no other
// record has claimed; one with rec's name is preferred, and a user with a
// single record in OLD takes any (its replacement may carry a template's
// name).
func (r *renewal) claimReplacement(rec tokenfile.Record) int64 {
	e := r.earlier
	e.mu.Lock()
	defer e.mu.Unlock()
	var byName, any int64
	for _, t := range e.newByUser[rec.UserID] {
		if _, old := r.oldIDs[t.id]; old {
			continue
		}
		if _, taken := e.claimed[t.id]; taken {
			continue
		}
		if t.name == rec.Name {
			byName = max(byName, t.id)
		}
		any = max(any, t.id)
	}
	id := byName
	if id == 0 && r.userRecords[rec.UserID] == 1 {
		id = any
	}
	if id != 0 {
		e.claimed[id] = struct{}{}
	}
	return id
}

// claimNew marks a replacement as recorded in NEW, and reports false when
// NEW holds it already (the server handed it out twice).
func (r *renewal) claimNew(tokenID int64) bool {
	e := r.earlier
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.newIDs[tokenID]; ok {
		return false
	}
	if _, ok := e.minted[tokenID]; ok {
		return false
	}
	e.minted[tokenID] = struct{}{}
	return true
}

// keep reports a token that reconciliation must never revoke: an old
// token, or one that NEW held when the run started.
func (r *renewal) keep(id int64) bool {
	if _, ok := r.oldIDs[id]; ok {
		return true
	}
	_, ok := r.earlier.newIDs[id]
	return ok
}

// source lists and revokes the tokens of userID for a reconciliation,
// journaling and counting each token it revokes. listed, when not nil,
// stands in for the listing.
func (r *renewal) source(userID int64, name string, listed []client.Token) reconcile.Source {
	return reconcile.Source{
		List: func(ctx context.Context) ([]client.Token, error) {
			if listed != nil {
				return listed, nil
			}
			return r.o.API.ListAllUserTokens(ctx, userID)
		},
		Revoke:  r.o.API.RevokeToken,
		Revoked: func(tokenID int64) { r.durable.LostRevoked(userID, name, tokenID) },
	}
}

// revokeLeftovers runs on a resume before a record is renewed: whatever
// the journal says, an earlier run may have minted a replacement whose
// answer never reached NEW. Among the user's listed tokens, those this
// admin minted since the output's first run, named as the replacement,
// as the old record or as any intent of the user in the journal, that
// are in neither OLD nor NEW, are revoked.
func (r *renewal) revokeLeftovers(ctx context.Context, userID int64, tokens []client.Token, names ...string) error {
	if tokens == nil {
		tokens = []client.Token{}
	}
	seen := map[string]bool{}
	for _, n := range append(names, r.durable.Names(userID)...) {
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		o := reconcile.Orphans{Name: n, Since: r.durable.Since, Keep: r.keep, Impersonation: true, CreatedBy: r.o.Admin}
		if _, err := reconcile.RevokeOrphans(ctx, r.source(userID, n, tokens), o, r.o.Retry); err != nil {
			return err
		}
	}
	r.durable.Checked(userID)
	return nil
}

// settle checks, at the end of a resume, the tokens of a user whose
// unfinished renewal no record of this run took care of, and journals it
// settled.
func (r *renewal) settle(ctx context.Context, p job.Record) error {
	var tokens []client.Token
	err := r.o.Retry.Do(ctx, func() (err error) {
		tokens, err = r.o.API.ListAllUserTokens(ctx, p.UserID)
		return err
	})
	if err == nil {
		err = r.revokeLeftovers(ctx, p.UserID, tokens, p.Name)
	}
	if err != nil {
		return err
	}
	return r.journal.AppendSync(job.Record{Op: opSettled, User: p.User, UserID: p.UserID, Name: p.Name, TokenID: p.TokenID, At: r.o.Now()})
}
