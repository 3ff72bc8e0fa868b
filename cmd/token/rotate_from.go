package token

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/nametemplate"
	"github.com/axero-cli/axero/internal/renew"
	"github.com/axero-cli/axero/internal/textsafe"
)

// rotateFromHelp is the part of rotate's help about bulk renewal.
const rotateFromHelp = `Many tokens: --from OLD --out NEW renews the impersonation tokens listed in
OLD: the output of create-for-user or of an earlier renewal (JSON Lines or
CSV), or the CSV or JSON of 'token audit'. For each record it looks the
token up among its user's tokens on the site, mints a replacement for the
same user, with the old token's current name (or --name-template's), writes
it to NEW and syncs it to disk, and only then revokes the old token, so that
every user has a working token whose secret is on disk at every instant. NEW
has the fields of create-for-user's output, mode 0600, JSON Lines or CSV by
its own extension, and can be renewed in turn.

Without --expires a replacement keeps its old token's lifetime (a token
minted for 90 days is renewed for 90 days), within the site's current
policy. With --if-expiring-within D only tokens that the site says expire
within D (or have expired) are renewed; the others are copied into NEW with
the site's current name and expiry, so that NEW is always the complete set
and OLD can be destroyed. A token the site no longer has (revoked on
purpose) is not resurrected: it goes to NEW.failed.csv with a reason, as do
other failures; that file is valid --from input.

NEW.journal records each step (never a token) and NEW.lock keeps a second
run off NEW. --resume finishes a run that was interrupted or killed (even
with kill -9), revoking the old tokens whose replacements were recorded;
it checks the tokens of each user it has still to renew before renewing.
--dry-run prints the plan as CSV and changes nothing. --concurrency auto (the
default) keeps as many requests in flight as the site answers without
slowing down, up to --max-concurrency; --concurrency N holds it at N.

` + bulkSinksHelp + `

With --to, an old token is revoked only once every sink of its user holds
the replacement: a record whose delivery fails keeps its old token working.
Tokens copied unchanged are not delivered. --grace D renames each old token
with the superseded marker instead of revoking it, for 'axero token revoke
--superseded' to revoke once D has passed.

Exit status: 0 all renewed or copied, 5 some records failed, a replacement
was not delivered to every sink, or an old token is still to be revoked (run
again with --resume), 3 no impersonation permission (nothing changed), 130
interrupted.`

// addRotateFromFlags adds the flags of a bulk renewal.
func addRotateFromFlags(c *cobra.Command, opts *RotateOptions) {
	fl := c.Flags()
	fl.StringVar(&opts.From, "from", "", "renew every token in `OLD`, a token file of axero (create-for-user's or a renewal's output, or an audit's CSV or JSON); needs --out NEW")
	fl.StringVar(&opts.IfExpiringWithin, "if-expiring-within", "", "with --from: renew only tokens that the site says expire within `D` (30d, 12w, or a date) or have expired; copy the rest")
	fl.StringVar(&opts.NameTemplate, "name-template", "", "with --from: a Go `template` for the replacements' names over .UserID, .UserName, .Email, .DisplayName, .Date (default: the old token's name)")
	addConcurrencyFlag(c, &opts.Concurrency, &opts.MaxConcurrency, true)
	addResumeFlags(c, &opts.Resume, &opts.DryRun, "with --from: finish the run whose output is --out", "with --from: print the plan as CSV without changing anything")
	fl.Lookup("out").Usage = "write the token record to a new `FILE` with mode 0600; with --from, NEW: every replacement and every token copied unchanged"
}

// validateSingleRotate refuses the bulk flags without --from.
func validateSingleRotate(c *cobra.Command, args []string) error {
	if err := refuseOutsideFrom(c, "if-expiring-within", "name-template", "concurrency", "max-concurrency", "resume", "dry-run"); err != nil {
		return err
	}
	if len(args) != 1 {
		return cmdutil.FlagErrorf("give the ID or name of the token to rotate, or --from OLD --out NEW")
	}
	return nil
}

// validateFrom checks the flags of a bulk renewal before anything else,
// and parses --if-expiring-within, --expires and --name-template.
func (o *RotateOptions) validateFrom(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return cmdutil.FlagErrorf("--from and a token ID or name cannot be used together")
	}
	if o.From == "" {
		return cmdutil.FlagErrorf("--from needs a file")
	}
	if o.From == "-" {
		return cmdutil.FlagErrorf("--from needs a file, not standard input: it is read twice")
	}
	if err := refuseWithFrom(c, "--%s cannot be used with --from", "keychain", "keep-old", "force", "output", "jq"); err != nil {
		return err
	}
	if err := refuseOneTokenSinkFlags(c); err != nil {
		return err
	}
	if c.Flags().Changed("grace") {
		g, err := expiry.ParseWindow("--grace", o.Sinks.Grace)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		o.grace = g
	}
	if err := checkDurableFlags(c, o.From, o.Delivery.Out, o.Resume, o.DryRun, "--out NEW for the renewed tokens", o.Concurrency, o.MaxConcurrency); err != nil {
		return err
	}
	now := o.Factory.Now()
	if o.IfExpiringWithin != "" {
		spec, err := expiry.Parse(o.IfExpiringWithin, now)
		if err != nil || spec.Default || spec.Never {
			return cmdutil.FlagErrorf("invalid --if-expiring-within %q: use a duration such as 30d or 12w, or a date", o.IfExpiringWithin)
		}
		o.within = spec.At.Sub(now)
	}
	if o.Expires != "" {
		spec, err := expiry.Parse(o.Expires, now)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		o.expires = &spec
	}
	if o.NameTemplate != "" {
		t, err := nametemplate.Parse(o.NameTemplate)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		o.template = t
	}
	return nil
}

