package token

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/delivery"
	"github.com/axero-cli/axero/internal/envflag"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/internal/rowsinks"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// The sinks of a bulk run (create-for-user --from, rotate --from): --to
// and --sinks are templates over each row's user, delivered per row by
// internal/rowsinks on the run's journal. What the command side does:
// bind and check the flags, build the plan (on --resume, the earlier
// run's sinks), check the sinks of the first row before anything is
// minted, and size the pool so that rows waiting on a sink do not leave
// the site's request slots idle.

// bulkSinksHelp is what the help of the bulk commands says about --to.
const bulkSinksHelp = `With --to SINK (repeatable) or --sinks FILE each token is also delivered to
a place of its own: a sink string may hold {{.UserName}}, {{.UserID}} and
{{.Email}} (as --name-template does), for example
--to 'vault:secret/axero/{{.UserName}}#token'. Before the first row the sinks
are rendered for its user and checked: a sink that cannot work or a missing
or refused credential stops the run there (exit 2 or 3, nothing minted). Each
row's sinks are checked before its token is minted (a row whose sinks fail
goes to the failed file, nothing minted for it), and a user field that would
change a sink's meaning ('/', '#', '?', '..', spaces, control characters)
fails that row. A token is put into each sink and read back only once it is
on disk in --out, and every step is journalled. A row whose delivery fails
keeps its token in --out and goes to the failed file with the sink and the
reason; --resume delivers it from --out (it takes the sinks from the journal:
leave out --to, or give the same ones). Sink requests do not count against
--concurrency, which bounds the requests to the Axero site.`

// addBulkSinkFlags binds --to and --sinks on a command that has no
// single-token delivery flags of its own (create-for-user).
func addBulkSinkFlags(c *cobra.Command, s *SinkFlags) {
	fl := c.Flags()
	fl.StringArrayVar(&s.To, "to", nil, "with --from: also deliver each token to `SINK` (repeatable), a template over the row's user, e.g. 'vault:secret/axero/{{.UserName}}#token'")
	fl.StringVar(&s.SinksFile, "sinks", "", "with --from: read more sink templates from a YAML `FILE`: a list of sink strings, or maps with `to:` and options")
}

// refuseOneTokenSinkFlags refuses, with --from, the delivery flags that
// belong to one token.
func refuseOneTokenSinkFlags(c *cobra.Command) error {
	for _, n := range []string{"show", "abandon"} {
		if f := c.Flags().Lookup(n); f != nil && f.Changed {
			return cmdutil.FlagErrorf("--%s does not apply with --from: every token is in --out (finish an unfinished run with --resume)", n)
		}
	}
	return nil
}

// bulkSinkPlan builds the sinks of a bulk run from --to and --sinks or,
// on a resume, the earlier run's (which a resume must not change). nil
// means the run delivers to --out only.
func bulkSinkPlan(f *cmdutil.Factory, s *SinkFlags, out string, resume bool) (*rowsinks.Plan, error) {
	given, err := s.specs()
	if err != nil {
		return nil, err
	}
	if resume {
		earlier, err := job.EarlierSinks(out)
		if err != nil {
			return nil, err
		}
		if given, err = earlier.ResumeSinks(out, given); err != nil {
			return nil, err
		}
	}
	if len(given) == 0 {
		return nil, nil
	}
	deps, err := bulkSinkDeps(f)
	if err != nil {
		return nil, err
	}
	plan, err := rowsinks.New(given, func(spec string) (sink.Sink, error) { return delivery.ParseOne(spec, deps) })
	if err != nil {
		return nil, &cmdutil.FlagError{Err: err}
	}
	plan.Crash = crashHook(f)
	return plan, nil
}

// bulkSinkDeps are what a bulk run's sinks are parsed with: the
// environment and the network of the command, one HTTP stack for all
// rows (its connections are shared), and no keychain profiles.
func bulkSinkDeps(f *cmdutil.Factory) (delivery.Deps, error) {
	p, _, err := f.Profile()
	if err != nil {
		return delivery.Deps{}, err
	}
	stack := &sinkhttp.Stack{Network: f.Network(&p), Timeout: f.Timeout, UserAgent: "axero/" + f.Version}
	if f.Debug || envflag.Truthy(f.Getenv("AXERO_DEBUG")) {
		stack.Debug = f.IO.ErrOut
	}
	return delivery.Deps{Env: sink.Env{Getenv: f.Getenv, Now: f.Now, Network: f.Network(&p)}, Stack: stack}, nil
}

