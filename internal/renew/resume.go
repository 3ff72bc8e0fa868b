package renew

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/reconcile"
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

// maxNamesPerUser bounds the token names remembered per user.
const maxNamesPerUser = 8

// pendingRenewal is an intent that nothing settled: the run died between
// recording it and recording its outcome.
type pendingRenewal struct {
	User string
	Old  int64
	Name string
}

type newToken struct {
	id   int64
	name string
}

// earlier is what the earlier runs of NEW left, read on a resume: NEW's
// records and what the journal says.
type earlier struct {
	newIDs     map[int64]struct{} // the tokens NEW held when the run started
	newByUser  map[int64][]newToken
	renewed    map[int64]int64 // old TokenID → its replacement in NEW
	oldRevoked map[int64]struct{}
	pending    map[int64]pendingRenewal // UserID → its unsettled intent
	names      map[int64][]string       // the names each user's intents were for

	mu      sync.Mutex
	claimed map[int64]struct{} // tokens in NEW known to replace an old token
	checked map[int64]bool     // users whose tokens this run checked

	lostRevoked, reconciled atomic.Int64
}

func newEarlier() *earlier {
	return &earlier{
		newIDs: map[int64]struct{}{}, newByUser: map[int64][]newToken{}, renewed: map[int64]int64{},
		oldRevoked: map[int64]struct{}{}, pending: map[int64]pendingRenewal{}, names: map[int64][]string{},
		claimed: map[int64]struct{}{}, checked: map[int64]bool{},
	}
}

// recorded takes in a record of NEW.
func (e *earlier) recorded(r tokenfile.Record) {
	e.newIDs[r.TokenID] = struct{}{}
	e.newByUser[r.UserID] = append(e.newByUser[r.UserID], newToken{id: r.TokenID, name: r.Name})
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
		e.pending[r.UserID] = pendingRenewal{User: r.User, Old: r.TokenID, Name: r.Name}
	case opRenewed:
		if p, ok := e.pending[r.UserID]; ok {
			e.renewed[p.Old] = r.TokenID
			e.claimed[r.TokenID] = struct{}{}
			delete(e.pending, r.UserID)
		}
	case opOldRevoked:
		e.oldRevoked[r.TokenID] = struct{}{}
	case opFailed, opSettled:
		delete(e.pending, r.UserID)
	}
}

// markChecked notes that userID's tokens were checked, and counts the
// earlier run's unsettled intent of it, if any, as settled.
func (e *earlier) markChecked(userID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.pending[userID]; ok && !e.checked[userID] {
		e.reconciled.Add(1)
	}
	e.checked[userID] = true
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
		Revoked: func(tokenID int64) { r.lostRevoked(userID, name, tokenID) },
	}
}

func (r *renewal) lostRevoked(userID int64, name string, tokenID int64) {
	r.earlier.lostRevoked.Add(1)
	_ = r.journal.Append(job.Record{Op: opLostRevoked, UserID: userID, Name: name, TokenID: tokenID, At: r.o.Now()})
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
	for _, n := range append(names, r.earlier.names[userID]...) {
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		o := reconcile.Orphans{Name: n, Since: r.durable.Since, Keep: r.keep, Impersonation: true, CreatedBy: r.o.Admin}
		if _, err := reconcile.RevokeOrphans(ctx, r.source(userID, n, tokens), o, r.o.Retry); err != nil {
			return err
		}
	}
	r.earlier.markChecked(userID)
	return nil
}

// settleLeftovers settles, after every record was handled, the intents of
// earlier runs that no record of this run took care of.
func (r *renewal) settleLeftovers() {
	for userID, p := range r.earlier.pending {
		if r.earlier.checked[userID] {
			continue
		}
		ctx, cancel := context.WithTimeout(r.run.Work(), job.DefaultItemTimeout)
		var tokens []client.Token
		err := r.o.Retry.Do(ctx, func() (err error) {
			tokens, err = r.o.API.ListAllUserTokens(ctx, userID)
			return err
		})
		if err == nil {
			err = r.revokeLeftovers(ctx, userID, tokens, p.Name)
		}
		cancel()
		if err == nil {
			err = r.journal.AppendSync(job.Record{Op: opSettled, User: p.User, UserID: userID, Name: p.Name, TokenID: p.Old, At: r.o.Now()})
		}
		if err != nil {
			if !client.IsAuth(err) {
				err = fmt.Errorf("settling the unfinished renewal of token %d (UserID %d) of the earlier run failed: %w; run --resume again", p.Old, userID, err)
			}
			r.run.Fail(err)
			return
		}
	}
}
