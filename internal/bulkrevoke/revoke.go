// Package bulkrevoke revokes the tokens listed in a file: any axero
// output with token IDs (create-for-user's JSONL or CSV, the audit's CSV
// or JSON) or a plain CSV with a TokenID column and optionally UserID.
//
// Each token is checked against its owner's current token list first (one
// listing per user, however many of its tokens the file names), so that a
// mixed-up file cannot revoke someone else's token: a row whose token
// belongs to another user than it says is refused. Tokens already revoked
// or expired count as done, so running it again is always safe. The file
// is streamed, and every request takes one of Concurrency slots, shares
// the client's rate-limit pause and is retried on transient failures.
package bulkrevoke

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/bulk"
)

// API is the part of the client bulk revoke uses. *client.Client
// satisfies it.
type API interface {
	bulk.Me
	ListUserTokens(ctx context.Context, userID int64, startPage, pageSize int) (client.Page[client.Token], error)
	GetToken(ctx context.Context, tokenID int64) (*client.Token, error)
	RevokeToken(ctx context.Context, tokenID int64) error
}

// Outcome is what happened to one row.
type Outcome int

const (
	Revoked        Outcome = iota // revoked now
	AlreadyRevoked                // the token no longer exists: done
	Expired                       // the token has expired: done, nothing to revoke
	WouldRevoke                   // DryRun: it would be revoked
	Refused                       // the token belongs to another user than the row says
	Failed                        // could not be read, checked or revoked
)

func (o Outcome) String() string {
	return [...]string{"revoked", "already revoked", "expired", "would revoke", "refused", "failed"}[o]
}

// Result is one row's outcome, reported through Options.Events.
type Result struct {
	Item    Item
	Outcome Outcome
	Reason  string // for Refused and Failed
}

// Options configure a run.
type Options struct {
	API  API
	From string // the input file
	// FailedPath is where failed and refused rows go; "" means
	// DefaultFailedPath(From). A dry run writes no file.
	FailedPath string
	DryRun     bool

	Concurrency int           // requests in flight at most; default 8
	MaxAttempts int           // attempts per request on transient failures; default 5
	RetryWait   time.Duration // the first pause between attempts, doubling; default 250ms
	Now         func() time.Time

	// Events, when set, receives every row's result from the goroutine
	// that called Run, in completion order (for a progress bar).
	Events func(Result)
}

// Summary counts the outcomes of a run.
type Summary struct {
	Rows           int
	Revoked        int
	AlreadyRevoked int
	Expired        int
	WouldRevoke    int
	Refused        int
	Failed         int
	Unprocessed    int    // rows not handled because the run stopped early
	FailedPath     string // where the refused and failed rows are, when there are any
	Elapsed        time.Duration
}

// Partial reports rows that were refused, failed or left unprocessed: the
// command exits 5.
func (s Summary) Partial() bool { return s.Refused+s.Failed+s.Unprocessed > 0 }

// maxGroup bounds the rows of one user handled as one job, so that a file
// naming one user a million times still streams.
const maxGroup = 500

// job is the rows of one user that follow each other in the input (every
// axero output lists a user's tokens together), checked with one listing;
// or a single row that names no user or could not be read.
type job struct {
	userID int64
	items  []Item
}

