package token

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/bulkrevoke"
	"github.com/axero-cli/axero/internal/textsafe"
)

// revokeFromHelp is the part of revoke's help about --from.
const revokeFromHelp = `With --from FILE it revokes, as an administrator with the impersonation
permission, every token the file lists: the CSV or JSON of 'token audit', the
output of create-for-user (JSON Lines or CSV), or any CSV with a TokenID
column and, optionally, a UserID column. It shows the plan (how many tokens,
of how many users, a sample) and asks on a terminal, or needs --yes.

Each token is first checked against its owner's current token list: a row
whose token belongs to another user than the row says is refused, so a
mixed-up file cannot revoke the wrong person's token. A token already revoked
or expired counts as done, so running it again is always safe. Refused and
failed rows go to FILE.failed.csv (with a reason column), which can be fed
back as --from. --dry-run checks every row and revokes nothing.`

// planSample is how many rows of the file the plan shows.
const planSample = 5

// problemLines is how many refused or failed rows are shown on stderr;
// the failed file has them all.
const problemLines = 10

func (o *RevokeOptions) validateFrom(c *cobra.Command) error {
	switch {
	case strings.TrimSpace(o.From) == "":
		return cmdutil.FlagErrorf("--from needs a file of tokens to revoke")
	case len(o.Tokens) > 0:
		return cmdutil.FlagErrorf("--from cannot be combined with token IDs or names: put them in the file")
	case o.Expired:
		return cmdutil.FlagErrorf("--from and --expired cannot be used together")
	case c.Flags().Changed("user"):
		return cmdutil.FlagErrorf("--from and --user cannot be used together: the file says whose each token is")
	case o.Concurrency < 1 || o.Concurrency > maxConcurrency:
		return cmdutil.FlagErrorf("--concurrency must be between 1 and %d", maxConcurrency)
	}
	return nil
}

func revokeFromRun(ctx context.Context, opts *RevokeOptions) error {
	f := opts.Factory
	ios := f.IO
	plan, err := bulkrevoke.ReadPlan(opts.From, planSample)
	if err != nil {
		var usage interface{ Usage() bool }
		if errors.As(err, &usage) {
			return err
		}
		return &cmdutil.FlagError{Err: err} // a file that cannot be read is the caller's to fix
	}
	if plan.Tokens == 0 && plan.Unreadable == 0 {
		fmt.Fprintf(ios.ErrOut, "%s lists no tokens: nothing to revoke.\n", opts.From)
		return nil
	}
	writeRevokePlan(ios.ErrOut, plan, opts)
	if !opts.DryRun && !opts.Yes && !ios.CanPrompt() {
		return errNeedYes
	}

	// Every worker shares one client, so that one Retry-After pauses them
	// all; its connection pool must hold a connection per worker.
	f.IdleConnsPerHost = opts.Concurrency + 2
	c, err := f.Client()
	if err != nil {
		return err
	}
	// Ask about the permission before asking the user: a question whose
	// yes can only end in "not permitted" wastes their time.
	api, err := startBulkRun(ctx, f, c, "revoke other users' tokens", false)
	if err != nil {
		return err
	}
	if !opts.DryRun && !opts.Yes {
		q := fmt.Sprintf("Revoke %s of %s? This cannot be undone. [y/N] ", cmdutil.CountNoun(plan.Tokens, "token"), cmdutil.CountNoun(plan.Users, "user"))
		ok, err := cmdutil.Confirm(f.IO, q)
		if err != nil {
			return err
		}
		if !ok {
			return cmdutil.Exit(cmdutil.ExitFailure, errors.New("nothing revoked"))
		}
	}

	var done, problems atomic.Int64
	bar := newCountBar(ios.ErrOut, ios.IsStderrTTY(), int64(plan.Tokens+plan.Unreadable), "tokens", func() string {
		return fmt.Sprintf("done %d, refused or failed %d", done.Load(), problems.Load())
	})
	var shown []bulkrevoke.Result
	sum, runErr := bulkrevoke.Run(ctx, bulkrevoke.Options{
		API:         api,
		From:        opts.From,
		DryRun:      opts.DryRun,
		Concurrency: opts.Concurrency,
		Now:         func() time.Time { return f.Now() },
		Events: func(r bulkrevoke.Result) {
			if r.Outcome == bulkrevoke.Refused || r.Outcome == bulkrevoke.Failed {
				problems.Add(1)
				if len(shown) < problemLines {
					shown = append(shown, r)
				}
			} else {
				done.Add(1)
			}
			bar.increment()
		},
	})
	bar.stop()
	writeRevokeProblems(ios.ErrOut, shown, sum)
	fmt.Fprintln(ios.ErrOut, revokeSummaryLine(sum, opts.DryRun))
	switch {
	case runErr != nil:
		return runErr
	case sum.Partial():
		return cmdutil.Exit(cmdutil.ExitPartial, nil)
	}
	return nil
}

