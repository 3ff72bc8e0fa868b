package token

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/delivery"
	"github.com/axero-cli/axero/internal/envflag"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/rotation"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/keychain"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
	"github.com/axero-cli/axero/output"
)

// SinkFlags are the delivery flags of one token (token create and token
// rotate): where it goes, and how an unfinished delivery is finished.
type SinkFlags struct {
	To        []string
	SinksFile string
	Show      bool
	Grace     string
	Abandon   bool
}

// addSinkFlags binds --to, --sinks and --show (and, for rotate, --grace);
// --resume, --abandon and --dry-run are bound by the command, whose
// options hold them.
func addSinkFlags(c *cobra.Command, s *SinkFlags, rotate bool) {
	fl := c.Flags()
	fl.StringArrayVar(&s.To, "to", nil, "deliver the new token to `SINK` (repeatable): github:OWNER/REPO#NAME, gitlab:project/PATH#KEY, vault:MOUNT/PATH#FIELD, aws-sm:SECRET-ID[#KEY], file:PATH[#KEY], keychain:PROFILE, exec:COMMAND ARGS...")
	fl.StringVar(&s.SinksFile, "sinks", "", "read more sinks from a YAML `FILE`: a list of sink strings, or maps with `to:` and options")
	fl.BoolVar(&s.Show, "show", false, "with --to: print the new token on stdout too")
	fl.BoolVar(&s.Abandon, "abandon", false, "drop an unfinished delivery: revoke its new token (the old one is kept)")
	if rotate {
		fl.StringVar(&s.Grace, "grace", "", "rename the old token as superseded instead of revoking it, for `D` (7d, 12h...); revoke it later with `axero token revoke --superseded`")
	}
}

// specs are the --to sinks, then those of the --sinks file.
func (s *SinkFlags) specs() ([]string, error) {
	specs := slices.Clone(s.To)
	if s.SinksFile != "" {
		more, err := delivery.LoadSinksFile(s.SinksFile)
		if err != nil {
			return nil, &cmdutil.FlagError{Err: err}
		}
		specs = append(specs, more...)
	}
	for _, spec := range specs {
		if scheme, _, _ := strings.Cut(spec, ":"); scheme == schemeProfile || scheme == schemeOut || spec == specStdout || spec == specShow {
			return nil, cmdutil.FlagErrorf("--to %s: unknown sink scheme %q (known: %s)", spec, scheme, strings.Join(delivery.Schemes, ", "))
		}
	}
	return specs, nil
}

// delivers reports whether the token goes to --to sinks.
func (s *SinkFlags) delivers() bool { return len(s.To) > 0 || s.SinksFile != "" }

// checkJQ refuses --jq where it could drop the only copy of a new token;
// with --to the sinks hold it, and --jq filters the record without it.
func (s *SinkFlags) checkJQ(d *TokenDelivery, command string) error {
	if s.delivers() {
		return nil
	}
	return d.checkSecretOutput(command)
}

// validate checks the flags that need no network.
func (s *SinkFlags) validate(c *cobra.Command, resume, dryRun bool) error {
	to := s.delivers()
	switch {
	case resume && s.Abandon:
		return cmdutil.FlagErrorf("--resume and --abandon cannot be used together")
	case (resume || s.Abandon) && dryRun:
		return cmdutil.FlagErrorf("--dry-run cannot be used with --resume or --abandon")
	case s.Show && !to:
		return cmdutil.FlagErrorf("--show works only with --to (without --to the token is shown anyway)")
	case dryRun && !to:
		return cmdutil.FlagErrorf("--dry-run needs --to: it checks the sinks and stops")
	case s.Abandon && to:
		return cmdutil.FlagErrorf("--abandon takes no --to: it drops the unfinished delivery as recorded")
	}
	if c.Flags().Changed("grace") {
		if _, err := expiry.ParseWindow("--grace", s.Grace); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		if c.Flags().Changed("keep-old") {
			return cmdutil.FlagErrorf("--grace and --keep-old cannot be used together")
		}
	}
	return nil
}

// oneRun is what one token's delivered create or rotation shares: the
// site, the profile, the pending files and locks, and how sinks are
// built.
type oneRun struct {
	f       *cmdutil.Factory
	c       *client.Client
	store   rotation.Store
	site    string
	profile string
	deps    delivery.Deps
	force   bool
	// withTo: the sinks are the user's (--to); the report is shown, and a
	// partial delivery exits 5. Without --to, the token goes where it
	// always went, with the exit status it always had.
	withTo bool
	// chosen: the person at the terminal picked the token among its
	// namesakes, so a newer namesake is not taken for a concurrent
	// rotation's replacement.
	chosen bool
	output output.Options
	// pending is the rotation being run, for the implicit sinks that
	// write the token's record.
	pending *rotation.Pending
	masked  sync.Map
}