// Run checks that the caller may revoke other users' tokens (a
// *bulk.NotPermittedError otherwise, before anything changes), then
// handles every row. A 401 or 403 later stops the run and is returned;
// every other failure is the row's. After ctx is cancelled the requests in
// flight finish and Run returns ctx's error; rows not reached count as
// Unprocessed and are not written to the failed file (a re-run does them).
func Run(ctx context.Context, o Options) (Summary, error) {
	start := time.Now()
	var sum Summary
	if o.API == nil || o.From == "" {
		return sum, errors.New("bulkrevoke: API and From are required")
	}
	o.defaults()
	if _, err := bulk.RequireImpersonator(ctx, o.API, "revoke other users' tokens"); err != nil {
		return sum, err
	}
	in, err := Open(o.From)
	if err != nil {
		return sum, err
	}
	defer func() { _ = in.Close() }()
	var fw *failedWriter
	if !o.DryRun {
		if o.FailedPath == "" {
			o.FailedPath = DefaultFailedPath(o.From)
		}
		if fw, err = newFailedWriter(o.FailedPath, in); err != nil {
			return sum, err
		}
	}
	r := &runner{o: o, slots: bulk.NewSlots(o.Concurrency), now: o.Now()}
	dispatch, stop := context.WithCancel(ctx)
	defer stop()
	// Requests already sent are seen through after a Ctrl-C.
	work := context.WithoutCancel(ctx)
	jobs := make(chan job, o.Concurrency)
	var readErr error
	go func() {
		defer close(jobs)
		readErr = r.read(dispatch, in, jobs)
	}()
	results := bulk.Pool(o.Concurrency, jobs, func(j job) []result {
		if dispatch.Err() != nil {
			return unprocessed(j)
		}
		return r.handle(dispatch, work, j)
	})

	var fatal error
	for batch := range results {
		for _, res := range batch {
			sum.Rows++
			if res.fatal != nil {
				if fatal == nil {
					fatal = res.fatal
					stop()
				}
				res.Outcome = unprocessedOutcome
			}
			switch res.Outcome {
			case Revoked:
				sum.Revoked++
			case AlreadyRevoked:
				sum.AlreadyRevoked++
			case Expired:
				sum.Expired++
			case WouldRevoke:
				sum.WouldRevoke++
			case Refused, Failed:
				if res.Outcome == Refused {
					sum.Refused++
				} else {
					sum.Failed++
				}
				if fw != nil && fatal == nil {
					if err := fw.write(res.Item, res.Reason); err != nil {
						fatal = err
						stop()
					}
				}
			case unprocessedOutcome:
				sum.Unprocessed++
				continue
			}
			if o.Events != nil {
				o.Events(res.Result)
			}
		}
	}
	if fatal == nil {
		fatal = readErr
	}
	if fw != nil {
		if fatal != nil && fw.count == 0 {
			fw.discard()
		} else if err := fw.close(); err != nil && fatal == nil {
			fatal = err
		}
		if fw.count > 0 {
			sum.FailedPath = fw.path
		}
	}
	sum.Elapsed = time.Since(start)
	if fatal == nil && ctx.Err() != nil {
		fatal = ctx.Err()
	}
	return sum, fatal
}

