package token

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/envflag"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/limit"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/safefile"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// What the bulk commands (create-for-user --from, rotate --from, revoke
// --from, audit) share on the command side: the flags and their checks,
// the start-up (the client, the permission, the policy), the lock of the
// output, the signal watcher, the status line, the summary line and the
// exit code. The work itself runs on internal/job.

// addResumeFlags binds --resume and --dry-run, of the bulk commands that
// keep their results in a file.
func addResumeFlags(c *cobra.Command, resume, dryRun *bool, resumeUsage, dryRunUsage string) {
	c.Flags().BoolVar(resume, "resume", false, resumeUsage)
	c.Flags().BoolVar(dryRun, "dry-run", false, dryRunUsage)
}

// checkDurableFlags checks the flags of a bulk run that writes out: out
// is needed unless it is a dry run, which cannot be resumed. needOut says
// what out is for.
func checkDurableFlags(c *cobra.Command, from, out string, resume, dryRun bool, needOut string, concurrency, maxConcurrency int) error {
	switch {
	case out == "" && !dryRun:
		return cmdutil.FlagErrorf("--from needs %s (or --dry-run)", needOut)
	case resume && dryRun:
		return cmdutil.FlagErrorf("--resume and --dry-run cannot be used together")
	case out != "" && samePath(from, out):
		// With --resume the run would take its own output for its input
		// and renew nothing; without it, refuse the output as existing.
		return cmdutil.FlagErrorf("--out %s is the --from file: the run would read what it writes; name another file", out)
	}
	return checkConcurrency(c, concurrency, maxConcurrency)
}

