package renew

import (
	"time"

	"github.com/axero-cli/axero/internal/bulk"
)

// The renewal's journal operations. The journal lives beside NEW and is
// bulk's self-checking journal (a header tying it to NEW and to the run
// its lock file names, a checksum per line), so a resume reads it back
// with bulk.PlanResume and notices one that is missing, damaged, cut short
// or foreign. It never holds a secret. Records of one user
// are handled one at a time (see userLocks), so a record that settles an
// intent always settles that user's latest one.
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
	// reconciled and had no replacement on disk.
	opSettled = "renew-settled"
	// opLostRevoked: TokenID was minted but its answer was lost, so nobody
	// holds its secret; it was revoked.
	opLostRevoked = "lost-revoked"
)

// pendingRenewal is an intent that nothing settled: the run died between
// recording it and recording its outcome.
type pendingRenewal struct {
	User   string
	UserID int64
	Old    int64
	Name   string
	At     time.Time // the first attempt: reconciliation covers every later one
}

// journalState is what a journal says about an earlier run.
type journalState struct {
	renewed    map[int64]int64 // old TokenID → its replacement in NEW
	oldRevoked map[int64]struct{}
	pending    map[int64]pendingRenewal // UserID → its unsettled intent
	order      []int64                  // users with pending intents, in journal order
}

func newJournalState() *journalState {
	return &journalState{renewed: map[int64]int64{}, oldRevoked: map[int64]struct{}{}, pending: map[int64]pendingRenewal{}}
}

// add takes in one sound record of the journal (bulk.ScanJournal has
// checked its checksum), in order.
func (st *journalState) add(r bulk.JournalRecord) {
	switch r.Op {
	case opIntent:
		if p, ok := st.pending[r.UserID]; ok && p.Old == r.TokenID && p.Name == r.Name {
			return // a retry: keep the first attempt's time
		}
		if _, ok := st.pending[r.UserID]; !ok {
			st.order = append(st.order, r.UserID)
		}
		st.pending[r.UserID] = pendingRenewal{User: r.User, UserID: r.UserID, Old: r.TokenID, Name: r.Name, At: r.At}
	case opRenewed:
		if p, ok := st.pending[r.UserID]; ok {
			st.renewed[p.Old] = r.TokenID
			delete(st.pending, r.UserID)
		}
	case opOldRevoked:
		st.oldRevoked[r.TokenID] = struct{}{}
	case opFailed, opSettled:
		delete(st.pending, r.UserID)
	}
}

// pendingInOrder lists the unsettled intents in the order they were made.
func (st *journalState) pendingInOrder() []pendingRenewal {
	var out []pendingRenewal
	seen := map[int64]bool{}
	for _, uid := range st.order {
		if p, ok := st.pending[uid]; ok && !seen[uid] {
			seen[uid] = true
			out = append(out, p)
		}
	}
	return out
}

// replacements are the recorded replacements of old tokens.
func (st *journalState) replacements() map[int64]struct{} {
	out := make(map[int64]struct{}, len(st.renewed))
	for _, n := range st.renewed {
		out[n] = struct{}{}
	}
	return out
}
