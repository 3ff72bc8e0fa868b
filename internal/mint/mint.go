// Package mint mints impersonation tokens for the users of a CSV file
// (create-for-user --from), safely: every token minted is either recorded
// in the output file or revoked, no user ends up with two live tokens
// from one output, and a run killed at any point can be resumed. It is an
// operation on the bulk runner (internal/job) with its durable layer.
//
// Per row, a worker looks the user up when it must, checks the row
// (duplicates, name, expiry against the policy), records the intent in
// the journal, mints by reconcile.Mint (never re-sending a create whose
// answer was lost) and commits the token to the output; the collector
// journals the outcome and writes the failed file and a dry run's plan.
package mint

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/nametemplate"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/internal/rowsinks"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// API is the part of the client that minting uses.
type API = reconcile.UserTokens

// Resolver turns a user as given (UserID, email or user name) into a user.
type Resolver interface {
	Resolve(ctx context.Context, user string) (*client.User, error)
}

// ExpiryFunc turns a row's expires value ("" for none) into the
// ExpiresInMinutes to send, checking it against the site's policy.
type ExpiryFunc func(expires string, now time.Time) (*int64, error)

// Options configure a run. Progress hears each row's outcome: minted
// (good) or failed (bad).
type Options struct {
	job.Common
	job.Files
	API      API
	Resolver Resolver
	Input    *tokenfile.Users // its header already read

	Name     string                 // a name for every row without its own
	Template *nametemplate.Template // else each name comes from this
	Expiry   ExpiryFunc
	Admin    int64 // the caller: only its impersonation tokens are ever revoked

	// Deliver, when set, delivers each token to the sinks of its row
	// (deliver.go): they are checked before the row is minted, and the
	// token goes to them once it is on disk in the output.
	Deliver *rowsinks.Plan
}

// Summary is what a run did.
type Summary struct {
	job.Outcome
	Minted      int
	Skipped     int // --resume: the user already has a record
	Duplicates  int // rows that name a user an earlier row took: skipped, never in the failed file
	Failed      int
	Planned     int // --dry-run: rows that would be minted
	Rechecked   int // users whose tokens a resume checked before minting
	Unprocessed int // rows read but not minted because the run stopped

	// With Deliver: tokens (of this run or, on a resume, of an earlier
	// one) that every sink of their row now holds, and those whose
	// delivery failed (in the output and the failed file, for --resume).
	Delivered      int
	DeliveryFailed int
	Redelivered    int // of those, the earlier runs' tokens this run took up
}

// minting is one run's state.
type minting struct {
	o       Options
	run     *job.Run
	start   time.Time
	date    string
	durable *job.Durable // nil in a dry run
	journal *job.Journal
	plan    *tokenfile.CSVWriter
	done    *done
	// rechecked counts the users whose tokens a resume checked.
	rechecked atomic.Int64

	claimMu sync.Mutex
	claimed map[int64]int      // UserID → the line that took it
	tokens  map[int64]struct{} // tokens this run minted

	// ledger is what the earlier runs delivered (a resume with Deliver);
	// taken are the earlier runs' tokens whose delivery a worker took up.
	ledger *rowsinks.Ledger
	taken  map[int64]bool

	sum Summary
}

// Run mints a token for every row. It returns when all rows are handled
// or, after the run stops (Ctrl-C, a fatal error), once the creates in
// flight are recorded. The Summary is valid in every case; the error is
// the fatal one, if any (a permission error, a file that cannot be
// written).
func Run(run *job.Run, o Options) (Summary, error) {
	m := &minting{o: withDefaults(o), run: run, claimed: map[int64]int{}, tokens: map[int64]struct{}{}, done: newDone(o.Deliver != nil),
		ledger: rowsinks.NewLedger(), taken: map[int64]bool{}}
	m.start = m.o.Now()
	m.date = m.start.UTC().Format(time.DateOnly)
	if err := m.open(); err != nil {
		_ = o.Lock.Release()
		return m.finish(), err
	}
	job.Pipeline(run, m.o.Workers, m.read, m.do, m.collect)
	m.durable.Finish(run, m.settle)
	run.Fail(m.plan.Flush())
	return m.finish(), run.Err()
}