// checkFirstSinks is the check before the first row: the sinks rendered
// for row's user, checked, under one deadline of --timeout. A template
// or a credential that cannot work stops the run here, nothing minted,
// with the sink named and the exit status of its kind (2 a sink that
// cannot work as written, 3 a missing or refused credential, 1 else). A
// user that cannot be put into the sinks fails only its own row, later.
func checkFirstSinks(ctx context.Context, f *cmdutil.Factory, plan *rowsinks.Plan, row delivery.Row) error {
	ctx, cancel, err := f.WithDeadline(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	err = plan.CheckFirst(ctx, row)
	switch {
	case err == nil, rowsinks.IsFirstRowOnly(err):
		return nil
	case ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return ctx.Err()
	}
	return fmt.Errorf("%w; nothing was minted", err)
}

// firstUserRow is the user of the first row of a create-for-user input,
// for checkFirstSinks, without taking the row from the input. ok is false
// when that row says nothing (unreadable, no user, a user that does not
// resolve): its own failure will say why, and each row is checked anyway.
func firstUserRow(ctx context.Context, s *bulkSession, plan *rowsinks.Plan, in *tokenfile.Users, date string) (row delivery.Row, ok bool) {
	r, err := in.Peek()
	if err != nil || r.Err != nil || r.User == "" {
		return row, false
	}
	if id, isID := resolve.ParseID(r.User); isID && !plan.NeedsUser() {
		return delivery.Row{UserID: id, Date: date}, true
	}
	ctx, cancel, err := s.f.WithDeadline(ctx)
	if err != nil {
		return row, false
	}
	defer cancel()
	u, err := resolve.User(ctx, s.client, r.User)
	if err != nil {
		return row, false
	}
	return delivery.Row{UserID: u.UserID, UserName: u.UserName, Email: u.Email, DisplayName: u.DisplayName, Date: date}, true
}

// firstRecordRow is the user of the first sound record of a renewal's
// OLD, for checkFirstSinks.
func firstRecordRow(ctx context.Context, s *bulkSession, plan *rowsinks.Plan, from, date string) (row delivery.Row, ok bool) {
	rr, err := tokenfile.Open(from)
	if err != nil {
		return row, false
	}
	var userID int64
	for userID == 0 {
		e, err := rr.Next()
		if err != nil {
			break // io.EOF, or a problem the run reports in its own words
		}
		if e.Err == nil && e.UserID > 0 {
			userID = e.UserID
		}
	}
	_ = rr.Close()
	if userID == 0 {
		return row, false
	}
	row = delivery.Row{UserID: userID, Date: date}
	if !plan.NeedsUser() {
		return row, true
	}
	ctx, cancel, err := s.f.WithDeadline(ctx)
	if err != nil {
		return row, false
	}
	defer cancel()
	u, err := s.client.GetUser(ctx, userID)
	if err != nil {
		return row, false
	}
	row.UserName, row.Email, row.DisplayName = u.UserName, u.Email, u.DisplayName
	return row, true
}

// deliveryWorkers is the pool of a run that delivers: a row spends much
// of its time on sinks (a check before minting, a put and a read-back
// after), which hold no request slot of the site, so the pool grows with
// the sinks to keep the site's slots busy. Without sinks it is the
// session's.
func deliveryWorkers(workers int, plan *rowsinks.Plan) int {
	if plan == nil {
		return workers
	}
	return workers * (1 + min(len(plan.Specs()), 3))
}

// deliveryCounts are the counts a summary line adds for a run that
// delivers.
func deliveryCounts(delivering bool, delivered, failed int) []count {
	if !delivering {
		return nil
	}
	return []count{{"delivered %d", delivered, true}, {"delivery failed %d", failed, true}}
}
