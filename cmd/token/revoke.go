package token

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/output"
)

// RevokeOptions are the inputs of `axero token revoke`.
type RevokeOptions struct {
	Factory *cmdutil.Factory
	Tokens  []string // IDs or exact names
	Expired bool
	User    string
	Yes     bool
	DryRun  bool

	// Superseded revokes the tokens a rotation with --grace renamed, once
	// their time has passed (revoke_superseded.go).
	Superseded bool

	// From revokes the tokens listed in a file instead (revoke_from.go).
	From           string
	Concurrency    int // 0: auto
	MaxConcurrency int
}

// errNeedYes is returned when a revoke would need a confirmation that
// cannot be asked for. Like any prompt that cannot appear, it is a usage
// error (exit 2) that names the flag to pass; nothing changed.
var errNeedYes error = &cmdutil.FlagError{Err: errors.New("not revoking without confirmation, and this session cannot ask (no terminal, CI or AXERO_NO_PROMPT is set): pass --yes to confirm, or --dry-run to only list")}

// NewCmdRevoke builds `axero token revoke`; runF, when set, runs instead of
// the command once the arguments are checked.
func NewCmdRevoke(f *cmdutil.Factory, runF func(context.Context, *RevokeOptions) error) *cobra.Command {
	opts := &RevokeOptions{Factory: f}
	c := &cobra.Command{
		Use:     "revoke (ID|NAME... [--expired] [--user U] | --from FILE [--concurrency auto|N]) [--yes] [--dry-run]",
		Short:   "Revoke tokens, immediately and irreversibly",
		Aliases: []string{"rm", "delete"},
		Long: `Revoke tokens given by ID or exact name, or with --expired every expired
token (of --user for an administrator), or with --superseded every token
that ` + "`token rotate --grace D`" + ` renamed as superseded and whose time has passed. It first shows what it will revoke
(ID, name, created, last used), then asks on a terminal. Without a terminal it
needs --yes, and changes nothing without it (exit 2). --dry-run only shows.

On a terminal, a name that several tokens share offers those tokens to
choose from, and no argument at all offers every token (of --user, for an
administrator). In CI, without a terminal or with AXERO_NO_PROMPT=1, a
shared name is an error that lists the IDs, and no argument a usage error
(exit 2).

Revoking the token that the current profile itself uses is allowed, with a
warning: the profile stops working until you log in again.

` + revokeFromHelp + `

Exit status: 0 done; 2 no --yes without a terminal (nothing changed);
3 not permitted; 4 unknown ID or name; 5 with --from, some rows were
refused or failed (they are in the failed file).`,
		Example: `  $ axero token revoke 1017
  $ axero token revoke old-ci-token --yes
  $ axero token revoke --expired --dry-run
  $ axero token revoke --expired --user jdoe@example.com --yes
  $ axero token revoke --superseded --dry-run

  # In bulk, from an audit (or any axero output with token IDs)
  $ axero token audit --stale 180d -o csv > stale.csv
  $ axero token revoke --from stale.csv --dry-run
  $ axero token revoke --from stale.csv --yes`,
		ValidArgsFunction: cmdutil.CompleteTokens(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Tokens = args
			if c.Flags().Changed("from") {
				if err := opts.validateFrom(c); err != nil {
					return err
				}
				if runF != nil {
					return runF(c.Context(), opts)
				}
				return revokeFromRun(c.Context(), opts)
			}
			if err := refuseOutsideFrom(c, "concurrency", "max-concurrency"); err != nil {
				return err
			}
			if len(args) == 0 && !opts.Expired && !opts.Superseded && !cmdutil.CanPick(f.IO) {
				return cmdutil.FlagErrorf("name the tokens to revoke (ID or exact name), or pass --expired, --superseded or --from FILE")
			}
			if c.Flags().Changed("user") && strings.TrimSpace(opts.User) == "" {
				return cmdutil.FlagErrorf("--user needs a UserID, an email address or a user name")
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			ctx, cancel, err := f.WithDeadline(c.Context())
			if err != nil {
				return err
			}
			defer cancel()
			return revokeRun(ctx, opts)
		},
	}
	// Tokens by ID or name: one deadline. --from: the checks before the
	// first row get one, and each request its own (rowClient).
	cmdutil.SelfDeadline(c)
	fl := c.Flags()
	fl.BoolVar(&opts.Expired, "expired", false, "revoke every expired token")
	fl.BoolVar(&opts.Superseded, "superseded", false, "revoke every token a rotation with --grace marked superseded, once its time has passed")
	fl.StringVar(&opts.User, "user", "", "act on this `user`'s tokens (admin): a UserID, email or user name")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "show what would be revoked and change nothing")
	fl.StringVar(&opts.From, "from", "", "revoke the tokens listed in this `file`: an audit's CSV or JSON, a create-for-user output, or a CSV with a TokenID column")
	addConcurrencyFlag(c, &opts.Concurrency, &opts.MaxConcurrency, true)
	return c
}

