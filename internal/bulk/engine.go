// Package bulk mints impersonation tokens for many users from a CSV file,
// safely: every token minted is either recorded in the output file or
// revoked, no user ends up with two live tokens from one run, and a run
// killed at any point can be resumed.
//
// The flow is a pipeline. One goroutine reads the input row by row; a pool
// of preparers looks users up, checks each row and records its intent in
// the journal; a pool of minters sends the creates and reconciles lost
// answers; one writer goroutine (the caller of Run) records each outcome,
// so the output and the failed file each have a single writer. Channels
// between the stages are bounded, so memory stays flat however long the
// input is: the only state kept per row is the set of users already seen,
// needed to refuse duplicates.
package bulk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/axero-cli/axero/client"
)

// API is the part of the client that bulk minting uses. *client.Client
// satisfies it.
type API interface {
	CreateUserToken(ctx context.Context, userID int64, req client.CreateTokenRequest) (*client.CreatedToken, error)
	ListAllUserTokens(ctx context.Context, userID int64) ([]client.Token, error)
	RevokeToken(ctx context.Context, tokenID int64) error
}

// Resolver turns a user as given (UserID, email or user name) into a user.
type Resolver interface {
	Resolve(ctx context.Context, user string) (*client.User, error)
}

// ExpiryFunc turns a row's expires value ("" for none) into the
// ExpiresInMinutes to send, checking it against the site's policy.
type ExpiryFunc func(expires string, now time.Time) (*int64, error)

// Event is reported once per row as its outcome is recorded.
type Event int

// Row outcomes.
const (
	EventMinted  Event = iota // a token was minted and recorded
	EventFailed               // the row went to the failed file
	EventSkipped              // --resume: the user already has a record
	EventPlanned              // --dry-run: the row would be minted
)

// Options configure a run.
type Options struct {
	API      API
	Resolver Resolver
	Input    *Input // its header already read
	OutPath  string // the output file; unused by a dry run
	Resume   bool
	DryRun   bool
	Plan     io.Writer // a dry run writes what it would do here, as CSV

	Name     string        // a name for every row without its own
	Template *NameTemplate // else each name comes from this template
	Expiry   ExpiryFunc

	Concurrency int   // workers; default 8
	AdminID     int64 // the caller; only its impersonation tokens are ever revoked

	// MaxAttempts bounds the creates sent for one row; default 4.
	MaxAttempts int
	// SettleDelay is waited before listing a user's tokens after a lost
	// answer, so that a create still being processed shows up.
	SettleDelay time.Duration
	// RowTimeout bounds the requests of one row. They do not stop at the
	// first Ctrl-C: a create in flight must be seen through and recorded.
	RowTimeout time.Duration
	// RetryBackoff is the first pause after a row was rate limited
	// through all of the client's own retries; it doubles each time.
	RetryBackoff time.Duration

	// RecheckSince, when set, makes a resume check every user's tokens
	// created since then before minting, as it does by itself when the
	// journal cannot be trusted. It is also the only way to resume an
	// output whose journal and lock file are both gone.
	RecheckSince time.Time

	Now    func() time.Time
	Events func(Event) // called from the writer goroutine only
	// Warn is told, once and in one line, why a resume checks every
	// user's tokens before minting. Print it on stderr.
	Warn func(msg string)
}

// Summary is what a run did.
type Summary struct {
	Minted      int
	Skipped     int
	Failed      int
	Planned     int
	Revoked     int  // tokens whose answer was lost, revoked
	Reconciled  int  // unfinished creates of an earlier run settled by --resume
	Rechecked   int  // users whose tokens were checked before minting (an untrusted journal)
	Unprocessed int  // rows read but not minted because the run stopped early
	Interrupted bool // the context was cancelled (Ctrl-C)
	Elapsed     time.Duration
	FailedPath  string // where failed rows went, when any did
	OutPath     string
}

// Engine runs one bulk mint. Create it with New, then call Run once.
type Engine struct {
	o     Options
	start time.Time
	date  string

	out     *OutputWriter
	journal *Journal
	failed  *FailedWriter
	done    *doneSet
	lock    *RunLock
	recheck *recheckPlan // set when a resume cannot trust the journal

	claimMu sync.Mutex
	claimed map[int64]int // UserID → the line that took it; a line number costs less than the string

	revoked   atomic.Int64
	rechecked atomic.Int64

	inflightMu sync.Mutex
	inflight   map[int]string // worker → what it is waiting for

	fatalMu sync.Mutex
	fatal   error
	stop    context.CancelFunc

	sum Summary
}