func newOneRun(f *cmdutil.Factory, c *client.Client) (*oneRun, error) {
	site, err := f.SiteURL()
	if err != nil {
		return nil, err
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	r := &oneRun{f: f, c: c, store: rotation.Store{Dir: cfg.Dir()}, site: strings.TrimRight(site, "/"), profile: f.ProfileName()}
	p, _, err := f.Profile()
	if err != nil {
		return nil, err
	}
	stack := &sinkhttp.Stack{Network: f.Network(&p), Timeout: f.Timeout, UserAgent: "axero/" + f.Version}
	if f.Debug || envflag.Truthy(f.Getenv("AXERO_DEBUG")) {
		stack.Debug = f.IO.ErrOut
	}
	home := keychain.Home{Credentials: f.Credentials(), Site: config.Profile{URL: r.site, Paths: p.Paths, AllowHTTP: p.AllowHTTP, User: p.User, UserID: p.UserID}}
	if ca, err := f.AbsCAFile(&p); err == nil {
		home.Site.CAFile = ca
	}
	r.deps = delivery.Deps{Env: sink.Env{Getenv: f.Getenv, Now: f.Now, Network: f.Network(&p)}, Stack: stack, Keychain: &home}
	return r, nil
}

// startOneRun is how a delivered create and a delivered rotation begin:
// the sinks given by --to and --sinks, read before anything touches the
// network, then the client and the run, which shows its report when
// there are such sinks.
func startOneRun(f *cmdutil.Factory, s *SinkFlags, d *TokenDelivery) (*oneRun, []string, error) {
	given, err := s.specs()
	if err != nil {
		return nil, nil, err
	}
	c, err := f.Client()
	if err != nil {
		return nil, nil, err
	}
	r, err := newOneRun(f, c)
	if err != nil {
		return nil, nil, err
	}
	r.output, r.force, r.withTo = d.Output, d.Force, len(given) > 0
	return r, given, nil
}

// givenSpecs are the sinks a token named tokenName goes to with --to: the
// given ones, then the profile of --keychain, the file of --out and, with
// --show, stdout.
func givenSpecs(given []string, d *TokenDelivery, tokenName string, show bool) ([]string, error) {
	specs := slices.Clone(given)
	if d.Keychain {
		specs = append(specs, "keychain:"+d.profileFor(tokenName))
	}
	if d.Out != "" {
		abs, err := filepath.Abs(d.Out)
		if err != nil {
			return nil, err
		}
		specs = append(specs, schemeOut+":"+abs)
	}
	if show {
		specs = append(specs, specShow)
	}
	return specs, nil
}

func (r *oneRun) key(name string) rotation.Key {
	return rotation.Key{Site: r.site, Profile: r.profile, Name: strings.TrimSpace(name)}
}

// sinks builds the sink of every string, in order.
func (r *oneRun) sinks(specs []string) ([]sink.Sink, error) {
	out := make([]sink.Sink, 0, len(specs))
	seen := map[string]bool{}
	for _, spec := range specs {
		s, ok, err := r.implicitSink(spec)
		if !ok {
			s, err = delivery.ParseOne(spec, r.deps)
			if err == nil && strings.HasPrefix(s.String(), keychain.Scheme+":") {
				s = &lockedProfileSink{Sink: s, r: r, profile: strings.TrimPrefix(s.String(), keychain.Scheme+":")}
			}
		}
		if err != nil {
			return nil, err
		}
		if seen[s.String()] {
			return nil, sink.Errorf(s.String(), "parse", sink.Invalid, "this sink is given twice")
		}
		seen[s.String()] = true
		out = append(out, s)
	}
	return out, nil
}

// lockedProfileSink stores a keychain profile under its lock.
type lockedProfileSink struct {
	sink.Sink
	r       *oneRun
	profile string
}

func (s *lockedProfileSink) Put(ctx context.Context, v sink.Value) error {
	release, err := s.r.store.LockProfile(ctx, s.r.site, s.profile, s.r.f.IO.ErrOut, s.r.f.Now)
	if err != nil {
		return sink.Errorf(s.String(), "put", sink.Failed, "%v", err)
	}
	defer release()
	return s.Sink.Put(ctx, v)
}

// mask hides a secret from a GitHub Actions log, once.
func (r *oneRun) mask(secret string) {
	if _, done := r.masked.LoadOrStore(secret, true); !done {
		cmdutil.MaskInCI(r.f, secret)
	}
}

func (r *oneRun) machine(api rotation.API, sinks []sink.Sink) *rotation.Machine {
	return &rotation.Machine{API: api, Store: r.store, Sinks: sinks, Now: r.f.Now, Log: r.f.IO.ErrOut,
		Mask: r.mask, Crash: crashHook(r.f), Retry: reconcile.Default}
}

// checkSinks runs every sink's check before anything is minted.
func (r *oneRun) checkSinks(ctx context.Context, sinks []sink.Sink) error {
	if err := delivery.Check(ctx, sinks); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w; nothing was minted", err)
	}
	return nil
}

