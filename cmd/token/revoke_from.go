package token

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/revoke"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// revokeFromHelp is the part of revoke's help about --from.
const revokeFromHelp = `With --from FILE it revokes, as an administrator with the impersonation
permission, every token the file lists: the CSV or JSON of 'token audit', the
output of create-for-user or of a renewal (JSON Lines or CSV), or any CSV
with a TokenID column and, optionally, a UserID column. It shows the plan
(how many tokens, of how many users, a sample) and asks on a terminal, or
needs --yes.

Each token is first checked against its owner's current token list: a row
whose token belongs to another user than the row says is refused, so a
mixed-up file cannot revoke the wrong person's token. A token already revoked
or expired counts as done, so running it again is always safe. A row naming
the token this command uses itself is flagged in the plan and revoked last,
after every other row. Refused and
failed rows go to FILE.revoke-failed.csv (with a reason column), which can be
fed back as --from. --dry-run checks every row and revokes nothing.
--concurrency auto (the default) keeps as many requests in flight as the
site answers without slowing down, up to --max-concurrency; --concurrency N
holds it at N.`

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
	}
	return checkConcurrency(c, o.Concurrency, o.MaxConcurrency)
}

func revokeFromRun(ctx context.Context, opts *RevokeOptions) error {
	f := opts.Factory
	ios := f.IO
	own, where := ownToken(f)
	plan, err := revoke.ReadPlan(opts.From, planSample, own)
	if err != nil {
		if isUsage(err) {
			return err
		}
		return &cmdutil.FlagError{Err: err} // a file that cannot be read is the caller's to fix
	}
	if plan.Tokens == 0 && plan.Unreadable == 0 {
		fmt.Fprintf(ios.ErrOut, "%s lists no tokens: nothing to revoke.\n", opts.From)
		return nil
	}
	if !opts.DryRun {
		// Refused before anything is shown or asked: a run that could not
		// keep its failed rows must not start.
		if err := tokenfile.CheckFailedPath(revoke.DefaultFailedPath(opts.From)); err != nil {
			return err
		}
	}
	writeRevokePlan(ios.ErrOut, plan, opts)
	if plan.Own {
		fmt.Fprintf(ios.ErrOut, "! Token %d is the one %s uses: it is revoked last, and then %s stops working until you run `axero login` again.\n", own, where, where)
	}
	if !opts.DryRun && !opts.Yes && !ios.CanPrompt() {
		return errNeedYes
	}
	// Ask about the permission before asking the user: a question whose
	// yes can only end in "not permitted" wastes their time.
	s, err := startBulk(ctx, f, opts.Concurrency, opts.MaxConcurrency, notPermitted("revoke other users' tokens"), false)
	if err != nil {
		return err
	}
	defer s.close()
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
	s.showProgress(true, int64(plan.Tokens+plan.Unreadable), "tokens", func(good, bad int64) string {
		return fmt.Sprintf("done %d, refused or failed %d", good, bad)
	})
	var shown []revoke.Result
	var sum revoke.Summary
	s.do("Stopping: no new tokens will be revoked; waiting for the requests in flight", func(run *job.Run) {
		sum, err = revoke.Run(run, revoke.Options{
			Common: s.common(), API: s.client, From: opts.From, DryRun: opts.DryRun, Last: own,
			Problem: func(r revoke.Result) {
				if len(shown) < problemLines {
					shown = append(shown, r)
				}
			},
		})
	})
	writeRevokeProblems(ios.ErrOut, shown, sum)
	if err == nil || sum.Rows > 0 {
		fmt.Fprintln(ios.ErrOut, textsafe.Terminal(revokeSummaryLine(sum, opts.DryRun)))
	}
	if err == nil && sum.Interrupted {
		return context.Canceled
	}
	return bulkExit(err, false, sum.Partial())
}

// writeRevokePlan shows what the file asks for, from the file alone.
func writeRevokePlan(w io.Writer, p revoke.Plan, opts *RevokeOptions) {
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
		fmt.Fprintln(w, "  "+describePlanned(it.Record))
	}
	if more := p.Tokens - len(p.Sample); more > 0 {
		fmt.Fprintf(w, "  ... and %d more\n", more)
	}
	if p.Unreadable > 0 {
		fmt.Fprintf(w, "! %s cannot be read and will go to the failed file.\n", cmdutil.CountNoun(p.Unreadable, "row"))
	}
}

// describePlanned names a token of the plan by what the file says of it:
// its ID, its name and its user's name, when the file has them (an
// audit's CSV or JSON, a create-for-user output), and its UserID. The
// file's text is escaped for the terminal.
func describePlanned(r tokenfile.Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "TokenID %d", r.TokenID)
	if name := strings.TrimSpace(r.Name); name != "" {
		b.WriteString(` "` + textsafe.Terminal(name) + `"`)
	}
	user := strings.TrimSpace(r.User)
	if user == strconv.FormatInt(r.UserID, 10) {
		user = "" // the user as given was the UserID itself
	}
	switch {
	case user != "" && r.UserID != 0:
		fmt.Fprintf(&b, " of %s (UserID %d)", textsafe.Terminal(user), r.UserID)
	case user != "":
		b.WriteString(" of " + textsafe.Terminal(user))
	case r.UserID != 0:
		fmt.Fprintf(&b, " of UserID %d", r.UserID)
	}
	return b.String()
}

// writeRevokeProblems shows the first refused and failed rows with their
// reasons; the failed file has every one.
func writeRevokeProblems(w io.Writer, shown []revoke.Result, sum revoke.Summary) {
	for _, r := range shown {
		what := fmt.Sprintf("TokenID %d", r.Entry.TokenID)
		if r.Entry.TokenID == 0 {
			what = "row"
		}
		fmt.Fprintf(w, "! line %d, %s: %s: %s\n", r.Entry.Line, what, r.Outcome, textsafe.Terminal(r.Reason))
	}
	if more := sum.Refused + sum.Failed - len(shown); more > 0 {
		fmt.Fprintf(w, "! ... and %d more refused or failed rows\n", more)
	}
}

// revokeSummaryLine is the one line a bulk revoke ends with on stderr.
func revokeSummaryLine(s revoke.Summary, dryRun bool) string {
	first := count{"revoked %d", s.Revoked, true}
	if dryRun {
		first = count{"dry run: would revoke %d", s.WouldRevoke, true}
	}
	return summaryLine([]count{first,
		{"already revoked %d", s.AlreadyRevoked, true}, {"expired %d", s.Expired, true},
		{"refused %d", s.Refused, true}, {"failed %d", s.Failed, true},
	}, s.Elapsed,
		count{"%d not reached (run again to finish)", s.Unprocessed, false},
		count{"refused and failed rows are in %s", s.FailedPath, false})
}