// New checks the options and fills in defaults.
func New(o Options) (*Engine, error) {
	if o.Input == nil || o.Expiry == nil {
		return nil, errors.New("bulk: Input and Expiry are required")
	}
	if !o.DryRun && o.OutPath == "" {
		return nil, errors.New("--out is required")
	}
	if o.Name == "" && o.Template == nil {
		t, err := ParseNameTemplate(DefaultNameTemplate)
		if err != nil {
			return nil, err
		}
		o.Template = t
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 4
	}
	if o.SettleDelay == 0 {
		o.SettleDelay = 250 * time.Millisecond
	}
	if o.RowTimeout == 0 {
		o.RowTimeout = 5 * time.Minute
	}
	if o.RetryBackoff == 0 {
		o.RetryBackoff = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Events == nil {
		o.Events = func(Event) {}
	}
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	return &Engine{o: o, claimed: map[int64]int{}, inflight: map[int]string{}, done: newDoneSet()}, nil
}

// JournalPath and FailedPath are the files kept beside the output.
func JournalPath(out string) string { return out + ".journal" }
func FailedPath(out string) string  { return out + ".failed.csv" }

// InFlight describes what the workers are waiting for right now, for the
// message a second Ctrl-C prints.
func (e *Engine) InFlight() []string {
	e.inflightMu.Lock()
	defer e.inflightMu.Unlock()
	out := make([]string, 0, len(e.inflight))
	for _, s := range e.inflight {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func (e *Engine) setInFlight(worker int, what string) {
	e.inflightMu.Lock()
	if what == "" {
		delete(e.inflight, worker)
	} else {
		e.inflight[worker] = what
	}
	e.inflightMu.Unlock()
}

// fail records the first error that must stop the run and stops dispatch.
func (e *Engine) fail(err error) {
	e.fatalMu.Lock()
	defer e.fatalMu.Unlock()
	if e.fatal == nil {
		e.fatal = err
		e.stop()
	}
}

// fatalErr is the error that stopped the run, or nil.
func (e *Engine) fatalErr() error {
	e.fatalMu.Lock()
	defer e.fatalMu.Unlock()
	return e.fatal
}

// Run processes every row. It returns when all rows are handled or, after
// ctx is cancelled or a fatal error, when the requests in flight have
// finished and their tokens are recorded. The Summary is valid in every
// case; the error is the fatal one, if any (a permission error, an output
// file that cannot be written).
func (e *Engine) Run(ctx context.Context) (Summary, error) {
	e.start = e.o.Now()
	e.date = e.start.UTC().Format(time.DateOnly)
	e.sum.OutPath = e.o.OutPath
	// Requests already sent must be seen through after a Ctrl-C: they run
	// under a context that the signal does not cancel.
	work := context.WithoutCancel(ctx)
	dispatch, stop := context.WithCancel(ctx)
	defer stop()
	e.stop = stop

	if !e.o.DryRun {
		if err := e.openFiles(); err != nil {
			return e.finish(ctx), err
		}
		defer e.closeFiles(true)
		if err := e.reconcilePending(work); err != nil {
			return e.finish(ctx), err
		}
	}

	rows := make(chan Row, e.o.Concurrency)
	jobs := make(chan mintJob, e.o.Concurrency)
	results := make(chan result, 2*e.o.Concurrency)
	var preparers, all sync.WaitGroup
	all.Add(1)
	go func() {
		defer all.Done()
		e.read(dispatch, rows, results)
	}()
	// Preparers look users up and record intents; minters send the
	// creates. Each stage has Concurrency goroutines, worker numbers
	// 0..2*Concurrency-1 for InFlight.
	for w := 0; w < e.o.Concurrency; w++ {
		preparers.Add(1)
		go func(w int) {
			defer preparers.Done()
			for row := range rows {
				if dispatch.Err() != nil {
					results <- result{kind: resUnprocessed, row: row}
					continue
				}
				job, res := e.prepare(dispatch, w, row)
				if res != nil {
					results <- *res
					continue
				}
				jobs <- job
			}
		}(w)
	}
	go func() {
		preparers.Wait()
		close(jobs)
	}()
	for w := 0; w < e.o.Concurrency; w++ {
		all.Add(1)
		go func(w int) {
			defer all.Done()
			for job := range jobs {
				if dispatch.Err() != nil {
					// Its intent is recorded but nothing was sent.
					results <- result{kind: resUnprocessed, row: job.row, userID: job.userID, name: job.name, settled: true}
					continue
				}
				rowCtx, cancel := context.WithTimeout(work, e.o.RowTimeout)
				if res, ok := e.recheckUser(rowCtx, e.o.Concurrency+w, job); !ok {
					results <- res
				} else {
					results <- e.mint(dispatch, rowCtx, e.o.Concurrency+w, job)
				}
				cancel()
			}
		}(w)
	}
	go func() {
		all.Wait()
		close(results)
	}()
	e.write(work, results)
	sum := e.finish(ctx)
	return sum, e.fatalErr()
}

func (e *Engine) finish(ctx context.Context) Summary {
	e.sum.Revoked = int(e.revoked.Load())
	e.sum.Rechecked = int(e.rechecked.Load())
	e.sum.Elapsed = e.o.Now().Sub(e.start)
	e.sum.Interrupted = ctx.Err() != nil
	if e.failed != nil && e.failed.Count() > 0 {
		e.sum.FailedPath = e.failed.Path()
	}
	return e.sum
}

// read sends each row to the workers, or straight to the writer when it
// can be decided without the server: unreadable rows, empty users,
// duplicates and, with --resume, users already done.
func (e *Engine) read(ctx context.Context, jobs chan<- Row, results chan<- result) {
	defer close(jobs)
	seen := map[string]int{} // user key → the line it first appeared on
	for {
		if ctx.Err() != nil {
			return
		}
		row, err := e.o.Input.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			e.fail(err)
			return
		}
		if row.Err != nil {
			results <- failedRow(row, row.Err.Error())
			continue
		}
		if row.User == "" {
			results <- failedRow(row, "the user column is empty")
			continue
		}
		key := UserKey(row.User)
		if first, dup := seen[key]; dup {
			results <- failedRow(row, fmt.Sprintf("user %s is listed twice (first on line %d)", briefQuote(row.User), first))
			continue
		}
		seen[key] = row.Line
		if _, ok := e.done.keys[key]; ok {
			results <- result{kind: resSkipped, row: row}
			continue
		}
		select {
		case jobs <- row:
		case <-ctx.Done():
			results <- result{kind: resUnprocessed, row: row}
			return
		}
	}
}
