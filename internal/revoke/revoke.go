// Package revoke revokes the tokens listed in a token file: any axero
// output with token IDs (create-for-user's JSON Lines or CSV, a renewal's
// output, the audit's CSV or JSON) or a plain CSV with a TokenID column
// and optionally UserID. It is an operation on the bulk runner
// (internal/job) without the durable layer: revoking is idempotent, so a
// run stopped anywhere is finished by running it again.
//
// Each token is checked against its owner's current token list first (one
// listing per user, however many of its tokens the file names), so that a
// mixed-up file cannot revoke someone else's token: a row whose token
// belongs to another user than it says is refused. Tokens already revoked
// or expired count as done.
package revoke

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// API is the part of the client bulk revoke uses.
type API interface {
	ListAllUserTokens(ctx context.Context, userID int64) ([]client.Token, error)
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
	unprocessed                   // the run stopped before it; never reported
)

func (o Outcome) String() string {
	return [...]string{"revoked", "already revoked", "expired", "would revoke", "refused", "failed", "not reached"}[o]
}

// Result is one row's outcome, reported through Options.Problem.
type Result struct {
	Entry   tokenfile.Entry
	Outcome Outcome
	Reason  string // for Refused and Failed
}

// Options configure a run. Progress hears each row: done (good),
// refused or failed (bad).
type Options struct {
	job.Common
	API  API
	From string // the input file
	// FailedPath is where failed and refused rows go; "" means
	// DefaultFailedPath(From). A dry run writes no file.
	FailedPath string
	DryRun     bool
	// Problem, when set, hears every refused or failed row, from the
	// collecting goroutine.
	Problem func(Result)
	// Last is the token the run itself authenticates with (0: unknown):
	// its rows are handled after every other, since once it is revoked no
	// other request can be made.
	Last int64
}

// Summary counts the outcomes of a run.
type Summary struct {
	job.Core
	Rows           int
	Revoked        int
	AlreadyRevoked int
	Expired        int
	WouldRevoke    int
	Refused        int
	Failed         int
	Unprocessed    int // rows not handled because the run stopped early
}

// Partial reports rows that were refused, failed or left unprocessed: the
// command exits 5.
func (s Summary) Partial() bool { return s.Refused+s.Failed+s.Unprocessed > 0 }

// FailedSuffix names a revocation's failed file: input.revoke-failed.csv.
// It differs from the failed file of a run that writes input
// (input.failed.csv), so that revoking the tokens of create-for-user's
// output never touches that run's failed rows.
const FailedSuffix = ".revoke-failed.csv"

// DefaultFailedPath is where the failed rows of input go: beside it,
// named input.revoke-failed.csv, or the input itself when it already is
// such a file (a re-run refines it).
func DefaultFailedPath(input string) string {
	if strings.HasSuffix(strings.ToLower(input), FailedSuffix) {
		return input
	}
	return input + FailedSuffix
}

// maxGroup bounds the rows of one user handled as one job, so that a file
// naming one user a million times still streams.
const maxGroup = 500

// group is the rows of one user that follow each other in the input
// (every axero output lists a user's tokens together), checked with one
// listing; or a single row that names no user or could not be read.
type group struct {
	userID  int64
	entries []tokenfile.Entry
}

// revocation is one run's state.
type revocation struct {
	o      Options
	run    *job.Run
	now    time.Time
	failed *tokenfile.FailedFile
	secret int // the input's column of token values, blanked in failed rows
	sum    Summary
}

