package token

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/renew"
	"github.com/axero-cli/axero/internal/textsafe"
)

// rotateFromHelp is the part of rotate's help about bulk renewal.
const rotateFromHelp = `Many tokens: --from OLD --out NEW renews the impersonation tokens that
create-for-user (or an earlier renewal) wrote to OLD, JSON Lines or CSV. For
each record it mints a replacement for the same user, with the old token's
current name (or --name-template's), writes it to NEW and syncs it to disk,
and only then revokes the old token, so that every user has a working token
whose secret is on disk at every instant. NEW has OLD's fields, mode 0600,
JSON Lines or CSV by its own extension, and can be renewed in turn.

Without --expires a replacement keeps its old token's lifetime (a token
minted for 90 days is renewed for 90 days), within the site's current
policy. With --if-expiring-within D only tokens that expire within D (or
have expired) are renewed; the others are copied unchanged into NEW, so that
NEW is always the complete set and OLD can be destroyed. A token revoked on
purpose is not resurrected: it goes to NEW.failed.csv with a reason, as do
other failures; that file is valid --from input.

NEW.journal records each step (never a token) and NEW.lock keeps a second
run off NEW. --resume finishes a run that was interrupted or killed (even
with kill -9), revoking the old tokens whose replacements were recorded;
when the journal cannot be trusted it checks each user's tokens before
renewing. --dry-run prints the plan as CSV and changes nothing.

Exit status: 0 all renewed or copied, 5 some records failed or an old token
is still to be revoked (run again with --resume), 3 no impersonation
permission (nothing changed), 130 interrupted.`

// addRotateFromFlags adds the flags of a bulk renewal.
func addRotateFromFlags(c *cobra.Command, opts *RotateOptions) {
	fl := c.Flags()
	fl.StringVar(&opts.From, "from", "", "renew every token in `OLD`, a create-for-user or renewal output (JSON Lines, or CSV by extension); needs --out NEW")
	fl.StringVar(&opts.IfExpiringWithin, "if-expiring-within", "", "with --from: renew only tokens that expire within `D` (30d, 12w, or a date) or have expired; copy the rest")
	fl.StringVar(&opts.NameTemplate, "name-template", "", "with --from: a Go `template` for the replacements' names over .UserID, .UserName, .Email, .DisplayName, .Date (default: the old token's name)")
	fl.IntVar(&opts.Concurrency, "concurrency", 8, "with --from: how many requests to have in flight at once")
	fl.BoolVar(&opts.Resume, "resume", false, "with --from: finish the run whose output is --out")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "with --from: print the plan as CSV without changing anything")
	fl.Lookup("out").Usage = "write the token record to a new `FILE` with mode 0600; with --from, NEW: every replacement and every token copied unchanged"
}

// validateSingleRotate refuses the bulk flags without --from.
func validateSingleRotate(c *cobra.Command, args []string) error {
	for _, n := range []string{"if-expiring-within", "name-template", "concurrency", "resume", "dry-run"} {
		if c.Flags().Changed(n) {
			return cmdutil.FlagErrorf("--%s works only with --from", n)
		}
	}
	if len(args) != 1 {
		return cmdutil.FlagErrorf("give the ID or name of the token to rotate, or --from OLD --out NEW")
	}
	return nil
}

// validateFrom checks the flags of a bulk renewal before anything else.
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
	for _, n := range []string{"keychain", "keep-old", "force", "output", "jq"} {
		if c.Flags().Changed(n) {
			if n == "force" {
				return cmdutil.FlagErrorf("--force does not apply with --from: an existing --out is continued with --resume, never overwritten")
			}
			return cmdutil.FlagErrorf("--%s cannot be used with --from", n)
		}
	}
	if o.Delivery.Out == "" && !o.DryRun {
		return cmdutil.FlagErrorf("--from needs --out NEW for the renewed tokens (or --dry-run)")
	}
	if o.Resume && o.DryRun {
		return cmdutil.FlagErrorf("--resume and --dry-run cannot be used together")
	}
	if o.Concurrency < 1 || o.Concurrency > maxConcurrency {
		return cmdutil.FlagErrorf("--concurrency must be between 1 and %d", maxConcurrency)
	}
	if o.IfExpiringWithin != "" {
		if _, err := renew.ParseWithin(o.IfExpiringWithin, o.Factory.Now()); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	return nil
}