// readySinks builds the sink of every string and checks each, before
// anything is minted.
func (r *oneRun) readySinks(ctx context.Context, specs []string) ([]sink.Sink, error) {
	sinks, err := r.sinks(specs)
	if err != nil {
		return nil, err
	}
	if err := r.checkSinks(ctx, sinks); err != nil {
		return nil, err
	}
	return sinks, nil
}

// printCheck is --dry-run: every sink passed its check; what the sinks
// found to say, and what would happen.
func (r *oneRun) printCheck(sinks []sink.Sink, what string) error {
	ios := r.f.IO
	rep := delivery.Report{}
	for _, s := range sinks {
		rep.Sinks = append(rep.Sinks, delivery.Result{Sink: s.String(), State: "ready"})
	}
	for _, line := range delivery.Plans(sinks) {
		fmt.Fprintln(ios.ErrOut, "! "+line)
	}
	fmt.Fprintf(ios.ErrOut, "Every sink passed its check; %s. Nothing was changed (--dry-run).\n", what)
	return r.printReport(rep, nil)
}

// printReport shows the per-sink table: on stdout when it is a terminal
// (or as -o json, with record), else nothing on stdout.
func (r *oneRun) printReport(rep delivery.Report, record any) error {
	ios := r.f.IO
	switch r.output.EffectiveFormat() {
	case output.FormatJSON, output.FormatYAML:
		if record == nil {
			record = map[string]any{"deliveries": rep.JSON()}
		}
		return output.Print(ios, r.output, record, nil)
	}
	if !ios.IsStdoutTTY() {
		return nil
	}
	return output.Print(ios, output.Options{}, rep.JSON(), func(bool) output.TableData {
		return output.TableData{Headers: delivery.TableHeaders, Rows: rep.Rows()}
	})
}

// printReportErr shows the table on stderr (a failed delivery).
func (r *oneRun) printReportErr(rep delivery.Report) {
	_ = output.Print(cmdutil.ErrStreams(r.f.IO), output.Options{}, rep.JSON(), func(bool) output.TableData {
		return output.TableData{Headers: delivery.TableHeaders, Rows: rep.Rows()}
	})
}

// deliveredRecord is -o json of a delivered create or rotation: the new
// token's metadata (never its secret), each sink's state, and what became
// of the old token.
type deliveredRecord struct {
	client.Token
	Deliveries []delivery.Result `json:"deliveries"`
	OldTokenID int64             `json:"OldTokenID,omitempty"`
	OldToken   string            `json:"OldToken,omitempty"`
}

// resumeHint is the command that finishes the delivery of name.
func resumeHint(p *rotation.Pending) string {
	if p.Old == nil {
		return "axero token create --name " + rotation.ShellQuote(p.Name) + " --resume"
	}
	return "axero token rotate " + rotation.ShellQuote(p.Name) + " --resume"
}

// unfinishedError refuses to start while a delivery of the same name is
// unfinished.
func unfinishedError(p *rotation.Pending) error {
	what := "a rotation"
	if p.Old == nil {
		what = "a delivery of a new token named"
	}
	newID := int64(0)
	if p.New != nil {
		newID = p.New.ID
	}
	keep := "keeps the old one"
	if p.Old == nil {
		keep = "nothing else changes"
	}
	return cmdutil.Exit(cmdutil.ExitFailure, fmt.Errorf("%s of %q is unfinished: new token %d held by %d of %d sinks; finish it with `%s`, or drop it with `--abandon` (revokes token %d, %s)",
		what, p.Name, newID, p.Holding(), len(p.Sinks), resumeHint(p), newID, keep))
}