func withDefaults(o Options) Options {
	if o.Name == "" && o.Template == nil {
		o.Template, _ = nametemplate.Parse(nametemplate.Default)
	}
	o.Common = o.OrDefault()
	return o
}

// open opens the durable files, or a dry run's plan. Nothing is sent
// before it succeeds.
func (m *minting) open() (err error) {
	d := job.DurableOptions{Start: m.start, Ops: journalOps, FailedHeader: m.o.Input.Header(), Output: m.done.recorded}
	plan := []string{"user", "UserID", "name", "expires", "result"}
	if m.o.Deliver != nil {
		d.Sinks, d.Journal = m.o.Deliver.Specs(), m.ledger.Journaled
		plan = append(plan, m.o.Deliver.Columns()...)
	}
	m.durable, m.plan, err = m.o.Open(d, plan...)
	m.journal = m.durable.Journal()
	m.ledger.Forget(m.done.records)
	return err
}

func (m *minting) finish() Summary {
	s := m.sum
	s.Rechecked = int(m.rechecked.Load())
	s.Outcome = m.durable.Outcome(m.run)
	return s
}

// outcome is what became of a row.
type outcome int

const (
	minted outcome = iota
	failed
	skipped
	// duplicate: the row names a user an earlier row took. It is not a
	// failure to retry: the user has (or gets) a token from that row, and
	// a failed file that held it would mint a second one when fed back.
	duplicate
	planned
	unprocessed
	// redelivered: the row's user has a token from an earlier run that
	// was not delivered to every sink; this run took its delivery up.
	redelivered
)

// result is one row's outcome, handed from a worker to the collector.
type result struct {
	outcome outcome
	row     tokenfile.UserRow
	userID  int64
	name    string
	minutes *int64
	token   *client.CreatedToken
	reason  string
	// settled: the journal should say that no token of this row's
	// intents is active. A failure whose outcome could not be checked is
	// left unsettled, so that --resume checks it again.
	settled bool

	// With Deliver: the row's sinks (checked before minting), whether
	// every one of them now holds the token, or why not.
	sinks       []sink.Sink
	delivered   bool
	undelivered string
}

// item is a row for a worker, or a row the reader decided already, or
// (pending) the token of an earlier run still to be delivered.
type item struct {
	row     tokenfile.UserRow
	decided *result
	pending *tokenfile.Record
}

// read hands every row to the workers, deciding those it can without the
// server: unreadable rows, empty users, duplicates and, on a resume,
// users already in the output.
func (m *minting) read(send func(item) bool) error {
	seen := map[string]int{} // user key → the line it first appeared on
	decide := func(r result) bool { return send(item{row: r.row, decided: &r}) }
	for {
		row, err := m.o.Input.Next()
		if err == io.EOF { //nolint:errorlint // Next returns io.EOF itself
			return m.readLeftovers(send)
		}
		if err != nil {
			return err
		}
		var ok bool
		switch key := userKey(row.User); {
		case row.Err != nil:
			ok = decide(result{outcome: failed, row: row, reason: row.Err.Error()})
		case row.User == "":
			ok = decide(result{outcome: failed, row: row, reason: "the user column is empty"})
		case seen[key] != 0:
			ok = decide(result{outcome: duplicate, row: row, reason: fmt.Sprintf("user %s is listed twice (first on line %d)", briefQuote(row.User), seen[key])})
		case m.done.key(key):
			seen[key] = row.Line
			if rec, undelivered := m.undelivered(m.done.keys[key]); undelivered {
				ok = send(item{row: row, pending: rec})
			} else {
				ok = decide(result{outcome: skipped, row: row})
			}
		default:
			seen[key] = row.Line
			ok = send(item{row: row})
		}
		if !ok {
			return nil
		}
	}
}

// userKey is how two spellings of the same input are recognised as one
// user before any lookup: case and surrounding space do not matter, and a
// UserID is compared as a number ("042" is 42).
func userKey(user string) string {
	u := strings.ToLower(strings.TrimSpace(user))
	if id, ok := resolve.ParseID(u); ok {
		return "#" + strconv.FormatInt(id, 10)
	}
	return u
}

// briefQuote quotes text that came from a file for a message: Go-quoted,
// so that control characters, NUL bytes and invalid UTF-8 show as escapes
// and never reach a terminal raw, and cut short.
func briefQuote(s string) string {
	const maxQuoted = 64
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}
