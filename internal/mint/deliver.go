package mint

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/delivery"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// Delivery (Options.Deliver): each row's sinks are rendered from its
// user, parsed and checked before anything is minted for it; once its
// token is committed to the output (the safe place: the secret is on disk
// before any sink is touched), it is put into each sink and verified,
// then committed, every step journalled. A row whose sinks fail their
// check fails with nothing minted; a row whose delivery fails keeps its
// token in the output, goes to the failed file with the sink and the
// reason, and is finished by --resume, which delivers from the secret in
// the output the tokens the journal does not show committed.

// rowSinks renders, parses and checks the sinks of a row whose user is
// settled (user is nil when it was not looked up: a UserID and templates
// that use nothing else). It reports false, with the row's failure, when
// they cannot take the row's token.
func (m *minting) rowSinks(w job.Worker, res *result, user *client.User) bool {
	sinks, err := m.o.Deliver.UserSinks(res.userID, user, m.date)
	if err != nil {
		res.reason = err.Error() + "; nothing was minted for this row"
		return false
	}
	w.Doing("checking the sinks of %s", res.row.User)
	ctx, cancel := w.BoundStop()
	defer cancel()
	if err := m.o.Deliver.Check(ctx, sinks); err != nil {
		if w.Stopped() {
			*res = result{outcome: unprocessed, row: res.row}
			return false
		}
		res.reason = err.Error() + "; nothing was minted for this row"
		return false
	}
	res.sinks = sinks
	return true
}

// deliver puts the token of rec, on disk in the output, into the row's
// sinks and commits it there, under ctx (the row's deadline). prev is
// what the earlier runs did.
func (m *minting) deliver(ctx context.Context, res *result, rec tokenfile.Record, prev *delivery.Report) {
	committed, why := m.o.Deliver.FinishRecord(ctx, m.journal, res.row.User, rec, res.sinks, prev, m.o.Now())
	if committed {
		res.delivered = true
		return
	}
	res.undelivered = undeliveredReason(rec.TokenID, why)
}

func undeliveredReason(tokenID int64, why string) string {
	return fmt.Sprintf("token %d is in --out but not delivered: %s; fix that, then run again with --resume", tokenID, why)
}

// undelivered returns the record of an earlier run's token that the
// journal does not show committed to every sink, and takes its delivery
// up for the caller: each such token is delivered by one worker only.
func (m *minting) undelivered(tokenID int64) (*tokenfile.Record, bool) {
	if m.o.Deliver == nil {
		return nil, false
	}
	rec, ok := m.done.records[tokenID]
	if !ok {
		return nil, false
	}
	m.claimMu.Lock()
	defer m.claimMu.Unlock()
	if m.taken[tokenID] {
		return nil, false
	}
	m.taken[tokenID] = true
	return &rec, true
}

// redeliver finishes the delivery of an earlier run's token, from its
// record in the output and what the journal says each sink did.
func (m *minting) redeliver(w job.Worker, row tokenfile.UserRow, rec tokenfile.Record) result {
	res := result{outcome: redelivered, row: row, userID: rec.UserID, name: rec.Name}
	if w.Stopped() {
		return result{outcome: unprocessed, row: row}
	}
	w.Doing("delivering the token of %s", row.User)
	ctx, cancel := w.Bound()
	defer cancel()
	var u *client.User
	if m.o.Deliver.NeedsUser() {
		err := m.o.Retry.Do(ctx, func() (err error) {
			u, err = m.o.Resolver.Resolve(ctx, strconv.FormatInt(rec.UserID, 10))
			return err
		})
		if err != nil {
			if client.IsAuth(err) {
				m.run.Fail(err)
			}
			res.undelivered = undeliveredReason(rec.TokenID, "looking up its user failed: "+err.Error())
			return res
		}
	}
	sinks, err := m.o.Deliver.UserSinks(rec.UserID, u, m.date)
	if err != nil {
		res.undelivered = undeliveredReason(rec.TokenID, err.Error())
		return res
	}
	res.sinks = sinks
	prev := m.ledger.Report(rec.TokenID)
	m.deliver(ctx, &res, rec, &prev)
	return res
}

// readLeftovers hands the workers, once every row is read, the earlier
// runs' tokens that are still to be delivered and that no row of this
// run's input named (the input changed between the runs): a minted token
// is delivered or revoked, whatever the input says now.
func (m *minting) readLeftovers(send func(item) bool) error {
	if m.o.Deliver == nil {
		return nil
	}
	ids := make([]int64, 0, len(m.done.records))
	for id := range m.done.records {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		rec, ok := m.undelivered(id)
		if !ok {
			continue
		}
		if !send(item{row: m.rowOf(*rec), pending: rec}) {
			return nil
		}
	}
	return nil
}

// rowOf is an input row for a record of the output that no row of the
// input names, for the failed file: the user in the user column.
func (m *minting) rowOf(rec tokenfile.Record) tokenfile.UserRow {
	header := m.o.Input.Header()
	fields := make([]string, len(header))
	for i, h := range header {
		if strings.EqualFold(h, tokenfile.ColUser) {
			fields[i] = rec.User
		}
	}
	return tokenfile.UserRow{User: rec.User, Fields: fields}
}

// collectDelivery counts a row's delivery and writes it to the failed
// file when it failed; it returns how much the row adds to the failures
// the progress shows.
func (m *minting) collectDelivery(r result) int {
	switch {
	case r.delivered:
		m.sum.Delivered++
	case r.undelivered != "":
		m.sum.DeliveryFailed++
		m.durable.WriteFailed(m.run, r.row.Fields, r.undelivered)
		return 1
	}
	return 0
}