// handlePending deals with the unfinished delivery p, under its lock. It
// returns done=false when the caller should go on with a fresh run: p
// was only an intent, which Settle has undone.
func (r *oneRun) handlePending(ctx context.Context, p *rotation.Pending, api rotation.API, resume, abandon bool, given []string) (done bool, err error) {
	m := r.machine(api, nil)
	switch {
	case p.Phase == rotation.PhaseIntent && !abandon:
		revoked, err := m.Settle(ctx, p)
		for _, id := range revoked {
			fmt.Fprintf(r.f.IO.ErrOut, "Revoked token %d: an earlier run minted it but was stopped before keeping its secret.\n", id)
		}
		if err != nil {
			return true, err
		}
		if resume {
			fmt.Fprintf(r.f.IO.ErrOut, "The earlier run of %q was stopped before it minted anything that was kept; starting afresh.\n", p.Name)
		}
		return false, nil
	case abandon:
		revoked, err := m.Abandon(ctx, p)
		if err != nil {
			return true, err
		}
		r.sayAbandoned(p, revoked)
		return true, nil
	case !resume:
		return true, unfinishedError(p)
	}
	if len(given) > 0 && !slices.Equal(given, userSpecs(p)) {
		return true, cmdutil.FlagErrorf("--resume delivers to the sinks the unfinished run recorded (%s); leave out --to and --sinks, or drop it with --abandon", strings.Join(userSpecs(p), ", "))
	}
	sinks, err := r.sinks(p.Specs())
	if err != nil {
		return true, err
	}
	if err := r.checkSinks(ctx, pendingSinks(sinks, p)); err != nil {
		return true, err
	}
	r.withTo = len(userSpecs(p)) > 0
	r.pending = p
	res, err := r.machine(api, sinks).Continue(ctx, p)
	return true, r.finish(ctx, res, err, p)
}

// pendingSinks are the sinks not yet holding the token: those Check.
func pendingSinks(sinks []sink.Sink, p *rotation.Pending) []sink.Sink {
	var out []sink.Sink
	for i, s := range sinks {
		if i < len(p.Sinks) && p.Sinks[i].State.Holds() {
			continue
		}
		out = append(out, s)
	}
	return out
}

// userSpecs are the sinks the user gave (--to and --sinks), without the
// implicit ones.
func userSpecs(p *rotation.Pending) []string { return p.To }

func (r *oneRun) sayAbandoned(p *rotation.Pending, revoked []int64) {
	w := r.f.IO.ErrOut
	for _, id := range revoked {
		fmt.Fprintf(w, "Revoked token %d.\n", id)
	}
	if p.Old != nil {
		fmt.Fprintf(w, "Dropped the unfinished rotation of %q; the old token %d is kept.\n", p.Name, p.Old.ID)
	} else {
		fmt.Fprintf(w, "Dropped the unfinished delivery of %q.\n", p.Name)
	}
	var holders []string
	for _, s := range p.Sinks {
		if s.State.Holds() || s.State == delivery.StatePut || strings.HasSuffix(s.Detail, "under way") {
			name, _, _ := strings.Cut(s.Spec, "?") // stdout's options say nothing here
			holders = append(holders, name)
		}
	}
	if len(holders) > 0 {
		fmt.Fprintf(w, "! These sinks took the new token, which no longer works: %s. Deliver a working token to them (rotate again).\n", strings.Join(holders, ", "))
	}
}

// finish says what a run did, and maps its failure to the exit status.
func (r *oneRun) finish(ctx context.Context, res *rotation.Result, err error, p *rotation.Pending) error {
	ios := r.f.IO
	if err != nil {
		return r.failed(ctx, res, err, p)
	}
	if r.withTo {
		fmt.Fprintf(ios.ErrOut, "Delivered token %d to %s.\n", res.New.TokenID, cmdutil.CountNoun(len(res.Report.Sinks), "sink"))
	}
	r.sayRetired(res, p)
	if !r.withTo {
		return nil
	}
	rec := deliveredRecord{Token: res.New.Token, Deliveries: res.Report.JSON(), OldToken: res.Retired}
	if p.Old != nil {
		rec.OldTokenID = p.Old.ID
	}
	return r.printReport(res.Report, rec)
}

