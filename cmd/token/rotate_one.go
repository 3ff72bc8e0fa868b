package token

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/internal/rotation"
)

// rotateOneHelp is the part of rotate's help about delivery.
const rotateOneHelp = `With --to SINK (repeatable) or --sinks FILE the new token is delivered where
it is consumed: a GitHub Actions secret, a GitLab CI/CD variable, a Vault KV
entry, an AWS Secrets Manager secret, a file, a keychain profile or a command
(see "Delivered rotation" in the README). Every sink is checked before
anything is minted (--dry-run stops there); then the new token is minted,
kept in a 0600 pending file, proved, put into each sink and read back, and
only when every sink holds it is the old token revoked (or, with --grace D,
renamed as superseded, for ` + "`axero token revoke --superseded`" + ` to revoke
after D). With --to the token is not printed (--show prints it too); on a
terminal stdout shows each sink's state, and -o json gives the record, without
the secret, with its deliveries.

If a sink fails, the old token is left working, the table says which sink
failed and why, and the command exits 5; --resume finishes the rotation
once the sink is fixed, and --abandon drops it (the new token is revoked).
A run that is killed is finished the same way. Two rotations of one token
never both succeed: on one machine the second waits for the first, and
across machines the one whose new token has the lower ID wins.`

// validateRotateOne checks the flags of a single rotation. --resume and
// --dry-run also belong to --from, whose check refuses them without it;
// for one token they mean what --to gives them.
func validateRotateOne(c *cobra.Command, args []string, opts *RotateOptions) error {
	if !c.Flags().Changed("resume") && !c.Flags().Changed("dry-run") {
		if err := validateSingleRotate(c, args); err != nil {
			return err
		}
	} else {
		for _, n := range []string{"if-expiring-within", "name-template", "concurrency", "max-concurrency"} {
			if c.Flags().Changed(n) {
				return cmdutil.FlagErrorf("--%s works only with --from", n)
			}
		}
		if len(args) != 1 {
			return cmdutil.FlagErrorf("give the ID or name of the token to rotate, or --from OLD --out NEW")
		}
	}
	return opts.Sinks.validate(c, opts.Resume, opts.DryRun)
}

// rotateOneRun rotates one token by the protocol of package rotation:
// resolve it and lock it, check every sink, write the intent, mint, keep
// the secret, prove it, deliver, commit, retire the old token.
func rotateOneRun(ctx context.Context, opts *RotateOptions) error {
	f := opts.Factory
	if _, err := expiry.Parse(opts.Expires, f.Now()); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	r, given, err := startOneRun(f, &opts.Sinks, &opts.Delivery)
	if err != nil {
		return err
	}
	c := r.c
	arg := strings.TrimSpace(opts.Token)

	// An unfinished rotation of a token of this name comes first: while
	// it is unfinished, the name belongs to two tokens.
	p, err := r.store.Load(r.key(arg))
	if err != nil {
		return err
	}
	var old client.Token
	if p == nil {
		mine, err := cmdutil.ListTokens(ctx, c, "")
		if err != nil {
			return err
		}
		picked, err := f.PickToken(ctx, c, mine, arg, cmdutil.TokenPick{Verb: "rotate"})
		defer picked.Done()
		if err != nil {
			return err
		}
		// A token picked on a terminal is named by its ID from here on:
		// its name may be shared. The picker's time is not the command's.
		old, ctx = picked.Token, picked.Ctx
		if arg == "" || arg != fmt.Sprint(old.TokenID) && arg == old.Name && pickedAmong(mine, old.Name) {
			arg = fmt.Sprint(old.TokenID)
			r.chosen = pickedAmong(mine, old.Name)
		}
		if p, err = r.store.Load(r.key(old.Name)); err != nil {
			return err
		}
	}
	if p != nil && p.Old == nil {
		return cmdutil.Exit(cmdutil.ExitFailure, fmt.Errorf("a delivery of a new token named %q is unfinished; finish it with `%s` or drop it with --abandon", p.Name, resumeHint(p)))
	}
	lockID := old.TokenID
	if p != nil {
		lockID = p.Old.ID
	}
	for attempt := 0; ; attempt++ {
		release, err := r.store.LockToken(ctx, r.site, lockID, f.IO.ErrOut, f.Now)
		if err != nil {
			return err
		}
		next, err := rotateLocked(ctx, r, opts, arg, lockID, given)
		release()
		if err != nil || next == 0 || attempt >= 3 {
			return err
		}
		// Another rotation replaced the token while this one waited: the
		// name now names its replacement, which is locked in turn.
		lockID = next
	}
}

// rotateLocked runs under the lock of token lockID. It returns the ID of
// the token to lock instead when arg now names another token.
func rotateLocked(ctx context.Context, r *oneRun, opts *RotateOptions, arg string, lockID int64, given []string) (int64, error) {
	c := r.c
	// Under the lock, look again: the run that held it may have finished,
	// or left a pending rotation.
	p, err := r.store.Load(r.key(arg))
	if err != nil {
		return 0, err
	}
	mine, err := cmdutil.ListTokens(ctx, c, "")
	if err != nil {
		return 0, err
	}
	var old client.Token
	if p == nil {
		old, err = cmdutil.ResolveToken(ctx, c, mine, arg)
		if err != nil {
			if id, isID := resolve.ParseID(arg); isID && id == lockID && cmdutil.ExitCode(err) == cmdutil.ExitNotFound {
				return 0, cmdutil.Exit(cmdutil.ExitNotFound, fmt.Errorf("token %d no longer exists: another rotation replaced it", id))
			}
			return 0, err
		}
		if old.TokenID != lockID {
			return old.TokenID, nil
		}
		if p, err = r.store.Load(r.key(old.Name)); err != nil {
			return 0, err
		}
	}
	if p != nil {
		if p.Old == nil || p.Old.ID != lockID {
			return 0, unfinishedError(p)
		}
		done, err := r.handlePending(ctx, p, r.apiFor(p.Old), opts.Resume, opts.Sinks.Abandon, given)
		if done || err != nil {
			return 0, err
		}
		// An intent without a mint was settled: rotate afresh.
		if old, err = cmdutil.ResolveToken(ctx, c, mine, strings.TrimSpace(fmt.Sprint(lockID))); err != nil {
			return 0, err
		}
	} else if opts.Resume || opts.Sinks.Abandon {
		return 0, cmdutil.Exit(cmdutil.ExitFailure, fmt.Errorf("there is no unfinished rotation of %q to %s", old.Name, map[bool]string{true: "resume", false: "abandon"}[opts.Resume]))
	}
	return 0, rotateFresh(ctx, r, opts, old, given)
}

