package token

import (
	"context"
	"fmt"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/mint"
	"github.com/axero-cli/axero/internal/nametemplate"
	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/internal/textsafe"
)

// createForManyUsers mints a token for every user of --from, on the bulk
// runner (internal/mint).
func createForManyUsers(ctx context.Context, opts *CreateForUserOptions) error {
	f := opts.Factory
	var tmpl *nametemplate.Template
	if opts.Name == "" {
		text := opts.NameTemplate
		if text == "" {
			text = nametemplate.Default
		}
		t, err := nametemplate.Parse(text)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		tmpl = t
	}
	in, closeIn, err := openUserList("--from", opts.From, f.IO.In)
	if err != nil {
		return err
	}
	defer closeIn()
	if !opts.DryRun {
		if err := checkBulkOut(opts.Delivery.Out, opts.Resume); err != nil {
			return err
		}
	}
	plan, err := bulkSinkPlan(f, &opts.Sinks, opts.Delivery.Out, opts.Resume)
	if err != nil {
		return err
	}
	s, err := startBulk(ctx, f, opts.Concurrency, opts.MaxConcurrency, impersonationRefusal, true)
	if err != nil {
		return err
	}
	defer s.close()
	if plan != nil {
		if row, ok := firstUserRow(ctx, s, plan, in, f.Now().UTC().Format(time.DateOnly)); ok {
			if err := checkFirstSinks(ctx, f, plan, row); err != nil {
				return err
			}
		}
	}
	var lock *job.Lock
	if !opts.DryRun {
		if lock, err = lockBulkOut(opts.Delivery.Out, opts.Resume); err != nil {
			return err
		}
		defer func() { _ = lock.Release() }()
	}
	defaultExpires := opts.Expires
	expiryFor := func(e string, now time.Time) (*int64, error) {
		if e == "" {
			e = defaultExpires
		}
		spec, err := expiry.Parse(e, now)
		if err != nil {
			return nil, err
		}
		return spec.Minutes(now, s.policy)
	}
	s.showProgress(true, countRows(opts.From), "rows", func(good, bad int64) string {
		return fmt.Sprintf("minted %d, failed %d", good, bad)
	})
	mo := mint.Options{
		Common: s.common(), Files: s.files(opts.Delivery.Out, lock, opts.Resume, opts.DryRun),
		API: s.client, Resolver: userResolver{s.client}, Input: in,
		Name: opts.Name, Template: tmpl, Expiry: expiryFor, Admin: s.me.UserID,
		Deliver: plan,
	}
	mo.Workers = deliveryWorkers(mo.Workers, plan)
	var sum mint.Summary
	s.do(stoppingMint, func(run *job.Run) { sum, err = mint.Run(run, mo) })
	fmt.Fprintln(f.IO.ErrOut, textsafe.Terminal(mintSummaryLine(sum, opts.DryRun, plan != nil)))
	noteLeftovers(f, opts.Delivery.Out, err == nil && !opts.DryRun && !sum.Interrupted && sum.Failed == 0 && sum.DeliveryFailed == 0 && sum.Unprocessed == 0)
	return bulkExit(err, sum.Interrupted, sum.Failed > 0 || sum.DeliveryFailed > 0)
}

// stoppingMint is what the first Ctrl-C of a run that mints says.
const stoppingMint = "Stopping: no new tokens will be created; waiting for the requests in flight so that their tokens are recorded"

// mintSummaryLine is the one line a run ends with on stderr; delivering
// says that it delivers to sinks.
func mintSummaryLine(s mint.Summary, dryRun, delivering bool) string {
	if dryRun {
		return summaryLine([]count{{"dry run: would mint %d", s.Planned, true}, {"skipped %d", s.Skipped, true}, {"would fail %d", s.Failed, true}}, s.Elapsed,
			count{"would skip %d row(s) naming a user an earlier row took", s.Duplicates, false})
	}
	counts := append([]count{{"minted %d", s.Minted, true}}, deliveryCounts(delivering, s.Delivered, s.DeliveryFailed)...)
	counts = append(counts, count{"skipped %d", s.Skipped, true}, count{"failed %d", s.Failed, true})
	line := summaryLine(counts, s.Elapsed,
		count{"took up the delivery of %d token(s) of the earlier run", s.Redelivered, false},
		count{"skipped %d row(s) naming a user an earlier row took", s.Duplicates, false},
		count{"revoked %d token(s) whose answer was lost", s.LostRevoked, false},
		count{"checked the tokens of %d user(s) before minting", s.Rechecked, false},
		count{"settled %d unfinished create(s) of the earlier run", s.Reconciled, false},
		count{"failed rows are in %s", s.FailedPath, false})
	if s.Interrupted {
		line = "interrupted: " + line + "; run again with --resume to finish"
	}
	return line
}

// userResolver looks each user up once, concurrently from the workers. It
// keeps no cache: the run refuses a user listed twice before looking it
// up, so a cache would never be hit and would only grow with the input.
type userResolver struct{ c resolve.UserLookup }

func (r userResolver) Resolve(ctx context.Context, u string) (*client.User, error) {
	return resolve.User(ctx, r.c, u)
}
