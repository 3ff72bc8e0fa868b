// Package renew renews many impersonation tokens at once from a file that
// create-for-user or an earlier renewal wrote. Each old token is replaced
// by a new one for the same user; the replacement's secret is on disk in
// the new file before the old token is revoked, so that every user has a
// working token whose secret is on disk at every instant. A journal beside
// the new file makes a run killed at any point finish with Resume, and a
// create whose answer was lost is settled by the same reconciliation as
// bulk minting: never minted blindly twice.
//
// Files, all mode 0600, written by internal/bulk's safe-file rules (never
// through a symbolic link, never a file with other hard links, new files
// created exclusively; Resume refuses a NEW that others can read):
//   - OLD (--from): JSON Lines or CSV (by the .csv extension) with the
//     bulk output's fields user, UserID, TokenID, name, expiry, token.
//     Only UserID and TokenID are required; other columns are ignored.
//     CSV cells that bulk neutralised for spreadsheets are read back as
//     they were (textsafe.CSVUncell).
//   - NEW (--out): the same format, chosen by its own extension, written
//     by bulk.OutputWriter (CSV cells neutralised): one record per
//     replacement and one per token copied unchanged, so it can be renewed
//     in turn. Never overwritten; Resume appends after the last complete
//     record.
//   - NEW.lock: bulk's run lock, held for the whole run, so that two runs
//     never renew into one NEW; it also seals the journal of a run that
//     ended cleanly.
//   - NEW.journal: bulk's self-checking journal with this package's
//     operations (see journal.go); never a secret. A resume that cannot
//     trust it (missing, damaged, cut, left by a killed run) checks each
//     user's tokens before renewing (recheck.go); a foreign one is refused.
//   - NEW.failed.csv: the OLD records that failed, as CSV with the output's
//     columns plus reason, cells neutralised. It holds the old secrets so
//     that it can be fed back as OLD once the cause is fixed. A record
//     whose replacement is in NEW but whose old token could not be revoked
//     is not failed: Resume revokes it (Summary.RevokePending).
package renew

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/bulk"
	"github.com/axero-cli/axero/internal/expiry"
)

// API is the part of the client that renewal uses. *client.Client
// satisfies it.
type API interface {
	bulk.API // CreateUserToken, ListAllUserTokens, RevokeToken
	Me(ctx context.Context) (*client.User, error)
	Policy(ctx context.Context) (*client.Policy, error)
	GetUser(ctx context.Context, userID int64) (*client.User, error)
}

// Options configure a renewal.
type Options struct {
	API  API
	From string // OLD: the file to renew (JSON Lines or .csv); read twice, so not standard input
	Out  string // NEW: created with mode 0600, never overwritten; unused by a dry run

	// Expires is the --expires value for every replacement ("30d",
	// "2027-01-31", "never"). "" gives each replacement its old token's
	// lifetime (expiry less creation), counted from the renewal and
	// brought within the site's current policy: a token minted for 90
	// days is renewed for 90 days.
	Expires string
	// IfExpiringWithin renews only the tokens that expire within it (or
	// have expired); the others are copied unchanged into NEW. 0 renews
	// every token.
	IfExpiringWithin time.Duration
	// NameTemplate names the replacements (bulk.NameTemplate's fields);
	// "" keeps each old token's current name.
	NameTemplate string

	Concurrency int // requests in flight (twice as many records); default 8
	Resume      bool
	DryRun      bool
	Plan        io.Writer // a dry run writes its plan here, as CSV

	// Progress is called after each record's outcome, never concurrently.
	Progress func(Progress)
	Now      func() time.Time

	// MaxAttempts bounds the mints sent for one record and the attempts of
	// each idempotent request; default 4.
	MaxAttempts int
	// RetryBackoff is the first pause after a request failed through the
	// client's own retries; it doubles each time. Default 2s.
	RetryBackoff time.Duration
	// SettleDelay is waited before listing a user's tokens after a lost
	// answer, so that a create still in progress shows up. Default 250ms.
	SettleDelay time.Duration
	// Warn is told, once and in one line, why a resume checks every
	// user's tokens before renewing (a journal it cannot trust).
	Warn func(msg string)
	// RecordTimeout bounds the requests of one record. They do not stop at
	// Ctrl-C: a mint in flight is seen through, recorded and its old token
	// revoked. Default 5m.
	RecordTimeout time.Duration
}

// Event is a record's outcome, reported through Options.Progress.
type Event int

// Record outcomes. In a dry run they say what would happen.
const (
	EventRenewed     Event = iota // replaced, recorded in NEW, old revoked (or its revoke left to Resume)
	EventCopied                   // not due: copied unchanged into NEW
	EventFailed                   // written to the failed file
	EventAlreadyDone              // Resume: an earlier run handled it
)

// Progress is one step of a run.
type Progress struct {
	Event Event
	Done  int // records with an outcome so far
	Total int // records in OLD
}

// Summary is what a run did. In a dry run, Renewed, Copied and Failed are
// what it would have done.
type Summary struct {
	Total         int // records in OLD
	Renewed       int // replacements recorded in NEW in this run
	Copied        int // copied unchanged
	Failed        int // written to the failed file
	AlreadyDone   int // Resume: records an earlier run had finished
	Revoked       int // old tokens revoked in this run (earlier runs' renewals included)
	RevokePending int // renewed, but revoking the old token failed: run again with Resume
	LostRevoked   int // minted tokens whose answer was lost, revoked
	Reconciled    int // unfinished intents of an earlier run settled by Resume
	Unprocessed   int // records not handled because the run stopped early
	Interrupted   bool
	DryRun        bool
	Elapsed       time.Duration
	OutPath       string
	FailedPath    string // where failed records went, when any did
}

// FailedPath and JournalPath are the files kept beside NEW.
func FailedPath(out string) string  { return out + ".failed.csv" }
func JournalPath(out string) string { return bulk.JournalPath(out) }

// UsageError is a problem with the options or with OLD as a whole:
// nothing was done. The command maps it to exit 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usage marks the error for the exit-code mapping.
func (e *UsageError) Usage() bool { return true }

func usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ParseWithin reads an --if-expiring-within value with the same forms as
// --expires durations and dates ("30d", "12w", "2027-01-31"), as a
// duration from now.
func ParseWithin(s string, now time.Time) (time.Duration, error) {
	spec, err := expiry.Parse(s, now)
	if err != nil || spec.Default || spec.Never {
		return 0, usagef("invalid --if-expiring-within %q: use a duration such as 30d or 12w, or a date", s)
	}
	return spec.At.Sub(now), nil
}

var errNoAPI = errors.New("renew: Options.API is required")

// withDefaults checks the options that need no server and fills defaults.
func (o Options) withDefaults() (Options, error) {
	if o.API == nil {
		return o, errNoAPI
	}
	if o.From == "" {
		return o, usagef("--from is required")
	}
	if !o.DryRun && o.Out == "" {
		return o, usagef("--out is required (or --dry-run)")
	}
	if o.Resume && o.DryRun {
		return o, usagef("--resume and --dry-run cannot be used together")
	}
	if o.IfExpiringWithin < 0 {
		return o, usagef("--if-expiring-within must not be negative")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 4
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = 2 * time.Second
	}
	if o.SettleDelay <= 0 {
		o.SettleDelay = 250 * time.Millisecond
	}
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	if o.RecordTimeout <= 0 {
		o.RecordTimeout = 5 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Progress == nil {
		o.Progress = func(Progress) {}
	}
	return o, nil
}
