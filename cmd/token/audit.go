package token

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/audit"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/internal/tokenfile"
	"github.com/axero-cli/axero/output"
)

// AuditOptions are the inputs of `axero token audit`.
type AuditOptions struct {
	Factory *cmdutil.Factory

	Users          string // a CSV file (or -) with a user column; "" scans every user
	Stale          string
	ExpiringWithin string
	NeverExpires   bool
	Expired        bool
	Impersonation  bool
	CreatedBy      string
	Concurrency    int // 0: auto
	MaxConcurrency int
	ExitCode       bool
	Output         output.Options

	criteria audit.Criteria // the flags above, parsed by validate
}

// NewCmdAudit builds `axero token audit`; runF, when set, runs instead of
// the command once the flags are checked.
func NewCmdAudit(f *cmdutil.Factory, runF func(context.Context, *AuditOptions) error) *cobra.Command {
	opts := &AuditOptions{Factory: f}
	c := &cobra.Command{
		Use:   "audit [--users FILE] [--stale D] [--expiring-within D] [--never-expires] [--expired] [--impersonation] [--created-by U]",
		Short: "Find stale, expiring, never-expiring and impersonation tokens across the site (admin)",
		Long: `Scan the tokens of every user of the site (or of the users in a CSV file
given with --users, with a "user" column as for create-for-user) and report
each token that matches a finding:

  --stale D            not used for D, or never used and older than D
  --expiring-within D  expires within D and has not expired yet
  --never-expires      has no expiry
  --expired            has expired
  --impersonation      was minted for the user by an administrator
  --created-by U       ... by this administrator (implies --impersonation)

A token is reported when it matches any of the findings asked for; with
none, every token is listed. D is a duration: 90m, 12h, 180d, 26w, 1y.
This needs an administrator with the impersonation permission; without it
the command exits 3 before the scan.

Users are scanned with at most --concurrency requests in flight: by default
(auto) as many as the site answers without slowing down, found as the scan
goes; a number holds it there. They share one rate-limit pause and retry
transient failures. On a terminal a status line on stderr shows the count,
the limit and the rate, then a summary (counts per finding) and a table
are shown. Piped, the rows are tab-separated without a header (counts on
stderr when it is a terminal).

-o csv and -o json are valid input for 'token revoke --from', which checks
every token against its owner again before revoking it:

  axero token audit --stale 180d -o csv > stale.csv
  (look at stale.csv; delete the rows to keep)
  axero token revoke --from stale.csv

CSV, JSON and the piped rows are written as they are found (users in the
order their scans finish), so memory stays flat whatever the site's size.
The table, -o yaml and --jq hold the reported rows (a few hundred bytes
each) to sort them by user and token.

Exit status: 0 the scan is complete; 6 with --exit-code when a token was
reported; 5 when some users could not be scanned (they are listed on
stderr) or the users list could not be read to its end (5 wins over 6);
3 no permission; 130 interrupted.`,
		Example: `  # Tokens nobody has used for six months, as a file to review and revoke
  $ axero token audit --stale 180d -o csv > stale.csv
  $ axero token revoke --from stale.csv

  # A CI check: fail when any token never expires or expires within two weeks
  $ axero token audit --never-expires --expiring-within 14d --exit-code

  # Impersonation tokens minted by one administrator, for some users only
  $ axero token audit --created-by opsadmin --users team.csv

  # Every token of the site, as JSON, counted per user
  $ axero token audit -o json --jq 'group_by(.UserName) | map({user: .[0].UserName, tokens: length})'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := opts.validate(c); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return auditRun(c.Context(), opts)
		},
	}
	// The permission check gets one --timeout, each request of the scan
	// its own (rowClient): a site's audit is never cut off as a whole.
	cmdutil.SelfDeadline(c)
	fl := c.Flags()
	fl.StringVar(&opts.Users, "users", "", "scan only the users in this CSV `file` (- for stdin) with a \"user\" column: UserID, email or user name")
	fl.StringVar(&opts.Stale, "stale", "", "report tokens not used for `D` (or never used and older than D), e.g. 180d")
	fl.StringVar(&opts.ExpiringWithin, "expiring-within", "", "report tokens that expire within `D` (e.g. 30d) and have not expired yet")
	fl.BoolVar(&opts.NeverExpires, "never-expires", false, "report tokens that never expire")
	fl.BoolVar(&opts.Expired, "expired", false, "report expired tokens")
	fl.BoolVar(&opts.Impersonation, "impersonation", false, "report impersonation tokens (minted by an administrator)")
	fl.StringVar(&opts.CreatedBy, "created-by", "", "report impersonation tokens minted by this administrator (`U`: UserID, email or user name)")
	addConcurrencyFlag(c, &opts.Concurrency, &opts.MaxConcurrency, false)
	fl.BoolVar(&opts.ExitCode, "exit-code", false, "exit 6 when any token is reported")
	output.AddFlags(c, &opts.Output)
	_ = c.RegisterFlagCompletionFunc("stale", cmdutil.FixedValues("90d", "180d", "1y"))
	_ = c.RegisterFlagCompletionFunc("expiring-within", cmdutil.FixedValues("7d", "14d", "30d"))
	return c
}

func (o *AuditOptions) validate(c *cobra.Command) error {
	var err error
	if c.Flags().Changed("stale") {
		if o.criteria.Stale, err = expiry.ParseWindow("--stale", o.Stale); err != nil {
			return err
		}
	}
	if c.Flags().Changed("expiring-within") {
		if o.criteria.ExpiringWithin, err = expiry.ParseWindow("--expiring-within", o.ExpiringWithin); err != nil {
			return err
		}
	}
	if c.Flags().Changed("created-by") && strings.TrimSpace(o.CreatedBy) == "" {
		return cmdutil.FlagErrorf("--created-by needs a UserID, an email address or a user name")
	}
	if c.Flags().Changed("users") && strings.TrimSpace(o.Users) == "" {
		return cmdutil.FlagErrorf("--users needs a CSV file (or - for stdin)")
	}
	if err := checkConcurrency(c, o.Concurrency, o.MaxConcurrency); err != nil {
		return err
	}
	o.criteria.NeverExpires = o.NeverExpires
	o.criteria.Expired = o.Expired
	o.criteria.Impersonation = o.Impersonation
	o.criteria.CreatedBy = strings.TrimSpace(o.CreatedBy)
	return o.Output.Validate()
}

func auditRun(ctx context.Context, opts *AuditOptions) error {
	f := opts.Factory
	ios := f.IO
	var users *tokenfile.Users
	if opts.Users != "" {
		in, closeIn, err := openUserList("--users", opts.Users, ios.In)
		if err != nil {
			return err
		}
		defer closeIn()
		users = in
	}
	s, err := startBulk(ctx, f, opts.Concurrency, opts.MaxConcurrency, notPermitted("list other users' tokens"), false)
	if err != nil {
		return err
	}
	defer s.close()
	now := f.Now()
	sink := newAuditSink(f, opts.Output, now)
	var total int64
	if opts.Users != "" {
		total = countRows(opts.Users)
	}
	s.showProgress(true, total, "users", func(good, bad int64) string {
		return fmt.Sprintf("reported %d, failed %d", good, bad)
	})
	var sum audit.Summary
	common := s.common()
	common.Now = func() time.Time { return now }
	s.do("Stopping the scan; waiting for the requests in flight", func(run *job.Run) {
		sum, err = audit.Run(run, audit.Options{Common: common, API: s.client, Criteria: opts.criteria, Users: users, Emit: sink.emit})
	})
	// A run refused or broken before it scanned anyone has nothing to
	// sum up; one that scanned has, even when it stopped early.
	if err == nil || sum.Users > 0 || len(sum.Failed) > 0 {
		// The counts go before the table on a terminal, or to stderr when
		// that is a terminal and stdout is not; scripts get only rows.
		switch {
		case ios.IsStdoutTTY() && opts.Output.EffectiveFormat() == output.FormatTable:
			writeAuditSummary(ios.Out, sum, opts.criteria)
		case ios.IsStderrTTY():
			writeAuditSummary(ios.ErrOut, sum, opts.criteria)
		}
	}
	if serr := sink.finish(err == nil); serr != nil && err == nil {
		err = serr
	}
	writeFailedUsers(ios.ErrOut, sum.Failed)
	if sum.Incomplete != "" {
		fmt.Fprintf(ios.ErrOut, "! The audit is incomplete: %s; the users not read are not in the report.\n", textsafe.Terminal(sum.Incomplete))
	}
	partial := len(sum.Failed) > 0 || sum.Incomplete != ""
	if err == nil && opts.ExitCode && sum.Reported > 0 && !partial {
		return cmdutil.Exit(cmdutil.ExitFound, nil)
	}
	return bulkExit(err, false, partial)
}

// writeAuditSummary says what was scanned and the count of each finding
// that was asked for.
func writeAuditSummary(w io.Writer, sum audit.Summary, c audit.Criteria) {
	fmt.Fprintf(w, "Scanned %s and %s in %s: %s reported",
		cmdutil.CountNoun(sum.Users, "user"), cmdutil.CountNoun(sum.Tokens, "token"), roundElapsed(sum.Elapsed), cmdutil.CountNoun(sum.Reported, "token"))
	if n := len(sum.Failed); n > 0 {
		fmt.Fprintf(w, "; %s could not be scanned", cmdutil.CountNoun(n, "user"))
	}
	fmt.Fprintln(w, ".")
	for _, f := range audit.AllFindings {
		if asked(c, f) {
			fmt.Fprintf(w, "  %-14s %d\n", f, sum.Counts[f])
		}
	}
	fmt.Fprintln(w)
}

// asked reports whether the criteria look for finding f.
func asked(c audit.Criteria, f audit.Finding) bool {
	switch f {
	case audit.FindingStale:
		return c.Stale > 0
	case audit.FindingExpiring:
		return c.ExpiringWithin > 0
	case audit.FindingNeverExpires:
		return c.NeverExpires
	case audit.FindingExpired:
		return c.Expired
	case audit.FindingImpersonation:
		return c.Impersonation || c.CreatedBy != ""
	}
	return false
}

// writeFailedUsers lists every user that could not be scanned, one line
// each, so that they can be audited again with --users.
func writeFailedUsers(w io.Writer, failed []audit.FailedUser) {
	if len(failed) == 0 {
		return
	}
	fmt.Fprintf(w, "! %s could not be scanned; their tokens are not in the report:\n", cmdutil.CountNoun(len(failed), "user"))
	for _, u := range failed {
		who := textsafe.Terminal(u.User)
		if u.UserID != 0 {
			who += fmt.Sprintf(" (UserID %d)", u.UserID)
		}
		fmt.Fprintf(w, "  %s: %s\n", who, textsafe.Terminal(u.Reason))
	}
}
