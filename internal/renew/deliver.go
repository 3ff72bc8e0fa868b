package renew

import (
	"context"
	"fmt"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/delivery"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// Delivery (Options.Deliver): the sinks of each record's user are
// rendered, parsed and checked before its replacement is minted; once the
// replacement is committed to NEW (the safe place), it is put into each
// sink and verified, then committed there, every step journalled, and
// only then is the old token retired. A record whose delivery fails keeps
// its old token live and its replacement in NEW, and goes to the failed
// file with the sink and the reason; --resume delivers the replacement
// from NEW and then retires the old token. The old token is never
// retired before every sink of its user holds the replacement.

// rowSinks renders, parses and checks the sinks of the record's user
// (user is nil when only the UserID is needed). It returns why they
// cannot take the replacement, or "".
func (r *renewal) rowSinks(w job.Worker, res *result, user *client.User) string {
	sinks, err := r.o.Deliver.UserSinks(res.rec.UserID, user, r.date)
	if err != nil {
		return err.Error() + "; nothing was minted for this record"
	}
	w.Doing("checking the sinks of UserID %d", res.rec.UserID)
	ctx, cancel := w.BoundStop()
	defer cancel()
	if err := r.o.Deliver.Check(ctx, sinks); err != nil {
		return err.Error() + "; nothing was minted for this record"
	}
	res.sinks = sinks
	return ""
}

// deliver puts the replacement nrec, on disk in NEW, into the record's
// sinks and commits it there, under ctx (the record's deadline). prev is
// what the earlier runs did.
func (r *renewal) deliver(ctx context.Context, res *result, nrec tokenfile.Record, prev *delivery.Report) {
	committed, why := r.o.Deliver.FinishRecord(ctx, r.journal, res.rec.User, nrec, res.sinks, prev, r.o.Now())
	if committed {
		res.delivered = true
		return
	}
	res.undelivered = undeliveredReason(res.rec.TokenID, nrec.TokenID, why)
}

func undeliveredReason(oldID, newID int64, why string) string {
	return fmt.Sprintf("the replacement %d is in --out but not delivered, so token %d was kept: %s; fix that, then run again with --resume", newID, oldID, why)
}

// finishEarlier finishes a record whose replacement an earlier run
// recorded in NEW: its delivery, when the journal does not show it
// committed to every sink, then the old token's retirement.
func (r *renewal) finishEarlier(w job.Worker, res *result, replacement int64) {
	if r.o.Deliver != nil && !r.earlier.ledger.Committed(replacement) {
		if r.redeliver(w, res, replacement); !res.delivered {
			return
		}
	}
	r.retireOld(w, res)
}

// redeliver delivers an earlier run's replacement from its record in NEW
// and what the journal says each sink did.
func (r *renewal) redeliver(w job.Worker, res *result, replacement int64) {
	nrec, ok := r.earlier.records[replacement]
	if !ok {
		res.undelivered = undeliveredReason(res.rec.TokenID, replacement, "--out does not hold it")
		return
	}
	w.Doing("delivering the replacement of token %d", res.rec.TokenID)
	ctx, cancel := w.Bound()
	defer cancel()
	user, err := r.user(ctx, res.rec.UserID)
	if err != nil {
		res.undelivered = undeliveredReason(res.rec.TokenID, replacement, "looking up its user failed: "+err.Error())
		return
	}
	sinks, err := r.o.Deliver.UserSinks(res.rec.UserID, user, r.date)
	if err != nil {
		res.undelivered = undeliveredReason(res.rec.TokenID, replacement, err.Error())
		return
	}
	res.sinks = sinks
	prev := r.earlier.ledger.Report(replacement)
	r.deliver(ctx, res, nrec, &prev)
}

// collectDelivery counts a record's delivery and writes it to the failed
// file when it failed; it returns how much the record adds to the
// failures the progress shows.
func (r *renewal) collectDelivery(res result) int {
	switch {
	case res.delivered:
		r.sum.Delivered++
	case res.undelivered != "":
		r.sum.DeliveryFailed++
		r.durable.WriteFailed(r.run, res.rec.Fields(), res.undelivered)
		return 1
	}
	return 0
}
