// Package audit scans the tokens of every user of a site (or of the users
// in a CSV file) and reports those that match findings: stale, expiring,
// never expiring, expired, minted by an administrator.
//
// The scan is a pipeline whose every request takes one of Concurrency
// slots: one goroutine pages through the users list while a pool of
// workers lists each user's tokens, so the user pages overlap the token
// listing and the slots never idle. Results stream to the caller one user
// at a time; nothing holds all users or all tokens, so memory stays flat
// however large the site. All requests share the client's rate-limit pause
// and transient failures are retried with bounded backoff.
package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/bulk"
	"github.com/axero-cli/axero/internal/resolve"
)

// API is the part of the client an audit uses. *client.Client satisfies it.
type API interface {
	bulk.Me
	resolve.UserLookup
	ListUserTokens(ctx context.Context, userID int64, startPage, pageSize int) (client.Page[client.Token], error)
}

// Options configure an audit.
type Options struct {
	API      API
	Criteria Criteria
	// Users, when set, restricts the scan to the users of a CSV file with
	// a "user" column (a UserID, an email or a user name, as for
	// create-for-user). Nil scans every user of the site.
	Users *bulk.Input

	Concurrency int           // requests in flight at most; default 8
	MaxAttempts int           // attempts per request on transient failures; default 5
	RetryWait   time.Duration // the first pause between attempts, doubling; default 250ms
	Now         func() time.Time

	// Emit receives each reported row, from the goroutine that called Run,
	// a user's rows together, users in completion order. An error stops
	// the scan and is returned by Run.
	Emit func(Row) error
	// Progress, when set, is called from the same goroutine after each
	// user: users done (scanned or failed) and, when known, the total.
	Progress func(Progress)
}

// Progress is how far a scan is.
type Progress struct {
	Done   int // users scanned or failed
	Total  int // users to scan; 0 while unknown (a CSV being read)
	Failed int
}

// FailedUser is a user that could not be scanned. A command exits 5 when
// there are any and lists them.
type FailedUser struct {
	User   string // as given (CSV) or the user name (directory)
	UserID int64  // 0 when the user could not be found
	Reason string
}

// Summary is what a scan found.
type Summary struct {
	Users    int // users scanned
	Tokens   int // tokens looked at
	Reported int // rows emitted
	Counts   map[Finding]int
	Failed   []FailedUser
	Elapsed  time.Duration
}

func (o *Options) defaults() error {
	if o.API == nil || o.Emit == nil {
		return errors.New("audit: API and Emit are required")
	}
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
	if o.Progress == nil {
		o.Progress = func(Progress) {}
	}
	return nil
}

// Run scans and reports. It first checks that the caller can list other
// users' tokens (a *bulk.NotPermittedError otherwise) and resolves
// Criteria.CreatedBy. A 401 or 403 during the scan stops it and is
// returned; any other failure for one user lands in Summary.Failed. After
// ctx is cancelled Run returns ctx's error with what was found so far.
func Run(ctx context.Context, o Options) (Summary, error) {
	if err := o.defaults(); err != nil {
		return Summary{}, err
	}
	start := time.Now()
	sum := Summary{Counts: map[Finding]int{}}
	if _, err := bulk.RequireImpersonator(ctx, o.API, "list other users' tokens"); err != nil {
		return sum, err
	}
	s := &scan{o: o, slots: bulk.NewSlots(o.Concurrency), names: newNameCache()}
	s.match = matcher{Criteria: o.Criteria, now: o.Now()}
	if c := o.Criteria.CreatedBy; c != "" {
		var admin *client.User
		err := s.retry(ctx, func(ctx context.Context) (err error) {
			admin, err = resolve.User(ctx, o.API, c)
			return err
		})
		if err != nil {
			return sum, fmt.Errorf("--created-by %s: %w", c, err)
		}
		s.match.createdByID = admin.UserID
		s.names.put(admin.UserID, admin.UserName)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Room for a page of users beyond what the workers are busy with, so
	// that the next page is fetched while the last one is still being
	// worked through: the pager is never what the workers wait for.
	users := make(chan userJob, client.MaxPageSize+o.Concurrency)
	total := make(chan int, 1)
	go s.feed(ctx, users, total)
	results := bulk.Pool(o.Concurrency, users, func(j userJob) userResult { return s.scanUser(ctx, j) })

	var fatal error
	p := Progress{}
	for r := range results {
		select {
		case t := <-total:
			p.Total = t
		default:
		}
		if fatal != nil {
			continue // drain: the workers stop on the cancelled context
		}
		if r.fatal != nil {
			fatal = r.fatal
			cancel()
			continue
		}
		if r.skip {
			continue
		}
		p.Done++
		if r.failed != nil {
			p.Failed++
			sum.Failed = append(sum.Failed, *r.failed)
			o.Progress(p)
			continue
		}
		sum.Users++
		sum.Tokens += r.tokens
		for _, row := range r.rows {
			if err := o.Emit(row); err != nil {
				fatal = err
				cancel()
				break
			}
			sum.Reported++
			for _, f := range row.Findings {
				sum.Counts[f]++
			}
		}
		o.Progress(p)
	}
	if fatal == nil {
		fatal = s.feedErr
	}
	sum.Elapsed = time.Since(start)
	if fatal == nil && ctx.Err() != nil {
		fatal = ctx.Err()
	}
	return sum, fatal
}