// samePath reports whether a and b name one file: the same path once
// cleaned and made absolute, or, when both exist, the same file (a hard
// link, or a symbolic link to it).
func samePath(a, b string) bool {
	if a == "" || a == "-" || b == "" {
		return false
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	if errA == nil && errB == nil && absA == absB {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// refuseOutsideFrom refuses the first of names given without --from.
func refuseOutsideFrom(c *cobra.Command, names ...string) error {
	for _, n := range names {
		if c.Flags().Changed(n) {
			return cmdutil.FlagErrorf("--%s works only with --from", n)
		}
	}
	return nil
}

// refuseWithFrom refuses, with --from, the first of names given, in the
// words of format ("--%s works only with --user"): a bulk run's tokens
// all go to its --out. --force has words of its own.
func refuseWithFrom(c *cobra.Command, format string, names ...string) error {
	for _, n := range names {
		switch {
		case !c.Flags().Changed(n):
		case n == "force":
			return cmdutil.FlagErrorf("--force does not apply with --from: an existing --out is continued with --resume, never overwritten")
		default:
			return cmdutil.FlagErrorf(format, n)
		}
	}
	return nil
}

// bulkRowTimeout bounds the requests of each row of a bulk run: --timeout
// when it is longer than job.DefaultItemTimeout, else that. The run as a
// whole has no deadline; Ctrl-C stops it.
func bulkRowTimeout(timeout time.Duration) time.Duration {
	return max(timeout, job.DefaultItemTimeout)
}

// bulkSession is a bulk run started: its client, whose requests the run's
// limiter bounds, the caller, allowed to act on other users' tokens, the
// site's policy when it was asked for, and the run's display.
type bulkSession struct {
	f        *cmdutil.Factory
	run      *job.Run
	client   *client.Client
	me       *client.User
	policy   *client.Policy
	workers  int
	progress *progress
}

// startBulk builds the client of a bulk run and checks, under one
// deadline of --timeout, that the caller may impersonate (refuse words
// the refusal) and, withPolicy, reads the site's policy. Every worker
// shares the client, so that one Retry-After pauses them all; its
// limiter holds the requests in flight to concurrency (fixed), or finds
// the site's pace up to maxConcurrency (autoConcurrency), and its pool
// keeps a connection per request slot.
//
// From here on, stderr (and stdout, when it is the same terminal) print
// above the run's status line once the command starts it (showProgress).
// --debug logs each change of an adaptive limit with its reason.
//
// The run's context is ctx (cancelled by Ctrl-C); each row gets a deadline
// of bulkRowTimeout, the run as a whole none. Close the session when done.
func startBulk(ctx context.Context, f *cmdutil.Factory, concurrency, maxConcurrency int, refuse func(me *client.User) error, withPolicy bool) (*bulkSession, error) {
	s := &bulkSession{f: f}
	var lim limit.Limiter
	s.progress = newProgress(f.IO.ErrOut, f.IO.IsStderrTTY(), f.IO.ForStderr().TerminalWidth,
		func() (int, bool) { return lim.Limit(), concurrency == autoConcurrency },
		func() int { return lim.InFlight() })
	f.IO.ErrOut = s.progress.writer(f.IO.ErrOut)
	if f.IO.IsStdoutTTY() {
		f.IO.Out = s.progress.writer(f.IO.Out)
	}
	lim = newLimiter(concurrency, maxConcurrency, s.logLimit(time.Now()))
	s.run = job.New(ctx, bulkRowTimeout(f.Timeout), lim)
	bound := limiterBound(concurrency, maxConcurrency)
	f.IdleConnsPerHost, f.Limiter = bound+2, s.run.Limiter()
	c, err := f.Client()
	if err != nil {
		s.run.Close()
		return nil, err
	}
	// Twice as many workers as request slots, so that the local steps of
	// some rows (the journal's and the output's fsyncs) overlap the
	// requests of others instead of leaving a slot idle.
	s.client, s.workers = c, 2*bound
	if err := s.check(ctx, refuse, withPolicy); err != nil {
		s.run.Close()
		return nil, err
	}
	return s, nil
}

// logLimit is the observer of an adaptive limit: with --debug, each
// change, with its reason and the time since start, on stderr.
func (s *bulkSession) logLimit(start time.Time) limit.Observer {
	f := s.f
	if !f.Debug && !envflag.Truthy(f.Getenv("AXERO_DEBUG")) {
		return nil
	}
	w := f.IO.ErrOut
	return func(c limit.Change) {
		fmt.Fprintf(w, "LIMIT +%.3fs %s\n", c.At.Sub(start).Seconds(), c)
	}
}

// close ends the session's run.
func (s *bulkSession) close() { s.run.Close() }

// check makes the start-up checks under one deadline of --timeout.
func (s *bulkSession) check(ctx context.Context, refuse func(me *client.User) error, withPolicy bool) error {
	ctx, cancel, err := s.f.WithDeadline(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	c := s.client
	if s.me, err = checkImpersonator(ctx, c, refuse); err != nil {
		return err
	}
	if !withPolicy {
		return nil
	}
	return reconcile.Default.Do(ctx, func() (err error) {
		s.policy, err = c.Policy(ctx)
		return err
	})
}

// showProgress starts the run's status line on a terminal: total items
// of unit (0 while unknown; the operation may say later), and the two
// counts status words. show false keeps it off (a dry run whose plan
// goes to the terminal).
func (s *bulkSession) showProgress(show bool, total int64, unit string, status func(good, bad int64) string) *progress {
	if !show {
		s.progress.show = false
	}
	s.progress.start(total, unit, status)
	return s.progress
}

// do runs a bulk operation on the session's run with the signal watcher:
// the first Ctrl-C (which cancels the run's context) stops dispatching,
// and says so with stopping; a second one says what the run still waits
// for. The status line is drawn for the last time when do returns: where
// the run stopped, if it did.
func (s *bulkSession) do(stopping string, op func(*job.Run)) {
	stop := watchSignals(s.progress, stopping, s.run)
	defer func() { s.progress.finish(s.run.Stopped()) }()
	defer stop()
	op(s.run)
}

// common are the session's options of every operation.
func (s *bulkSession) common() job.Common {
	return job.Common{Workers: s.workers, Now: s.f.Now, Progress: s.progress}
}

// files are the options of an operation that writes out: a dry run's
// plan goes to stdout, in the order of the input, warnings to stderr.
func (s *bulkSession) files(out string, lock *job.Lock, resume, dryRun bool) job.Files {
	fl := job.Files{Out: out, Lock: lock, Resume: resume, DryRun: dryRun, Warn: warnf(s.f)}
	if dryRun {
		fl.Plan = textsafe.NewCSVEscaper(s.f.IO.Out)
		s.run.CollectInOrder()
	}
	return fl
}

// checkImpersonator asks who the caller is, retrying transient failures,
// and refuses, in refuse's words, a caller who cannot impersonate.
func checkImpersonator(ctx context.Context, c *client.Client, refuse func(*client.User) error) (*client.User, error) {
	var me *client.User
	err := reconcile.Default.Do(ctx, func() (err error) {
		me, err = c.Me(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !me.CanImpersonate {
		return nil, refuse(me)
	}
	return me, nil
}

// notPermitted is startBulk's refusal for action: a caller without the
// impersonation permission gets exit 3 before anything is changed.
func notPermitted(action string) func(*client.User) error {
	return func(me *client.User) error {
		return cmdutil.Exit(cmdutil.ExitAuth, fmt.Errorf("not permitted: to %s you need the impersonation permission, and %s does not have it", action, me.UserName))
	}
}

// checkBulkOut refuses, before any request and without creating
// anything, an --out the run would refuse (by the runner's own rules,
// which follow no symbolic link). The lock is probed first, so that a
// second run, resumed or not, is told which process holds the output
// rather than that the output exists.
func checkBulkOut(out string, resume bool) error {
	if err := job.CheckLock(out); err != nil {
		return err
	}
	if _, err := os.Lstat(out); err != nil {
		// A new output: say plainly when its directory does not take it.
		if err := preflightOutFile(out, false); err != nil {
			return err
		}
	}
	return checkOutPath(out, resume)
}

// lockBulkOut takes the run lock of --out, once the start-up checks said
// the run may go ahead, and checks --out again under it.
func lockBulkOut(out string, resume bool) (*job.Lock, error) {
	lock, err := job.AcquireLock(out)
	if err != nil {
		return nil, err
	}
	if err := checkOutPath(out, resume); err != nil {
		_ = lock.Release()
		return nil, err
	}
	return lock, nil
}

// checkOutPath refuses an --out that a run would refuse later: a symbolic
// link, something that is not a regular file, an existing output without
// --resume, an output others can read with --resume, and a journal or
// failed file that is not a plain file of ours.
func checkOutPath(out string, resume bool) error {
	fi, err := safefile.Check(out)
	if err != nil {
		return asOut(err)
	}
	if fi != nil {
		if !resume {
			return &tokenfile.ExistsError{Path: out}
		}
		if err := safefile.CheckPrivate(out, fi); err != nil {
			return asOut(err)
		}
	}
	for _, side := range []string{job.JournalPath(out), job.FailedPath(out)} {
		if _, err := safefile.Check(side); err != nil {
			return err
		}
	}
	return nil
}

// asOut names a refused output by its flag, as messages about a flag's
// value do: "--out out.jsonl has mode 0644".
func asOut(err error) error {
	var r *safefile.RefusedError
	if errors.As(err, &r) {
		named := *r
		named.Path = "--out " + r.Path
		return &named
	}
	return err
}

// watchSignals lets Ctrl-C and SIGTERM say what the run does about them,
// each message whole above the status line; the returned function stops
// it.
func watchSignals(p *progress, stopping string, run *job.Run) func() {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		seen := 0
		for {
			select {
			case <-done:
				return
			case <-sigs:
				seen++
				if seen == 1 {
					p.stopping()
					p.Println(stopping + " (Ctrl-C again to see them).")
					continue
				}
				pending := run.InFlight()
				if len(pending) == 0 {
					p.Println("Still finishing: writing the last records.")
					continue
				}
				p.Println(fmt.Sprintf("Still waiting for %d request(s) in flight: %s.", len(pending), textsafe.Terminal(strings.Join(pending, "; "))))
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// countRows estimates the data rows of a regular file for the status
// line's total, by counting its non-blank lines less the header. Anything
// but a regular file (a pipe, a terminal) is never opened again: it would
// wait for a writer that never comes.
func countRows(path string) int64 {
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	f, err := os.Open(path) //nolint:gosec // the input file the user names with --from, read again only to count rows
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	var n int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			n++
		}
	}
	return max(n-1, 0) // less the header
}

// count is one number of a summary line, or one note after it.
type count struct {
	format   string // with one %d (or %s for a note)
	n        any
	whenZero bool // shown even when n is 0 (or "")
}

func (c count) shown() bool { return c.whenZero || (c.n != 0 && c.n != "") }

// summaryLine is the one line a bulk run ends with on stderr: its counts
// (those not whenZero only when not zero), the time it took, and the
// notes that apply, each after a semicolon.
func summaryLine(counts []count, elapsed time.Duration, notes ...count) string {
	var b strings.Builder
	for _, c := range counts {
		if c.shown() {
			fmt.Fprintf(&b, c.format+", ", c.n)
		}
	}
	fmt.Fprintf(&b, "elapsed %s", roundElapsed(elapsed))
	for _, n := range notes {
		if n.shown() {
			fmt.Fprintf(&b, "; "+n.format, n.n)
		}
	}
	return b.String()
}

// noteLeftovers tells a person at a terminal, after a run on out that
// finished everything, what the journal and the lock it leaves are for:
// they hold no token and serve only a later --resume on out (to add rows,
// say), which keeps its guarantees only with them. Scripts get the one
// summary line and nothing else.
func noteLeftovers(f *cmdutil.Factory, out string, complete bool) {
	if !complete || out == "" || !f.IO.IsStderrTTY() {
		return
	}
	fmt.Fprintf(f.IO.ErrOut, "%s and %s hold no tokens and only serve --resume: delete them when done.\n",
		textsafe.Terminal(job.JournalPath(out)), textsafe.Terminal(job.LockPath(out)))
}

// roundElapsed shows a run's time to a useful precision: milliseconds
// under a second, tenths above.
func roundElapsed(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

// bulkExit is the exit of a finished bulk run, in this order: its fatal
// error, 130 when interrupted, 5 when some rows failed or were not
// reached, else 0.
func bulkExit(err error, interrupted, partial bool) error {
	switch {
	case err != nil:
		return err
	case interrupted:
		return cmdutil.Exit(cmdutil.ExitInterrupted, nil)
	case partial:
		return cmdutil.Exit(cmdutil.ExitPartial, nil)
	}
	return nil
}

// warnf prints a bulk run's warning on stderr, prefixed and escaped.
func warnf(f *cmdutil.Factory) func(string) {
	return func(msg string) { fmt.Fprintln(f.IO.ErrOut, "warning: "+textsafe.Terminal(msg)) }
}

// openUserList opens a CSV of users (create-for-user's --from, audit's
// --users; "-" is stdin) and reads its header, so that a file without a
// user column is refused before any request. flag names the option in
// errors, which are usage errors.
func openUserList(flag, path string, stdin io.Reader) (*tokenfile.Users, func(), error) {
	if path == "-" {
		in, err := tokenfile.NewUsers(stdin, "standard input")
		return in, func() {}, err
	}
	file, err := os.Open(path) //nolint:gosec // the input file the user names on the command line
	if err != nil {
		return nil, nil, cmdutil.FlagErrorf("%s %s: %v", flag, path, safefile.Unwrap(err))
	}
	in, err := tokenfile.NewUsers(file, path)
	if err != nil {
		_ = file.Close()
		return nil, nil, err
	}
	return in, func() { _ = file.Close() }, nil
}

// isUsage reports whether err is the caller's to fix.
func isUsage(err error) bool {
	var u interface{ Usage() bool }
	return errors.As(err, &u) && u.Usage()
}
