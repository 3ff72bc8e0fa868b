// Package doctor is `axero doctor`: one command that tells a user, or a
// support engineer reading a pasted output, why axero does not work here.
// It checks, in order, the configuration, the keychain, the token, the site
// URL, the CA bundle, the proxy decision, DNS, the TCP connection, TLS, an
// unauthenticated HTTP probe, the clock, and what the server says of the
// token. It never prints a token.
package doctor

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/output"
)

// DoctorOptions are the inputs of `axero doctor`.
type DoctorOptions struct {
	Factory *cmdutil.Factory
	Output  output.Options
}

// NewCmdDoctor builds `axero doctor`; runF, when set, runs instead of the
// command once the flags are checked.
func NewCmdDoctor(f *cmdutil.Factory, runF func(context.Context, *DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{Factory: f}
	c := &cobra.Command{
		Use:   "doctor [--profile P] [-o json]",
		Short: "Check the configuration, keychain, token, network and site, and say what to fix",
		Long: `Check everything axero needs to work with the profile in use, and print one
line per check: OK, WARN or FAIL, the check's name and what was found, with a
hint for each WARN and FAIL.

  config     the configuration file and its permissions
  keychain   whether the OS keychain answers, which one, how long a lookup took
  token      where the token comes from (env, keychain, file), its expiry
             decoded offline
  site       the site URL and where it comes from (--url, AXERO_URL, profile)
  ca-file    the CA bundle trusted besides the system roots, if any
  proxy      whether requests to the site go through a proxy, and which
  dns        the name this machine resolves (the proxy's, when there is one)
  connect    a TCP connection to the site, or to the proxy
  tls        the protocol, the certificate's issuer and expiry, or why it
             did not verify
  http       whether GET /api/users/me answers JSON, or an HTML page (a login
             portal: a wrong site URL)
  clock      the server's Date against this machine's clock (WARN beyond 2
             minutes: token expiry depends on it)
  auth       whether the server accepts the token, and whose it is
  role       whether that user is a site admin and can impersonate
  policy     the site's token lifetime policy

A check that depends on one that failed is not run and shows SKIP, so that
one cause gives one FAIL: without DNS there is no connection to test. All
checks share the --timeout deadline; those left when it runs out show SKIP.

No token value is ever printed. The exit status is 0 when no check FAILs
(WARN and SKIP included), 1 otherwise. -o json prints an array of
{"check", "status", "detail", "hint"} objects, in the order above; the
names and the four statuses (OK, WARN, FAIL, SKIP) are stable.`,
		Example: `  $ axero doctor
  $ axero doctor --profile ci -o json
  $ axero --ca-file /etc/ssl/corp-root.pem doctor`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := opts.Output.Validate(output.FormatTable, output.FormatJSON, output.FormatYAML); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return doctorRun(c.Context(), opts)
		},
	}
	output.AddFlags(c, &opts.Output, output.FormatTable, output.FormatJSON, output.FormatYAML)
	return c
}

func doctorRun(ctx context.Context, opts *DoctorOptions) error {
	f := opts.Factory
	ctx, cancel, err := client.WithCommandTimeout(ctx, f.Timeout)
	if err != nil {
		return err
	}
	defer cancel()
	d := &doctor{f: f, ctx: ctx, r: newReport(), now: f.Now()}
	d.run()
	if opts.Output.EffectiveFormat() == output.FormatTable {
		d.r.printText(f.IO)
	} else if err := output.Print(f.IO, opts.Output, d.r.checks, nil); err != nil {
		return err
	}
	if d.r.failed() {
		return cmdutil.Exit(cmdutil.ExitFailure, nil)
	}
	return nil
}

// doctor holds what one run has learnt so far, for the checks that follow.
type doctor struct {
	f   *cmdutil.Factory
	ctx context.Context
	r   *report
	now time.Time

	local localState
	net   netState
	auth  authState
}

// run performs every check in order; each records itself, or SKIP.
func (d *doctor) run() {
	d.checkConfig()
	d.checkKeychain()
	d.checkToken()
	d.checkSite()
	d.checkCAFile()
	d.checkProxy()
	d.checkDNS()
	d.checkConnect()
	d.checkTLS()
	d.checkHTTP()
	d.checkClock()
	d.checkAuth()
	d.checkRole()
	d.checkPolicy()
}

// deadlinePassed records name as skipped when the command's deadline has
// run out, and reports whether it did.
func (d *doctor) deadlinePassed(name string) bool {
	if d.ctx.Err() == nil {
		return false
	}
	d.r.skip(name, "the --timeout deadline ("+d.f.Timeout.String()+") ran out")
	return true
}

// needs runs the check only when the checks it depends on passed (and the
// deadline has not run out); otherwise it records SKIP and returns false.
func (d *doctor) needs(name string, deps ...string) bool {
	if d.deadlinePassed(name) {
		return false
	}
	if !d.r.passed(deps...) {
		d.r.skip(name, d.r.blocker(deps...))
		return false
	}
	return true
}

func timeMinutes(m int64) time.Duration { return time.Duration(m) * time.Minute }