// Run handles every row of the file. A 401 or 403 stops the run and is
// returned; every other failure is the row's. After the run stops (Ctrl-C
// or a fatal error) the requests in flight finish; rows not reached count
// as Unprocessed and are not written to the failed file (a re-run does
// them).
func Run(run *job.Run, o Options) (Summary, error) {
	o.Common = o.OrDefault()
	if o.FailedPath == "" {
		o.FailedPath = DefaultFailedPath(o.From)
	}
	rv := &revocation{o: o, run: run, now: o.Now()}
	in, err := tokenfile.Open(o.From)
	if err != nil {
		return rv.finish(), err
	}
	defer func() { _ = in.Close() }()
	rv.secret = in.SecretColumn()
	if !o.DryRun {
		header := in.Header()
		if header == nil {
			header = []string{"TokenID", "UserID"}
		}
		if rv.failed, err = tokenfile.NewFailedFile(o.FailedPath, header); err != nil {
			return rv.finish(), err
		}
	}
	json := in.Format() != tokenfile.FormatCSV
	collect := func(rs []Result) {
		for _, r := range rs {
			rv.collect(r, json)
		}
	}
	var last []tokenfile.Entry
	job.Pipeline(run, o.Workers, func(send func(group) bool) error {
		return readGroups(in, func(g group) bool {
			if o.Last == 0 {
				return send(g)
			}
			kept := g.entries[:0:0]
			for _, e := range g.entries {
				if e.Err == nil && e.TokenID == o.Last {
					last = append(last, e)
				} else {
					kept = append(kept, e)
				}
			}
			g.entries = kept
			return len(kept) == 0 || send(g)
		})
	}, rv.handle, collect)
	// The run's own token goes last: the requests after it would fail.
	job.Pipeline(run, 1, func(send func(group) bool) error {
		for _, e := range last {
			if !send(group{userID: e.UserID, entries: []tokenfile.Entry{e}}) {
				return nil
			}
		}
		return nil
	}, rv.handle, collect)
	if rv.failed != nil {
		if err := rv.failed.Close(); err != nil {
			run.Fail(err)
		}
	}
	return rv.finish(), run.Err()
}

func (rv *revocation) finish() Summary {
	s := rv.sum
	s.Core = rv.run.Core(rv.failed)
	return s
}

// readGroups groups the input: consecutive readable rows of the same user
// make one group; any other row is a group of its own.
func readGroups(in *tokenfile.Reader, send func(group) bool) error {
	var cur group
	flush := func() bool {
		if len(cur.entries) == 0 {
			return true
		}
		ok := send(cur)
		cur = group{}
		return ok
	}
	for {
		e, err := in.Next()
		if errors.Is(err, io.EOF) {
			flush()
			return nil
		}
		if err != nil {
			flush()
			return err
		}
		groupable := e.Err == nil && e.UserID != 0
		if !groupable || e.UserID != cur.userID || len(cur.entries) >= maxGroup {
			if !flush() {
				return nil
			}
		}
		cur.userID = e.UserID
		if !groupable {
			cur.userID = 0
		}
		cur.entries = append(cur.entries, e)
		if !groupable && !flush() {
			return nil
		}
	}
}

// collect counts one row, writes a refused or failed one to the failed
// file, and reports it.
func (rv *revocation) collect(r Result, json bool) {
	s := &rv.sum
	if r.Outcome == unprocessed {
		s.Rows++
		s.Unprocessed++
		return
	}
	s.Rows++
	switch r.Outcome {
	case Revoked:
		s.Revoked++
	case AlreadyRevoked:
		s.AlreadyRevoked++
	case Expired:
		s.Expired++
	case WouldRevoke:
		s.WouldRevoke++
	case Refused:
		s.Refused++
	case Failed:
		s.Failed++
	}
	if r.Outcome != Refused && r.Outcome != Failed {
		rv.o.Progress.Step(1, 0)
		return
	}
	rv.o.Progress.Step(0, 1)
	if rv.failed != nil && rv.run.Err() == nil {
		fields := []string{tokenfile.ID(r.Entry.TokenID), tokenfile.ID(r.Entry.UserID)}
		if !json {
			fields = append([]string(nil), r.Entry.Fields...)
			if rv.secret >= 0 && rv.secret < len(fields) {
				fields[rv.secret] = "" // revoking needs no secret: keep it out of one more file
			}
		}
		if err := rv.failed.Write(fields, r.Reason); err != nil {
			rv.run.Fail(err)
		}
	}
	if rv.o.Problem != nil {
		rv.o.Problem(r)
	}
}