func rotateFromRun(ctx context.Context, opts *RotateOptions) error {
	f := opts.Factory
	out := opts.Delivery.Out
	if !opts.DryRun {
		if err := checkBulkOut(out, opts.Resume); err != nil {
			return err
		}
	}
	plan, err := bulkSinkPlan(f, &opts.Sinks, out, opts.Resume)
	if err != nil {
		return err
	}
	s, err := startBulk(ctx, f, opts.Concurrency, opts.MaxConcurrency, notPermitted("renew other users' tokens"), true)
	if err != nil {
		return err
	}
	defer s.close()
	if opts.expires != nil {
		// A lifetime beyond the policy is refused before anything changes.
		if _, err := opts.expires.Minutes(f.Now(), s.policy); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if plan != nil {
		if row, ok := firstRecordRow(ctx, s, plan, opts.From, f.Now().UTC().Format(time.DateOnly)); ok {
			if err := checkFirstSinks(ctx, f, plan, row); err != nil {
				return err
			}
		}
	}
	var lock *job.Lock
	if !opts.DryRun {
		if lock, err = lockBulkOut(out, opts.Resume); err != nil {
			return err
		}
		defer func() { _ = lock.Release() }()
	}
	s.showProgress(true, 0, "records", func(good, bad int64) string {
		return fmt.Sprintf("renewed %d, failed %d", good, bad)
	})
	ro := renew.Options{
		Common: s.common(), Files: s.files(out, lock, opts.Resume, opts.DryRun),
		API: s.client, From: opts.From, Policy: s.policy, Admin: s.me.UserID,
		Expires: opts.expires, IfExpiringWithin: opts.within, Template: opts.template,
		Deliver: plan, Grace: opts.grace,
	}
	ro.Workers = deliveryWorkers(ro.Workers, plan)
	var sum renew.Summary
	s.do(stoppingMint, func(run *job.Run) { sum, err = renew.Run(run, ro) })
	if err == nil || sum.Renewed+sum.Copied+sum.Failed+sum.AlreadyDone > 0 {
		fmt.Fprintln(f.IO.ErrOut, textsafe.Terminal(renewSummaryLine(sum, plan != nil)))
	}
	noteLeftovers(f, out, err == nil && !opts.DryRun && !sum.Interrupted && sum.Failed == 0 && sum.DeliveryFailed == 0 && sum.RevokePending == 0 && sum.Unprocessed == 0)
	return bulkExit(err, sum.Interrupted, sum.Failed > 0 || sum.DeliveryFailed > 0 || sum.RevokePending > 0 || sum.Unprocessed > 0)
}

// renewSummaryLine is the one line a renewal ends with on stderr;
// delivering says that it delivers to sinks.
func renewSummaryLine(s renew.Summary, delivering bool) string {
	if s.DryRun {
		return summaryLine([]count{{"dry run: would renew %d", s.Renewed, true}, {"would copy unchanged %d", s.Copied, true}, {"would fail %d", s.Failed, true}}, s.Elapsed)
	}
	counts := append([]count{{"renewed %d", s.Renewed, true}}, deliveryCounts(delivering, s.Delivered, s.DeliveryFailed)...)
	counts = append(counts, count{"copied unchanged %d", s.Copied, true}, count{"failed %d", s.Failed, true},
		count{"old tokens revoked %d", s.OldRevoked, true}, count{"old tokens superseded %d", s.OldSuperseded, false},
		count{"already done %d", s.AlreadyDone, false})
	line := summaryLine(counts, s.Elapsed,
		count{"revoked %d token(s) whose answer was lost", s.LostRevoked, false},
		count{"settled %d unfinished renewal(s) of the earlier run", s.Reconciled, false},
		count{"%d old token(s) still to revoke: run again with --resume", s.RevokePending, false},
		count{"failed records are in %s", s.FailedPath, false})
	if s.Interrupted || s.Unprocessed > 0 {
		line += fmt.Sprintf("; %d record(s) not handled: run again with --resume to finish", s.Unprocessed)
	}
	if s.Interrupted {
		line = "interrupted: " + line
	}
	return line
}