// concurrentRotationWindow is how recently a newer token of the same name
// must have been minted to be taken for another rotation's replacement: a
// rotation takes seconds, and the margin covers the clocks of this machine
// and the site disagreeing.
const concurrentRotationWindow = 15 * time.Minute

// rotateFresh rotates old, locked and resolved, from the start.
func rotateFresh(ctx context.Context, r *oneRun, opts *RotateOptions, old client.Token, given []string) error {
	f, c := r.f, r.c
	now := f.Now()
	var spec expiry.Spec
	if opts.Expires != "" {
		s, err := expiry.Parse(opts.Expires, now)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		spec = s
	}
	policy, err := c.Policy(ctx)
	if err != nil {
		return err
	}
	if opts.Expires == "" {
		spec = expiry.FromToken(old, now).Clamp(now, policy)
	}
	minutes, err := spec.Minutes(now, policy)
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	holders := profilesHolding(cfg, r.site, old.TokenID)
	d := opts.Delivery
	if d.Keychain {
		if _, isHolder := holders[d.profileFor(old.Name)]; isHolder {
			// The profile holds the old token: replacing its credential is
			// the point of the rotation, and the delivery does it.
			delete(holders, d.profileFor(old.Name))
			d.replaceProfile = true
		}
	}
	if err := d.Preflight(f, old.Name); err != nil {
		return err
	}
	specs := holderSpecs(holders)
	if r.withTo {
		more, err := givenSpecs(given, &d, old.Name, opts.Sinks.Show)
		if err != nil {
			return err
		}
		specs = append(specs, more...)
	} else {
		specs = append(specs, encodeStdout(d))
	}
	sinks, err := r.readySinks(ctx, specs)
	if err != nil {
		return err
	}
	if opts.DryRun {
		return r.printCheck(sinks, fmt.Sprintf("a rotation would replace token %d", old.TokenID))
	}

	p := &rotation.Pending{Site: r.site, Profile: r.profile, Name: old.Name, Minutes: minutes, KeepOld: opts.KeepOld, To: given,
		Old: &rotation.OldToken{ID: old.TokenID, UserID: old.UserID, Impersonation: old.IsImpersonation}}
	if !old.NeverExpires() {
		t := old.ExpirationDate.UTC()
		p.Old.Expires = &t
	}
	if opts.Sinks.Grace != "" {
		g, _ := expiry.ParseWindow("--grace", opts.Sinks.Grace) // checked with the flags
		p.Grace = g
	}
	for _, s := range specs {
		p.Sinks = append(p.Sinks, rotation.SinkState{Spec: s})
	}
	api := r.apiFor(p.Old)
	before, err := api.List(ctx)
	if err != nil {
		return err
	}
	// A newer token of the same name, minted moments ago, is another
	// rotation's replacement (on another machine, which no lock here can
	// see): this one would leave two. The check after minting covers the
	// rest of the window. An older namesake, or one the person at the
	// terminal chose this token over, is a token of its own: names need
	// not be unique, and rotating one of two is allowed.
	for _, t := range before {
		if !r.chosen && t.Name == old.Name && t.TokenID > old.TokenID && t.DateCreated.After(now.Add(-concurrentRotationWindow)) {
			return cmdutil.Exit(cmdutil.ExitFailure, fmt.Errorf("token %d has the same name and is newer than token %d: another rotation of %q is under way or has finished; nothing was minted (rotate token %d instead, or rename one of them)", t.TokenID, old.TokenID, old.Name, t.TokenID))
		}
	}
	r.pending = p
	res, err := r.machine(api, sinks).Start(ctx, p, before)
	if err := r.finish(ctx, res, err, p); err != nil {
		return err
	}
	if res.Retired == "revoked" {
		warnStaleEnvToken(f, old.TokenID)
	}
	return nil
}

// holderSpecs are the implicit sinks of the profiles that held the old
// token, in name order.
func holderSpecs(holders map[string]*config.Profile) []string {
	names := make([]string, 0, len(holders))
	for name := range holders {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = schemeProfile + ":" + n
	}
	return out
}

// warnStaleEnvToken says so when AXERO_TOKEN held the token just retired.
func warnStaleEnvToken(f *cmdutil.Factory, oldID int64) {
	if tok, source, err := f.Token(); err == nil && source == cmdutil.SourceEnv {
		if info, err := jwtinfo.Decode(tok); err == nil && info.TokenID == oldID {
			fmt.Fprintln(f.IO.ErrOut, "! AXERO_TOKEN still holds the old token, which no longer works: replace it with the new one.")
		}
	}
}

// pickedAmong reports whether name is shared by several of tokens, so that
// a token chosen among them must be named by its ID.
func pickedAmong(tokens []client.Token, name string) bool {
	n := 0
	for _, t := range tokens {
		if t.Name == name {
			n++
		}
	}
	return n > 1
}
