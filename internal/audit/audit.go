// Package audit scans the tokens of every user of a site (or of the users
// in a CSV file) and reports those that match findings: stale, expiring,
// never expiring, expired, minted by an administrator. It is an operation
// on the bulk runner (internal/job): the reader pages through the users
// list (or reads the CSV) while the workers list each user's tokens, so
// the user pages overlap the token listing, and the client's limiter
// bounds the requests of both. Results stream to the caller one user at a
// time; nothing holds all users or all tokens, so memory stays flat
// however large the site.
package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// API is the part of the client an audit uses.
type API interface {
	resolve.UserLookup
	ListAllUserTokens(ctx context.Context, userID int64) ([]client.Token, error)
}

// Options configure an audit. Progress hears the number of users once it
// is known, then each user: the rows it reported (good) and whether it
// failed (bad).
type Options struct {
	job.Common
	API      API
	Criteria Criteria
	// Users, when set, restricts the scan to the users of a CSV file with
	// a "user" column (a UserID, an email or a user name, as for
	// create-for-user). Nil scans every user of the site.
	Users *tokenfile.Users

	// Emit receives each reported row, from the collecting goroutine, a
	// user's rows together, users in completion order. An error stops
	// the scan and is returned by Run.
	Emit func(Row) error
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
	// Incomplete says why the users list could not be read to its end
	// ("" when it was, or when the audit scanned a CSV's users): the
	// command exits 5.
	Incomplete string
	Elapsed    time.Duration
}

// Run resolves Criteria.CreatedBy, then scans and reports. A 401 or 403
// during the scan stops it and is returned; any other failure for one
// user lands in Summary.Failed. After ctx is cancelled Run returns ctx's
// error with what was found so far.
func Run(run *job.Run, o Options) (Summary, error) {
	if o.API == nil || o.Emit == nil {
		return Summary{}, errors.New("audit: API and Emit are required")
	}
	o.Common = o.OrDefault()
	sum := Summary{Counts: map[Finding]int{}}
	s := &scan{o: o, run: run, names: newNameCache()}
	s.match = matcher{Criteria: o.Criteria, now: o.Now()}
	if c := o.Criteria.CreatedBy; c != "" {
		ctx := run.Dispatch()
		var admin *client.User
		err := o.Retry.Do(ctx, func() (err error) {
			admin, err = resolve.User(ctx, o.API, c)
			return err
		})
		if err != nil {
			return sum, fmt.Errorf("--created-by %s: %w", c, err)
		}
		s.match.createdByID = admin.UserID
		s.names.put(admin.UserID, admin.UserName)
	}
	job.Pipeline(run, o.Workers, s.feed, s.scanUser, func(r userResult) {
		if r.skip || run.Stopped() {
			return // drain: the workers stop on the stopped run
		}
		if r.failed != nil {
			sum.Failed = append(sum.Failed, *r.failed)
			o.Progress.Step(0, 1)
			return
		}
		sum.Users++
		sum.Tokens += r.tokens
		for _, row := range r.rows {
			if err := o.Emit(row); err != nil {
				run.Fail(err)
				return
			}
			sum.Reported++
			for _, f := range row.Findings {
				sum.Counts[f]++
			}
		}
		o.Progress.Step(len(r.rows), 0)
	})
	sum.Elapsed = run.Elapsed()
	sum.Incomplete = s.incomplete
	err := run.Err()
	if err == nil && run.Interrupted() {
		err = context.Canceled
	}
	return sum, err
}
