package renew

import (
	"context"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/bulk"
)

// A resume trusts its journal to know every mint an earlier run sent and
// every replacement it recorded. When bulk.PlanResume finds the journal
// missing, damaged, cut short or left by a killed run, nothing is minted
// blind: before a record is renewed, NEW is searched for a replacement an
// earlier run recorded without journaling it (claimReplacement), and the
// user's tokens are checked for ones an earlier run minted whose answer
// never reached NEW (revokeLeftovers).

// claimReplacement returns the token in NEW that replaces rec, recorded by
// an earlier run whose journal does not say so, or 0. A candidate is a
// token of rec's user in NEW that is no old token and that no other record
// has claimed; one with rec's name is preferred, and a user with a single
// record in OLD takes any (its replacement may carry a template's name).
func (r *Renewal) claimReplacement(rec bulk.Record) int64 {
	r.claimedMu.Lock()
	defer r.claimedMu.Unlock()
	var byName, any int64
	for _, t := range r.newByUser[rec.UserID] {
		if _, old := r.oldIDs[t.id]; old {
			continue
		}
		if _, taken := r.claimed[t.id]; taken {
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
		r.claimed[id] = struct{}{}
	}
	return id
}

// finishClaimed records a replacement found by claimReplacement and
// revokes the old token, as a record an earlier run finished.
func (r *Renewal) finishClaimed(work context.Context, worker int, rec bulk.Record, replacement int64) {
	unlock := r.locks.lock(rec.UserID)
	defer unlock()
	now := r.o.Now()
	// An intent settled at once by its renewed record: a later resume
	// reads the replacement back from the journal.
	_ = r.journal.Append(bulk.JournalRecord{Op: opIntent, User: rec.User, UserID: rec.UserID, Name: rec.Name, TokenID: rec.TokenID, At: now})
	_ = r.journal.Append(bulk.JournalRecord{Op: opRenewed, User: rec.User, UserID: rec.UserID, Name: rec.Name, TokenID: replacement, At: now})
	revoked, pending := 0, 0
	if r.revokeOld(work, worker, rec) {
		revoked = 1
	} else {
		pending = 1
	}
	r.outcome(EventAlreadyDone, func(s *Summary) { s.AlreadyDone++; s.Revoked += revoked; s.RevokePending += pending })
}

// revokeLeftovers revokes, among the user's listed tokens, those this
// admin minted since the recheck's start, named as the replacement or as
// the old record, that are in neither OLD nor NEW: an earlier run's mints
// whose secret nobody holds.
func (r *Renewal) revokeLeftovers(ctx context.Context, rec bulk.Record, name string, tokens []client.Token) error {
	ctx, cancel := context.WithTimeout(ctx, r.o.RecordTimeout)
	defer cancel()
	if tokens == nil {
		tokens = []client.Token{}
	}
	names := []string{name}
	if rec.Name != name && rec.Name != "" {
		names = append(names, rec.Name)
	}
	for _, n := range names {
		if err := r.revokeOrphans(ctx, rec.UserID, n, r.recheckSince, nil, tokens); err != nil {
			return err
		}
	}
	return nil
}

// recheckDue reports whether records need the checks above.
func (r *Renewal) recheckDue() bool { return !r.recheckSince.IsZero() && !r.o.DryRun }