// handle checks and revokes the rows of one group.
func (rv *revocation) handle(w job.Worker, g group) []Result {
	out := make([]Result, 0, len(g.entries))
	ctx, cancel := w.Bound()
	defer cancel()
	var owned map[int64]client.Token // the user's current tokens
	var listErr error
	if g.userID != 0 && !w.Stopped() {
		w.Doing("listing the tokens of UserID %d", g.userID)
		var tokens []client.Token
		listErr = rv.o.Retry.Do(ctx, func() (err error) {
			tokens, err = rv.o.API.ListAllUserTokens(ctx, g.userID)
			return err
		})
		if client.IsAuth(listErr) {
			rv.run.Fail(listErr)
		}
		owned = make(map[int64]client.Token, len(tokens))
		for _, t := range tokens {
			owned[t.TokenID] = t
		}
	}
	for _, e := range g.entries {
		res := func(o Outcome, reason string) Result { return Result{Entry: e, Outcome: o, Reason: reason} }
		switch {
		case e.Err != nil:
			out = append(out, res(Failed, e.Err.Error()))
		case w.Stopped():
			out = append(out, res(unprocessed, ""))
		case listErr != nil && !client.IsNotFound(listErr):
			out = append(out, res(Failed, fmt.Sprintf("listing the tokens of UserID %d failed: %s", g.userID, textsafe.OneLine(listErr.Error()))))
		default:
			out = append(out, rv.handleEntry(w, ctx, e, owned))
		}
	}
	return out
}

// handleEntry decides one row. owned is its user's token list (nil when
// the row names no user, or the user does not exist).
func (rv *revocation) handleEntry(w job.Worker, ctx context.Context, e tokenfile.Entry, owned map[int64]client.Token) Result {
	res := func(o Outcome, reason string) Result { return Result{Entry: e, Outcome: o, Reason: reason} }
	fail := func(what string, err error) Result {
		if client.IsAuth(err) {
			rv.run.Fail(err)
			return res(unprocessed, "")
		}
		return res(Failed, what+": "+textsafe.OneLine(err.Error()))
	}
	tok, listed := owned[e.TokenID]
	if listed && tok.UserID != 0 && tok.UserID != e.UserID {
		// The owner's list says the token is someone else's: trust
		// neither, revoke nothing.
		return res(Refused, fmt.Sprintf("the token list of UserID %d holds token %d as UserID %d's; not revoked", e.UserID, e.TokenID, tok.UserID))
	}
	if !listed {
		// Not in the owner's list (or no owner given): either it is gone,
		// or it is someone else's. Only the token itself can tell.
		w.Doing("checking token %d", e.TokenID)
		var t *client.Token
		err := rv.o.Retry.Do(ctx, func() (err error) {
			t, err = rv.o.API.GetToken(ctx, e.TokenID)
			return err
		})
		if client.IsNotFound(err) {
			return res(AlreadyRevoked, "")
		}
		if err != nil {
			return fail(fmt.Sprintf("checking token %d", e.TokenID), err)
		}
		if e.UserID != 0 && t.UserID != e.UserID {
			return res(Refused, fmt.Sprintf("token %d belongs to UserID %d, not to UserID %d as the row says; not revoked", e.TokenID, t.UserID, e.UserID))
		}
		tok = *t
	}
	if tok.Expired(rv.now) {
		return res(Expired, "")
	}
	if rv.o.DryRun {
		return res(WouldRevoke, "")
	}
	w.Doing("revoking token %d", e.TokenID)
	err := rv.o.Retry.Do(ctx, func() error { return rv.o.API.RevokeToken(ctx, e.TokenID) })
	if client.IsNotFound(err) {
		// Gone since it was checked: revoked by an attempt whose answer
		// was lost, or by someone else. Either way it is done.
		return res(AlreadyRevoked, "")
	}
	if err != nil {
		return fail(fmt.Sprintf("revoking token %d", e.TokenID), err)
	}
	return res(Revoked, "")
}
