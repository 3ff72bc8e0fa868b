package bulk

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"

	"github.com/axero-cli/axero/internal/textsafe"
)

// maxBatch bounds how many results the writer records with one fsync.
const maxBatch = 64

// write records every result as it arrives. It is the only goroutine that
// touches the output file, the failed file and the plan. Results that are
// already waiting are written together and made durable with one fsync
// (group commit): each record is on disk before the next batch is handled
// and before the run reports it, and the disk does not cap the rate at one
// token per fsync.
func (e *Engine) write(work context.Context, results <-chan result) {
	var plan *csv.Writer
	if e.o.DryRun && e.o.Plan != nil {
		plan = csv.NewWriter(e.o.Plan)
		_ = plan.Write([]string{"user", "UserID", "name", "expires", "result"})
		defer plan.Flush()
	}
	batch := make([]result, 0, maxBatch)
	for r := range results {
		batch = append(batch[:0], r)
	drain:
		for len(batch) < maxBatch {
			select {
			case r2, ok := <-results:
				if !ok {
					break drain
				}
				batch = append(batch, r2)
			default:
				break drain
			}
		}
		e.writeBatch(work, batch, plan)
		if plan != nil {
			plan.Flush()
		}
	}
}

func (e *Engine) writeBatch(work context.Context, batch []result, plan *csv.Writer) {
	// First the tokens: written, then synced once, then acknowledged.
	minted := 0
	var werr error
	for i := range batch {
		r := &batch[i]
		if r.kind != resMinted {
			continue
		}
		minted++
		if werr == nil && e.fatalErr() == nil {
			werr = e.out.Write(RecordFor(r.row.User, r.created))
		} else {
			r.kind = resUnrecorded
		}
	}
	if minted > 0 && werr == nil && e.fatalErr() == nil {
		werr = e.out.Sync()
	}
	if werr != nil {
		e.fail(fmt.Errorf("writing --out %s: %w", e.o.OutPath, werr))
		for i := range batch {
			if batch[i].kind == resMinted {
				batch[i].kind = resUnrecorded
			}
		}
	}
	for i := range batch {
		e.record(work, &batch[i], plan)
	}
}

func (e *Engine) record(work context.Context, r *result, plan *csv.Writer) {
	switch r.kind {
	case resMinted:
		_ = e.journal.Append(JournalRecord{Op: opDone, User: r.row.User, UserID: r.userID, Name: r.name, TokenID: r.created.TokenID, At: e.o.Now()})
		e.sum.Minted++
		e.o.Events(EventMinted)
	case resUnrecorded:
		ctx, cancel := context.WithTimeout(work, e.o.RowTimeout)
		err := e.o.API.RevokeToken(ctx, r.created.TokenID)
		cancel()
		reason := "the token was minted but could not be written to the output file, so it was revoked"
		if err == nil {
			e.revoked.Add(1)
			_ = e.journal.Append(JournalRecord{Op: opRevoked, UserID: r.userID, Name: r.name, TokenID: r.created.TokenID, At: e.o.Now()})
			_ = e.journal.Append(JournalRecord{Op: opFailed, UserID: r.userID, Name: r.name, At: e.o.Now(), Reason: reason})
		} else {
			// Leave the intent unsettled: --resume will find and revoke it.
			reason = "the token was minted but could not be written to the output file, and revoking it failed: run again with --resume to revoke it"
		}
		e.writeFailed(r.row, reason)
	case resFailed:
		if r.settled {
			_ = e.journal.Append(JournalRecord{Op: opFailed, User: r.row.User, UserID: r.userID, Name: r.name, At: e.o.Now(), Reason: r.reason})
		}
		if plan != nil {
			_ = plan.Write(textsafe.CSVRow([]string{r.row.User, idString(r.userID), r.name, "", r.reason}))
		}
		e.writeFailed(r.row, r.reason)
	case resSkipped:
		e.sum.Skipped++
		e.o.Events(EventSkipped)
	case resPlanned:
		e.sum.Planned++
		if plan != nil {
			_ = plan.Write(textsafe.CSVRow([]string{r.row.User, idString(r.userID), r.name, describeMinutes(r.minutes, e.start), "ok"}))
		}
		e.o.Events(EventPlanned)
	case resUnprocessed:
		if r.settled && e.journal != nil {
			_ = e.journal.Append(JournalRecord{Op: opFailed, User: r.row.User, UserID: r.userID, Name: r.name, At: e.o.Now(), Reason: "not minted: the run stopped"})
		}
		e.sum.Unprocessed++
	}
}

// writeFailed counts a failed row and, outside a dry run, writes it to the
// failed file. A failed file that cannot be written stops the run: rows
// must not silently vanish.
func (e *Engine) writeFailed(row Row, reason string) {
	e.sum.Failed++
	e.o.Events(EventFailed)
	if e.failed == nil {
		return
	}
	if err := e.failed.Write(row.Fields, reason); err != nil {
		e.fail(err)
	}
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
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
