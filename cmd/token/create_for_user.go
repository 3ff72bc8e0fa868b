package token

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/nametemplate"
	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/output"
)

// CreateForUserOptions are the inputs of `axero token create-for-user`.
type CreateForUserOptions struct {
	Factory *cmdutil.Factory

	// One user.
	User     string
	Name     string
	Expires  string
	Delivery TokenDelivery // its Out is the output file in bulk mode too

	// expires is Expires parsed, once, at now, by validate.
	expires expiry.Spec
	now     time.Time

	// Many users.
	From           string
	NameTemplate   string
	Concurrency    int // 0: auto
	MaxConcurrency int
	Resume         bool
	DryRun         bool
	// Sinks are --to and --sinks: where else each token goes
	// (bulk_sinks.go).
	Sinks SinkFlags
}

// NewCmdCreateForUser builds `axero token create-for-user`; runF, when
// set, runs instead of the command once the flags are checked.
func NewCmdCreateForUser(f *cmdutil.Factory, runF func(context.Context, *CreateForUserOptions) error) *cobra.Command {
	opts := &CreateForUserOptions{Factory: f}
	c := &cobra.Command{
		Use:   "create-for-user (--user U --name N | --from FILE.csv --out FILE) [flags]",
		Short: "Create impersonation tokens for other users (admin)",
		Long: `Create impersonation tokens on behalf of other users. This needs an
administrator account with the impersonation permission; without it the
command exits 3 before anything is created.

One user: --user takes a UserID, an email address or a user name, and the
token is shown once exactly as by 'token create' (or stored with --out or
--keychain), marked as an impersonation token.

Many users: --from reads a CSV file (or - for stdin) with a header row and a
"user" column; optional "name" and "expires" columns override --name,
--name-template and --expires per row. Each token is written to --out as
soon as it is minted, as JSON Lines, or CSV when the file name ends in .csv,
with mode 0600: user (as given), UserID, TokenID, name, expiry, token.
Rows that fail (unknown user, bad expiry) go to <out>.failed.csv with a
reason column, ready to be fixed and fed back as --from. A row naming a user
an earlier row took (twice, or by another spelling) is skipped, not failed:
fed back, it would mint that user a second token. A journal, <out>.journal, records each create before it is sent; it
never holds a token.

Token names come from --name, or from --name-template, a Go template over
.UserID, .UserName, .Email, .DisplayName and .Date (the day of the run,
UTC). The default template is "` + nametemplate.Default + `". Users given by UserID
with a template that uses only .UserID and .Date (or with --name) are not
looked up: the create itself reports an unknown UserID.

Creates are not idempotent, so a create whose answer is lost is never sent
again blindly: the user's tokens are listed, any token of that name created
by this run whose secret never arrived is revoked, and then the token is
minted again. After a run every user in the input has exactly one active
token from it, whose secret is in --out, or is in the failed file.

--concurrency auto (the default) keeps as many requests in flight as the
site answers without slowing down, up to --max-concurrency (64), and
follows the site as its pace changes; a 429 or 503 pauses every request.
--concurrency N holds it at N. On a terminal a status line on stderr shows
the rows done, the limit and the rate; --debug logs each change of the
limit with its reason.

A run holds a lock on <out>.lock from before its first request to its end:
a second run on the same --out, resumed or not, is refused and told the PID
of the one that holds it. --timeout bounds the checks before the first row,
and each row gets --timeout or 5 minutes, whichever is longer; the run as a
whole has no deadline.

--resume continues an interrupted or killed run (even after kill -9): it
skips users that already have a record in --out, and for every other user
first checks the user's tokens, revoking any token an earlier run minted
whose secret never reached --out, then mints. --dry-run resolves every user and
checks every row against the site's policy, prints the plan as CSV on stdout
and mints nothing.

` + bulkSinksHelp + `

Ctrl-C stops sending new requests, waits for those in flight, records their
tokens and exits 130; press it again to see what is still pending.

Exit status: 0 all rows succeeded, 5 some rows failed (or a token was not
delivered to every sink), 3 no permission (or a sink's credential refused
before the first row), 130 interrupted.`,
		Example: `  # One user, token shown once
  $ axero token create-for-user --user jdoe@example.com --name jira-sync --expires 90d

  # Many users
  $ cat users.csv
  user,expires
  jdoe,30d
  1042,
  asmith@example.com,2027-06-30
  $ axero token create-for-user --from users.csv --out tokens.jsonl --expires 90d
  minted 3, skipped 0, failed 0, elapsed 0.4s

  # Check first, then continue a run that was interrupted
  $ axero token create-for-user --from users.csv --dry-run
  $ axero token create-for-user --from users.csv --out tokens.jsonl --resume

  # Name each token after its user
  $ axero token create-for-user --from users.csv --out tokens.csv --name-template 'integration-{{.UserName}}'

  # Put each user's token at its own Vault path too
  $ axero token create-for-user --from users.csv --out tokens.jsonl --to 'vault:secret/axero/{{.UserName}}#token'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Delivery.normalize(c)
			if err := opts.validate(c); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			if opts.From == "" {
				ctx, cancel, err := opts.Factory.WithDeadline(c.Context())
				if err != nil {
					return err
				}
				defer cancel()
				return createForOneUser(ctx, opts)
			}
			return createForManyUsers(c.Context(), opts)
		},
	}
	// One user: one deadline. Many users: the checks before the first row
	// get one, and each row gets its own (bulkRowTimeout), so that a long
	// run is never cut off as a whole.
	cmdutil.SelfDeadline(c)
	fl := c.Flags()
	fl.StringVar(&opts.User, "user", "", "the `user` to create a token for: a UserID, an email address or a user name")
	fl.StringVar(&opts.Name, "name", "", "the token's `name` (with --from: for every row without a name of its own)")
	fl.StringVar(&opts.Expires, "expires", "", "when it expires: a duration (90m, 12h, 30d, 26w, 1y), a date (2027-01-31, end of that day UTC), an RFC 3339 time, or never (default: the site's default)")
	fl.StringVar(&opts.From, "from", "", "create tokens for the users in this CSV `file` (- for stdin)")
	fl.StringVar(&opts.NameTemplate, "name-template", "", "with --from: a Go `template` for each token's name over .UserID, .UserName, .Email, .DisplayName, .Date (default \""+nametemplate.Default+"\")")
	addConcurrencyFlag(c, &opts.Concurrency, &opts.MaxConcurrency, true)
	addResumeFlags(c, &opts.Resume, &opts.DryRun, "with --from: continue the run whose output is --out", "with --from: check every row and print the plan without creating anything")
	addDeliveryFlags(c, f, &opts.Delivery)
	addBulkSinkFlags(c, &opts.Sinks)
	fl.Lookup("out").Usage = "write the token record to a new `FILE` with mode 0600; with --from, every token, as JSON Lines or as CSV when FILE ends in .csv"
	output.AddFlags(c, &opts.Delivery.Output, output.FormatTable, output.FormatJSON, output.FormatYAML)
	_ = c.RegisterFlagCompletionFunc("expires", cmdutil.CompleteExpires(f))
	return c
}

// validate checks the flags of either mode before anything else happens.
func (o *CreateForUserOptions) validate(c *cobra.Command) error {
	o.now = o.Factory.Now()
	spec, err := expiry.Parse(o.Expires, o.now)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	o.expires = spec
	switch {
	case o.User != "" && o.From != "":
		return cmdutil.FlagErrorf("--user and --from cannot be used together")
	case o.User == "" && o.From == "":
		return cmdutil.FlagErrorf("give --user for one user or --from FILE.csv for many")
	}
	if o.From == "" {
		if err := refuseOutsideFrom(c, "name-template", "concurrency", "max-concurrency", "resume", "dry-run", "to", "sinks"); err != nil {
			return err
		}
		if !c.Flags().Changed("name") {
			return cmdutil.FlagErrorf("--name is required")
		}
		if err := resolve.ValidateName(o.Name); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		o.Name = strings.TrimSpace(o.Name)
		if err := o.Delivery.checkSecretOutput("token create-for-user"); err != nil {
			return err
		}
		return o.Delivery.Output.Validate(output.FormatTable, output.FormatJSON, output.FormatYAML)
	}
	if err := refuseWithFrom(c, "--%s works only with --user", "keychain", "force", "output", "jq"); err != nil {
		return err
	}
	if err := checkDurableFlags(c, o.From, o.Delivery.Out, o.Resume, o.DryRun, "--out FILE for the tokens", o.Concurrency, o.MaxConcurrency); err != nil {
		return err
	}
	if o.Name != "" && o.NameTemplate != "" {
		return cmdutil.FlagErrorf("--name and --name-template cannot be used together")
	}
	if o.Name != "" {
		if err := resolve.ValidateName(o.Name); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		o.Name = strings.TrimSpace(o.Name)
	}
	return nil
}

// impersonationRefusal is create-for-user's word for a caller who cannot
// impersonate: exit 3 before anything else is attempted.
func impersonationRefusal(me *client.User) error {
	return cmdutil.Exit(cmdutil.ExitAuth, fmt.Errorf("%s (UserID %d) lacks the impersonation permission that create-for-user needs; nothing was created", me.UserName, me.UserID))
}

func createForOneUser(ctx context.Context, opts *CreateForUserOptions) error {
	f := opts.Factory
	if err := opts.Delivery.Preflight(f, opts.Name); err != nil {
		return err
	}
	c, err := f.Client()
	if err != nil {
		return err
	}
	if _, err := checkImpersonator(ctx, c, impersonationRefusal); err != nil {
		return err
	}
	user, err := resolve.User(ctx, c, opts.User)
	if err != nil {
		return err
	}
	minutes, err := cmdutil.PolicyMinutes(ctx, c, opts.expires, opts.now)
	if err != nil {
		return err
	}
	req := client.CreateTokenRequest{Name: opts.Name, ExpiresInMinutes: minutes}
	ct, err := mintReconciled(ctx, userMint(c, user.UserID, req, f.IO.ErrOut))
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "Impersonation token for %s (UserID %d): whoever holds it acts as that user.\n", textsafe.Terminal(impersonatedUser(user)), user.UserID)
	opts.Delivery.UserName = user.UserName
	return deliverToken(f, ct, opts.Delivery)
}

func impersonatedUser(u *client.User) string {
	if u.DisplayName != "" && u.DisplayName != u.UserName {
		return fmt.Sprintf("%s (%s)", u.UserName, u.DisplayName)
	}
	return u.UserName
}