func (r *oneRun) sayRetired(res *rotation.Result, p *rotation.Pending) {
	if p.Old == nil {
		return
	}
	w := r.f.IO.ErrOut
	switch {
	case res.Retired == "kept":
		fmt.Fprintf(w, "Kept the old token %d; revoke it with `axero token revoke %d` once nothing uses it.\n", p.Old.ID, p.Old.ID)
	case res.Retired == "already gone":
		fmt.Fprintf(w, "The old token %d was already revoked.\n", p.Old.ID)
	case strings.HasPrefix(res.Retired, "renamed to "):
		fmt.Fprintf(w, "Renamed the old token %d to %q; `axero token revoke --superseded` revokes it once that time has passed.\n", p.Old.ID, strings.TrimPrefix(res.Retired, "renamed to "))
	default:
		fmt.Fprintf(w, "Revoked the old token %d.\n", p.Old.ID)
	}
}

// failed reports a run that did not finish.
func (r *oneRun) failed(ctx context.Context, res *rotation.Result, err error, p *rotation.Pending) error {
	var partial *rotation.PartialError
	var lost *rotation.LostRaceError
	var proof *rotation.ProofError
	var retire *rotation.RetireError
	switch {
	case errors.As(err, &partial) && r.withTo:
		r.printReportErr(res.Report)
		code := cmdutil.ExitPartial
		if ctx.Err() != nil {
			code = cmdutil.ExitInterrupted
		}
		return cmdutil.Exit(code, fmt.Errorf("%s; fix the failed sinks, then finish with `%s` (or drop it with --abandon)", err.Error(), resumeHint(p)))
	case errors.As(err, &partial):
		// Without --to, as before: the token was shown, storing it failed,
		// and the old token is kept.
		why := "storing it was interrupted"
		if e := partial.Report.Err(); e != nil && ctx.Err() == nil {
			why = e.Error()
		}
		old := ""
		if p.Old != nil {
			old = fmt.Sprintf("; the old token %d was not revoked", p.Old.ID)
		}
		return cmdutil.Exit(failureCode(ctx), fmt.Errorf("token %d was minted, but %s%s; finish with `%s` once that is fixed (or drop it with --abandon)", partial.NewID, why, old, resumeHint(p)))
	case errors.As(err, &lost):
		return cmdutil.Exit(cmdutil.ExitFailure, err)
	case errors.As(err, &proof), errors.As(err, &retire):
		return cmdutil.Exit(failureCode(ctx), err)
	}
	if p.New != nil && ctx.Err() != nil {
		return cmdutil.Exit(cmdutil.ExitInterrupted, fmt.Errorf("interrupted; the new token %d is kept in the pending rotation: finish with `%s`", p.New.ID, resumeHint(p)))
	}
	return err
}

// siteAPI is the site as the rotation machine needs it: the caller's own
// tokens, or a user's (an impersonation token's owner).
type siteAPI struct {
	c      *client.Client
	userID int64 // 0: the caller's own tokens
	log    io.Writer
}

func (a *siteAPI) List(ctx context.Context) ([]client.Token, error) {
	if a.userID != 0 {
		return a.c.ListAllUserTokens(ctx, a.userID)
	}
	return a.c.ListAllTokens(ctx)
}

func (a *siteAPI) Mint(ctx context.Context, req client.CreateTokenRequest, before []client.Token) (*client.CreatedToken, error) {
	m := selfMint(a.c, req, a.log)
	if a.userID != 0 {
		m = userMint(a.c, a.userID, req, a.log)
	}
	return mintReconciled(ctx, withExisting(m, before))
}

func (a *siteAPI) Prove(ctx context.Context, secret string, userID int64) error {
	me, err := a.c.WithToken(secret).Me(ctx)
	if err != nil {
		return err
	}
	if userID != 0 && me.UserID != userID {
		return fmt.Errorf("it authenticates as user %d, not %d", me.UserID, userID)
	}
	return nil
}

func (a *siteAPI) Revoke(ctx context.Context, id int64) error { return a.c.RevokeToken(ctx, id) }

func (a *siteAPI) Rename(ctx context.Context, id int64, name string) error {
	_, err := a.c.RenameToken(ctx, id, name)
	return err
}

// apiFor is the site API for a rotation: an impersonation token's
// owner's tokens, else the caller's.
func (r *oneRun) apiFor(old *rotation.OldToken) *siteAPI {
	a := &siteAPI{c: r.c, log: r.f.IO.ErrOut}
	if old != nil && old.Impersonation {
		a.userID = old.UserID
	}
	return a
}