func rotateFromRun(ctx context.Context, opts *RotateOptions) error {
	f := opts.Factory
	now := f.Now()
	var within time.Duration
	if opts.IfExpiringWithin != "" {
		d, err := renew.ParseWithin(opts.IfExpiringWithin, now)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		within = d
	}
	// Every worker shares one client, so that one Retry-After pauses them
	// all; its connection pool must hold a connection per request slot.
	f.IdleConnsPerHost = opts.Concurrency + 2
	c, err := f.Client()
	if err != nil {
		return err
	}
	api, err := startBulkRun(ctx, f, c, "renew other users' tokens", true)
	if err != nil {
		return err
	}
	progress := newRenewProgress(f.IO.ErrOut, f.IO.IsStderrTTY() && !opts.DryRun)
	o := renew.Options{
		API:              api,
		From:             opts.From,
		Out:              opts.Delivery.Out,
		Expires:          opts.Expires,
		IfExpiringWithin: within,
		NameTemplate:     opts.NameTemplate,
		Concurrency:      opts.Concurrency,
		Resume:           opts.Resume,
		DryRun:           opts.DryRun,
		Progress:         progress.event,
		Now:              f.Now,
		Warn:             func(msg string) { fmt.Fprintln(f.IO.ErrOut, "warning: "+textsafe.Terminal(msg)) },
		RecordTimeout:    bulkRowTimeout(f.Timeout),
	}
	if opts.DryRun {
		o.Plan = textsafe.NewCSVEscaper(f.IO.Out)
	}
	rn, err := renew.New(o)
	if err != nil {
		return err
	}
	stopSignals := watchSecondInterrupt(ctx, f.IO.ErrOut, rn)
	sum, runErr := rn.Run(ctx)
	stopSignals()
	progress.stop()
	if runErr == nil || sum.Renewed+sum.Copied+sum.Failed+sum.AlreadyDone > 0 {
		fmt.Fprintln(f.IO.ErrOut, renewSummaryLine(sum))
	}
	switch {
	case runErr != nil:
		return runErr
	case sum.Interrupted:
		return cmdutil.Exit(cmdutil.ExitInterrupted, nil)
	case sum.Failed > 0 || sum.RevokePending > 0 || sum.Unprocessed > 0:
		return cmdutil.Exit(cmdutil.ExitPartial, nil)
	}
	return nil
}

// renewSummaryLine is the one line a renewal ends with on stderr.
func renewSummaryLine(s renew.Summary) string {
	elapsed := s.Elapsed.Round(100 * time.Millisecond)
	if s.DryRun {
		return fmt.Sprintf("dry run: would renew %d, would copy unchanged %d, would fail %d, elapsed %s", s.Renewed, s.Copied, s.Failed, elapsed)
	}
	line := fmt.Sprintf("renewed %d, copied unchanged %d, failed %d, old tokens revoked %d", s.Renewed, s.Copied, s.Failed, s.Revoked)
	if s.AlreadyDone > 0 {
		line += fmt.Sprintf(", already done %d", s.AlreadyDone)
	}
	line += fmt.Sprintf(", elapsed %s", elapsed)
	if s.LostRevoked > 0 {
		line += fmt.Sprintf("; revoked %d token(s) whose answer was lost", s.LostRevoked)
	}
	if s.Reconciled > 0 {
		line += fmt.Sprintf("; settled %d unfinished renewal(s) of the earlier run", s.Reconciled)
	}
	if s.RevokePending > 0 {
		line += fmt.Sprintf("; %d old token(s) still to revoke: run again with --resume", s.RevokePending)
	}
	if s.FailedPath != "" {
		line += "; failed records are in " + s.FailedPath
	}
	if s.Interrupted || s.Unprocessed > 0 {
		line += fmt.Sprintf("; %d record(s) not handled: run again with --resume to finish", s.Unprocessed)
	}
	if s.Interrupted {
		line = "interrupted: " + line
	}
	return line
}

// renewProgress draws a renewal's progress on a terminal with
// create-for-user's bar: records done of the total, renewed, failed.
type renewProgress struct {
	renewed, failed atomic.Int64
	p               *mpb.Progress
	bar             *mpb.Bar
	totalSet        bool
}

func newRenewProgress(w io.Writer, show bool) *renewProgress {
	rp := &renewProgress{}
	if show {
		rp.p, rp.bar = newProgressBar(w, 0, "records", func() string {
			return fmt.Sprintf("renewed %d, failed %d", rp.renewed.Load(), rp.failed.Load())
		})
	}
	return rp
}

// event is the renewal's callback; it is never called concurrently.
func (rp *renewProgress) event(p renew.Progress) {
	switch p.Event {
	case renew.EventRenewed:
		rp.renewed.Add(1)
	case renew.EventFailed:
		rp.failed.Add(1)
	}
	if rp.bar == nil {
		return
	}
	if !rp.totalSet {
		rp.bar.SetTotal(int64(p.Total), false)
		rp.totalSet = true
	}
	rp.bar.Increment()
}

func (rp *renewProgress) stop() {
	if rp.p == nil {
		return
	}
	rp.bar.SetTotal(-1, true)
	rp.p.Wait()
}