func (o *Options) defaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.RetryWait <= 0 {
		o.RetryWait = 250 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// unprocessedOutcome marks a row the run stopped before; it is never
// reported to Events.
const unprocessedOutcome Outcome = -1

// result is a Result plus an error that must stop the run.
type result struct {
	Result
	fatal error
}

func unprocessed(j job) []result {
	out := make([]result, len(j.items))
	for i, it := range j.items {
		out[i] = result{Result: Result{Item: it, Outcome: unprocessedOutcome}}
	}
	return out
}

// read groups the input into jobs: consecutive readable rows of the same
// user make one job; any other row is a job of its own.
func (r *runner) read(ctx context.Context, in *Reader, jobs chan<- job) error {
	var cur job
	send := func() bool {
		if len(cur.items) == 0 {
			return true
		}
		select {
		case jobs <- cur:
			cur = job{}
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		it, err := in.Next()
		if errors.Is(err, io.EOF) {
			send()
			return nil
		}
		if err != nil {
			send()
			return err
		}
		groupable := it.Err == nil && it.UserID != 0
		if !groupable || it.UserID != cur.userID || len(cur.items) >= maxGroup {
			if !send() {
				return nil
			}
		}
		cur.userID = it.UserID
		if !groupable {
			cur.userID = 0
		}
		cur.items = append(cur.items, it)
		if !groupable && !send() {
			return nil
		}
	}
}

// runner is one run's shared state.
type runner struct {
	o     Options
	slots bulk.Slots
	now   time.Time
}

func (r *runner) retry(ctx context.Context, do func(context.Context) error) error {
	return r.slots.Retry(ctx, r.o.MaxAttempts, r.o.RetryWait, do)
}

// handle checks and revokes the rows of one job.
func (r *runner) handle(dispatch, work context.Context, j job) []result {
	out := make([]result, 0, len(j.items))
	var owned map[int64]client.Token // the user's current tokens
	var listErr error
	if j.userID != 0 {
		owned, listErr = r.listUser(work, j.userID)
		if listErr != nil && client.IsAuth(listErr) {
			for _, it := range j.items {
				out = append(out, result{Result: Result{Item: it}, fatal: listErr})
			}
			return out
		}
	}
	for _, it := range j.items {
		if it.Err != nil {
			out = append(out, result{Result: Result{Item: it, Outcome: Failed, Reason: it.Err.Error()}})
			continue
		}
		if dispatch.Err() != nil {
			out = append(out, result{Result: Result{Item: it, Outcome: unprocessedOutcome}})
			continue
		}
		if listErr != nil && !client.IsNotFound(listErr) {
			out = append(out, result{Result: Result{Item: it, Outcome: Failed,
				Reason: "listing the tokens of UserID " + idText(j.userID) + " failed: " + oneLine(listErr)}})
			continue
		}
		out = append(out, r.handleItem(work, it, owned))
	}
	return out
}

// handleItem decides one row. owned is its user's token list (nil when the
// row names no user, or the user does not exist).
func (r *runner) handleItem(ctx context.Context, it Item, owned map[int64]client.Token) result {
	res := func(o Outcome, reason string) result {
		return result{Result: Result{Item: it, Outcome: o, Reason: reason}}
	}
	fail := func(what string, err error) result {
		if client.IsAuth(err) {
			return result{Result: Result{Item: it}, fatal: err}
		}
		return res(Failed, what+": "+oneLine(err))
	}
	tok, listed := owned[it.TokenID]
	if listed && tok.UserID != 0 && tok.UserID != it.UserID {
		// The owner's list says the token is someone else's: trust
		// neither, revoke nothing.
		return res(Refused, fmt.Sprintf("the token list of UserID %d holds token %d as UserID %d's; not revoked", it.UserID, it.TokenID, tok.UserID))
	}
	if !listed {
		// Not in the owner's list (or no owner given): either it is gone,
		// or it is someone else's. Only the token itself can tell.
		var t *client.Token
		err := r.retry(ctx, func(ctx context.Context) (err error) {
			t, err = r.o.API.GetToken(ctx, it.TokenID)
			return err
		})
		if client.IsNotFound(err) {
			return res(AlreadyRevoked, "")
		}
		if err != nil {
			return fail("checking token "+idText(it.TokenID), err)
		}
		if it.UserID != 0 && t.UserID != it.UserID {
			return res(Refused, fmt.Sprintf("token %d belongs to UserID %d, not to UserID %d as the row says; not revoked", it.TokenID, t.UserID, it.UserID))
		}
		tok = *t
	}
	if tok.Expired(r.now) {
		return res(Expired, "")
	}
	if r.o.DryRun {
		return res(WouldRevoke, "")
	}
	err := r.retry(ctx, func(ctx context.Context) error { return r.o.API.RevokeToken(ctx, it.TokenID) })
	if client.IsNotFound(err) {
		// Gone since it was checked: revoked by an attempt whose answer
		// was lost, or by someone else. Either way it is done.
		return res(AlreadyRevoked, "")
	}
	if err != nil {
		return fail("revoking token "+idText(it.TokenID), err)
	}
	return res(Revoked, "")
}

// listUser lists every token of a user, page by page, keyed by TokenID.
func (r *runner) listUser(ctx context.Context, userID int64) (map[int64]client.Token, error) {
	out := map[int64]client.Token{}
	for p := 1; ; p++ {
		var page client.Page[client.Token]
		err := r.retry(ctx, func(ctx context.Context) (err error) {
			page, err = r.o.API.ListUserTokens(ctx, userID, p, client.MaxPageSize)
			return err
		})
		if err != nil {
			return nil, err
		}
		added := 0
		for _, t := range page.Items {
			if _, dup := out[t.TokenID]; !dup {
				out[t.TokenID] = t
				added++
			}
		}
		if added == 0 || len(page.Items) < client.MaxPageSize || p*client.MaxPageSize >= page.TotalRecords {
			return out, nil
		}
	}
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }
