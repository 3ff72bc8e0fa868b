package token

import (
	"context"
	"fmt"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/rotation"
)

// createDeliveredHelp is the part of create's help about delivery.
const createDeliveredHelp = `With --to SINK (repeatable) or --sinks FILE the token is delivered where it
is consumed instead of being printed (see token rotate, and "Delivered
rotation" in the README): every sink is checked before anything is minted
(--dry-run stops there), the token is kept in a 0600 pending file until every
sink holds it, and a sink that fails leaves the others delivered and exits 5;
--resume finishes the delivery, --abandon revokes the token.`

// delivered reports whether the token goes through the delivery
// protocol: --to, or finishing or dropping an earlier delivery.
func (o *CreateOptions) delivered() bool {
	return len(o.Sinks.To) > 0 || o.Sinks.SinksFile != "" || o.Resume || o.Sinks.Abandon
}

// createDeliveredRun mints a token and delivers it to the --to sinks by
// the protocol of package rotation (with no old token to retire).
func createDeliveredRun(ctx context.Context, opts *CreateOptions) error {
	f := opts.Factory
	now := f.Now()
	spec, err := expiry.Parse(opts.Expires, now)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	r, given, err := startOneRun(f, &opts.Sinks, &opts.Delivery)
	if err != nil {
		return err
	}
	release, err := r.store.LockName(ctx, r.site, opts.Name, f.IO.ErrOut, f.Now)
	if err != nil {
		return err
	}
	defer release()

	p, err := r.store.Load(r.key(opts.Name))
	if err != nil {
		return err
	}
	if p != nil {
		if p.Old != nil {
			return cmdutil.Exit(cmdutil.ExitFailure, fmt.Errorf("a rotation of a token named %q is unfinished; finish it with `%s` or drop it with --abandon", p.Name, resumeHint(p)))
		}
		done, err := r.handlePending(ctx, p, r.apiFor(nil), opts.Resume, opts.Sinks.Abandon, given)
		if done || err != nil {
			return err
		}
	} else if opts.Resume || opts.Sinks.Abandon {
		return cmdutil.Exit(cmdutil.ExitFailure, fmt.Errorf("there is no unfinished delivery of a token named %q", opts.Name))
	}
	if len(given) == 0 {
		return cmdutil.FlagErrorf("--to or --sinks is needed to deliver a new token")
	}

	d := opts.Delivery
	if err := d.Preflight(f, opts.Name); err != nil {
		return err
	}
	specs, err := givenSpecs(given, &d, opts.Name, opts.Sinks.Show)
	if err != nil {
		return err
	}
	sinks, err := r.readySinks(ctx, specs)
	if err != nil {
		return err
	}
	if opts.DryRun {
		return r.printCheck(sinks, fmt.Sprintf("a token named %q would be minted and delivered", opts.Name))
	}
	minutes, err := cmdutil.PolicyMinutes(ctx, r.c, spec, now)
	if err != nil {
		return err
	}
	p = &rotation.Pending{Site: r.site, Profile: r.profile, Name: opts.Name, Minutes: minutes, To: given}
	for _, s := range specs {
		p.Sinks = append(p.Sinks, rotation.SinkState{Spec: s})
	}
	api := r.apiFor(nil)
	before, err := api.List(ctx)
	if err != nil {
		return err
	}
	r.pending = p
	res, err := r.machine(api, sinks).Start(ctx, p, before)
	return r.finish(ctx, res, err, p)
}
