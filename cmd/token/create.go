package token

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/output"
)

// CreateOptions are the inputs of `axero token create`.
type CreateOptions struct {
	Factory  *cmdutil.Factory
	Name     string
	Expires  string
	Delivery TokenDelivery
	// Sinks, Resume and DryRun deliver the token with --to
	// (create_delivered.go).
	Sinks  SinkFlags
	Resume bool
	DryRun bool
}

// NewCmdCreate builds `axero token create`; runF, when set, runs instead of
// the command so that tests can check the parsed options.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Factory: f}
	c := &cobra.Command{
		Use:   "create --name NAME [--expires E] [--keychain[=PROFILE]] [--out FILE]",
		Short: "Create a token for yourself and show it once",
		Long: `Create a bearer token for the account you are logged in as and show it once.

On a terminal the token is printed with its ID, name and expiry. Piped, stdout
carries only the token and a newline, so that it can be captured. The warning
that it will not be shown again always goes to stderr. With -o json or yaml the
record is printed with the token in it.

--keychain stores the token in the OS keychain as the credential of a profile
(by default named after the token) on the same site, and --out writes the
record to a new file with mode 0600; then the token itself is not printed.
If storing fails, the token is printed after all and the command exits 1.
--jq could drop the token from what is printed, so it is refused unless
--out or --keychain keeps the token; -o json prints the whole record.

--expires is checked against the site's policy before anything is created.
A date such as 2027-01-31 means the end of that day in UTC. Without
--expires the site's default lifetime applies.

` + createDeliveredHelp,
		Example: `  $ axero token create --name ci-deploy-prod --expires 90d
  $ TOKEN=$(axero token create --name nightly-export --expires 30d)
  $ axero token create --name reporting --keychain
  $ axero token create --name backup --out backup-token.json
  $ axero token create --name ci-deploy --to github:acme/api#AXERO_TOKEN --to vault:secret/ci/axero#token`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !c.Flags().Changed("name") {
				return cmdutil.FlagErrorf("--name is required")
			}
			if err := opts.Sinks.validate(c, opts.Resume, opts.DryRun); err != nil {
				return err
			}
			if err := resolve.ValidateName(opts.Name); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			opts.Name = strings.TrimSpace(opts.Name)
			opts.Delivery.normalize(c)
			if err := opts.Sinks.checkJQ(&opts.Delivery, "token create"); err != nil {
				return err
			}
			if err := opts.Delivery.Output.Validate(output.FormatTable, output.FormatJSON, output.FormatYAML); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			if opts.delivered() {
				return createDeliveredRun(c.Context(), opts)
			}
			return createRun(c.Context(), opts)
		},
	}
	c.Flags().StringVar(&opts.Name, "name", "", "the token's `name` (1 to 100 characters)")
	c.Flags().StringVar(&opts.Expires, "expires", "", "when it expires, `E`: a duration (90m, 12h, 30d, 26w, 1y), a date (2027-01-31, end of that day UTC), an RFC 3339 time, or never (default: the site's default)")
	addDeliveryFlags(c, f, &opts.Delivery)
	addSinkFlags(c, &opts.Sinks, false)
	c.Flags().BoolVar(&opts.Resume, "resume", false, "finish an unfinished delivery of the token named --name")
	c.Flags().BoolVar(&opts.DryRun, "dry-run", false, "with --to: check every sink and stop; nothing is minted")
	output.AddFlags(c, &opts.Delivery.Output, output.FormatTable, output.FormatJSON, output.FormatYAML)
	_ = c.RegisterFlagCompletionFunc("expires", cmdutil.CompleteExpires(f))
	return c
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	f := opts.Factory
	// One reading of the clock serves the parse and the policy check, so
	// that "30d" means the same instant to both.
	now := f.Now()
	spec, err := expiry.Parse(opts.Expires, now)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if err := opts.Delivery.Preflight(f, opts.Name); err != nil {
		return err
	}
	if p, ok, err := f.Profile(); err == nil && ok && opts.Delivery.UserName == "" {
		// The token is the caller's: a keychain profile made for it names
		// the same user as the profile in use.
		opts.Delivery.UserName = p.User
	}
	c, err := f.Client()
	if err != nil {
		return err
	}
	minutes, err := cmdutil.PolicyMinutes(ctx, c, spec, now)
	if err != nil {
		return err
	}
	req := client.CreateTokenRequest{Name: opts.Name, ExpiresInMinutes: minutes}
	// The list of tokens before minting lets a lost answer be reconciled
	// without trusting the server's clock.
	m, err := snapshot(ctx, selfMint(c, req, f.IO.ErrOut))
	if err != nil {
		return err
	}
	ct, err := mintReconciled(ctx, m)
	if err != nil {
		return err
	}
	return deliverToken(f, ct, opts.Delivery)
}