// writeRevokePlan shows what the file asks for, from the file alone.
func writeRevokePlan(w io.Writer, p bulkrevoke.Plan, opts *RevokeOptions) {
	verb := "About to revoke"
	if opts.DryRun {
		verb = "Dry run: checking"
	}
	users := cmdutil.CountNoun(p.Users, "user")
	if p.WithoutUser > 0 {
		users += fmt.Sprintf(" (and %d rows that name no user: their owners are looked up)", p.WithoutUser)
	}
	fmt.Fprintf(w, "%s %s of %s listed in %s:\n", verb, cmdutil.CountNoun(p.Tokens, "token"), users, textsafe.Terminal(opts.From))
	for _, it := range p.Sample {
		if it.UserID != 0 {
			fmt.Fprintf(w, "  TokenID %d of UserID %d\n", it.TokenID, it.UserID)
		} else {
			fmt.Fprintf(w, "  TokenID %d\n", it.TokenID)
		}
	}
	if more := p.Tokens - len(p.Sample); more > 0 {
		fmt.Fprintf(w, "  ... and %d more\n", more)
	}
	if p.Unreadable > 0 {
		fmt.Fprintf(w, "! %s cannot be read and will go to the failed file.\n", cmdutil.CountNoun(p.Unreadable, "row"))
	}
}

// writeRevokeProblems shows the first refused and failed rows with their
// reasons; the failed file has every one.
func writeRevokeProblems(w io.Writer, shown []bulkrevoke.Result, sum bulkrevoke.Summary) {
	for _, r := range shown {
		what := fmt.Sprintf("TokenID %d", r.Item.TokenID)
		if r.Item.TokenID == 0 {
			what = "row"
		}
		fmt.Fprintf(w, "! line %d, %s: %s: %s\n", r.Item.Line, what, r.Outcome, textsafe.Terminal(r.Reason))
	}
	if more := sum.Refused + sum.Failed - len(shown); more > 0 {
		fmt.Fprintf(w, "! ... and %d more refused or failed rows\n", more)
	}
}

// revokeSummaryLine is the one line a bulk revoke ends with on stderr.
func revokeSummaryLine(s bulkrevoke.Summary, dryRun bool) string {
	elapsed := roundElapsed(s.Elapsed)
	var line string
	if dryRun {
		line = fmt.Sprintf("dry run: would revoke %d, already revoked %d, expired %d, refused %d, failed %d, elapsed %s",
			s.WouldRevoke, s.AlreadyRevoked, s.Expired, s.Refused, s.Failed, elapsed)
	} else {
		line = fmt.Sprintf("revoked %d, already revoked %d, expired %d, refused %d, failed %d, elapsed %s",
			s.Revoked, s.AlreadyRevoked, s.Expired, s.Refused, s.Failed, elapsed)
	}
	if s.Unprocessed > 0 {
		line += fmt.Sprintf("; %d not reached (run again to finish)", s.Unprocessed)
	}
	if s.FailedPath != "" {
		line += "; refused and failed rows are in " + s.FailedPath
	}
	return line
}