func revokeRun(ctx context.Context, opts *RevokeOptions) error {
	f := opts.Factory
	ios := f.IO
	now := f.Now()
	c, err := f.Client()
	if err != nil {
		return err
	}
	targets, ctx, done, err := revokeTargets(ctx, f, c, opts, now)
	defer done()
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		if ios.IsStdoutTTY() {
			fmt.Fprintln(ios.Out, nothingToRevoke(opts))
		}
		return nil
	}

	if opts.DryRun {
		return output.Print(ios, output.Options{}, targets, func(tty bool) output.TableData {
			return revokeTable(targets, tty, now)
		})
	}
	fmt.Fprintf(ios.ErrOut, "About to revoke %s:\n", cmdutil.CountNoun(len(targets), "token"))
	if err := output.Print(cmdutil.ErrStreams(f.IO), output.Options{}, targets, func(tty bool) output.TableData {
		return revokeTable(targets, tty, now)
	}); err != nil {
		return err
	}
	warnIfRevokingOwnToken(f, targets)
	if !opts.Yes {
		if !ios.CanPrompt() {
			return errNeedYes
		}
		ok, err := cmdutil.Confirm(ios, fmt.Sprintf("Revoke %s? This cannot be undone. [y/N] ", cmdutil.CountNoun(len(targets), "token")))
		if err != nil {
			return err
		}
		if !ok {
			return cmdutil.Exit(cmdutil.ExitFailure, errors.New("nothing revoked"))
		}
		// The time taken to answer is not the server's.
		var cancel context.CancelFunc
		ctx, cancel = f.RestartDeadline(ctx)
		defer cancel()
	}

	var failed []string
	notFound := 0
	for _, t := range targets {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.RevokeToken(ctx, t.TokenID); err != nil {
			if client.IsNotFound(err) {
				notFound++
			}
			failed = append(failed, fmt.Sprintf("token %d: %v", t.TokenID, err))
			continue
		}
		if ios.IsStdoutTTY() {
			fmt.Fprintf(ios.Out, "✓ Revoked token %d (%s)\n", t.TokenID, textsafe.Terminal(t.Name))
		}
	}
	if len(failed) > 0 {
		code := cmdutil.ExitFailure
		if notFound == len(failed) {
			code = cmdutil.ExitNotFound
		}
		return cmdutil.Exit(code, fmt.Errorf("revoked %d of %d: %s", len(targets)-len(failed), len(targets), strings.Join(failed, "; ")))
	}
	return nil
}

// revokeTargets resolves the arguments and --expired to a list of tokens,
// each once, in the order given. Any unknown ID or name fails the whole
// command before anything is revoked. On a terminal, a name several
// tokens share, or no argument and no --expired, is settled at a picker;
// the context to go on with (a fresh deadline after a picker) is returned
// with the function that releases it.
func revokeTargets(ctx context.Context, f *cmdutil.Factory, c *client.Client, opts *RevokeOptions, now time.Time) (targets []client.Token, next context.Context, done context.CancelFunc, err error) {
	var dones []context.CancelFunc
	done = func() {
		for _, d := range dones {
			d()
		}
	}
	tokens, err := cmdutil.ListTokens(ctx, c, opts.User)
	if err != nil {
		return nil, ctx, done, err
	}
	seen := map[int64]bool{}
	add := func(t client.Token) {
		if !seen[t.TokenID] {
			seen[t.TokenID] = true
			targets = append(targets, t)
		}
	}
	args := opts.Tokens
	if len(args) == 0 && !opts.Expired && !opts.Superseded {
		args = []string{""} // the picker offers them all
	}
	for _, arg := range args {
		picked, err := f.PickToken(ctx, c, tokens, arg, cmdutil.TokenPick{Verb: "revoke"})
		dones = append(dones, picked.Done)
		if err != nil {
			return nil, ctx, done, err
		}
		ctx = picked.Ctx
		add(picked.Token)
	}
	if opts.Expired {
		for _, t := range tokens {
			if t.Expired(now) {
				add(t)
			}
		}
	}
	if opts.Superseded {
		for _, t := range supersededDue(tokens, now) {
			add(t)
		}
	}
	return targets, ctx, done, nil
}

// revokeTable shows what revoke acts on: ID, name, created, last used.
func revokeTable(tokens []client.Token, tty bool, now time.Time) output.TableData {
	td := output.TableData{
		Headers: []string{"ID", "NAME", "CREATED", "LAST USED"},
		Fit:     output.Fit{Truncate: []string{"NAME"}},
	}
	for _, t := range tokens {
		lastUsed := "never"
		if t.LastUsedDate != nil && !t.LastUsedDate.IsZero() {
			lastUsed = output.FormatTime(t.LastUsedDate.Time, tty, now)
		}
		td.Rows = append(td.Rows, []string{
			strconv.FormatInt(t.TokenID, 10), t.Name,
			output.FormatTime(t.DateCreated.Time, tty, now), lastUsed,
		})
	}
	return td
}

// warnIfRevokingOwnToken says so when one of the tokens is the one the
// current profile (or AXERO_TOKEN) authenticates with.
func warnIfRevokingOwnToken(f *cmdutil.Factory, targets []client.Token) {
	own, where := ownToken(f)
	for _, t := range targets {
		if own != 0 && t.TokenID == own {
			fmt.Fprintf(f.IO.ErrOut, "! Token %d is the one %s uses: after revoking it, %s stops working until you run `axero login` again.\n", t.TokenID, where, where)
		}
	}
}

// ownToken is the ID of the token this command authenticates with, and
// where it comes from (the profile, or AXERO_TOKEN); 0 when unknown.
func ownToken(f *cmdutil.Factory) (int64, string) {
	tok, source, err := f.Token()
	if err != nil {
		return 0, ""
	}
	info, err := jwtinfo.Decode(tok)
	if err != nil {
		return 0, ""
	}
	if source == cmdutil.SourceEnv {
		return info.TokenID, "AXERO_TOKEN"
	}
	return info.TokenID, fmt.Sprintf("profile %q", f.ProfileName())
}
