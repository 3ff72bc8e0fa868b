package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/emulator/sinkset"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/timefmt"
)

// defaultSandboxAddr lets the system pick a free loopback port.
const defaultSandboxAddr = "127.0.0.1:0"

// defaultHistoryUsers is how many users --history generates when --users
// does not say: enough for an audit to find every kind of token.
const defaultHistoryUsers = 20

// maxSandboxUsers bounds --users so that a typo cannot exhaust memory.
const maxSandboxUsers = 1_000_000

// SandboxOptions are the inputs of `axero sandbox`.
type SandboxOptions struct {
	Factory *cmdutil.Factory

	Addr              string
	addrChanged       bool
	Users             int
	Faults            emulator.Faults
	Site              emulator.Site
	overloadChanged   bool
	AllowNoExpiration bool
	MaxExpiration     string
	DefaultExpiration string
	StateFile         string
	History           bool
	HistorySeed       uint64
	TLS               sandboxTLS
	// Sinks also runs the emulators of the --to sinks (sandbox_sinks.go),
	// whose answers SinkLatency delays.
	Sinks       bool
	SinkLatency time.Duration

	// Started, when set, is called with the running server, so that tests
	// can talk to it before stopping it.
	Started func(*emulator.Server)
}

// NewCmdSandbox builds `axero sandbox`; runF, when set, runs instead of the
// command once the flags are checked.
func NewCmdSandbox(f *cmdutil.Factory, runF func(context.Context, *SandboxOptions) error) *cobra.Command {
	opts := &SandboxOptions{Factory: f}
	c := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the built-in Axero emulator on loopback",
		Long: `Run an in-memory Axero server on this machine, for trying axero and for
testing scripts without touching a real site. It speaks the same API as
Axero, listens on loopback only, and prints its URL and a token for each of
its seeded users: admin (a site admin who can impersonate), siteadmin (a
site admin without that permission), jdoe (a plain user) and noapi (a role
without REST API access). These are sandbox tokens, not real credentials.

Faults can be injected to see how axero copes with a slow or failing
server: latency, 503 and 500 answers, rate limiting (429), a cap on
concurrent requests, connections dropped after a token was minted, and an
HTML login page instead of JSON.

--capacity N makes the sandbox behave like a site that serves N requests
at once at full speed (each taking --latency): past that, every request is
slowed by the ones beyond the capacity, by --overload × excess / N of its
own latency, where excess is how many requests are in flight beyond N
when it is served. With --overload 1 the site only queues (its throughput
stays at its capacity's); the default 2 also costs throughput the harder
it is pushed, as a thread-pool server under contention does. --rate-limit R
answers 429 with Retry-After beyond R requests a second (a token bucket
holding one second's worth).

While it runs, the sandbox answers two endpoints of its own, from loopback
only and beside the API: GET <url>/_emulator/stats gives the requests in
flight (now and at the peak), the requests received and the 429 and 503
answers, as JSON (DELETE zeroes them); PUT <url>/_emulator/site with
{"capacity": 8, "overload": 2, "rate_limit": 200} (any of the three)
changes the model for the requests that follow, e.g. to drop the capacity
halfway through a run.

With --state the sandbox keeps its users and tokens (hashes only) in a file
and picks them up when it restarts, listening at the same address unless
--addr says otherwise; seed tokens are printed only when they are created.
It runs until Ctrl-C or SIGTERM, then saves its state and exits 0.

With --tls it serves HTTPS with a certificate from a private certificate
authority it generates, as an intranet site behind a corporate CA does, and
writes that CA's certificate to a file (--ca-out, else next to the --state
file, else a temporary directory) whose path it prints, with the
AXERO_CA_FILE and --ca-file lines to trust it. --tls-host adds names to the
certificate (e.g. one a proxy or the hosts file maps to loopback).

With --sinks it also runs emulators of the services a token is delivered to
with --to (GitHub Actions secrets, GitLab CI/CD variables, Vault KV version 2,
AWS Secrets Manager), each on a loopback port of its own and seeded with a
repository and a project acme/api, a mount "secret" and a secret ci/axero,
and prints the variables that point the sinks at them (GITHUB_API_URL,
GH_TOKEN, CI_API_V4_URL, GITLAB_TOKEN, VAULT_ADDR, VAULT_TOKEN,
AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_REGION, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY). They keep what they are given in memory only.
--sink-latency delays every answer of the GitHub, GitLab and Vault
emulators, as services across a network answer.`,
		Example: `  # Start a sandbox, paste the export lines it prints into another terminal
  $ axero sandbox
  $ echo "$ADMIN_TOKEN" | axero login --url "$AXERO_URL" --with-token
  $ axero token list

  # A slow, flaky server with 2000 users, kept across restarts
  $ axero sandbox --users 2000 --latency 200ms --jitter 100ms --fail-rate 0.05 --state sandbox.json

  # A site that serves 8 requests at once, 20 ms each, and 200 requests a second
  $ axero sandbox --users 2000 --latency 20ms --capacity 8 --rate-limit 200
  # ...then, from another terminal: its load, and a drop of its capacity
  $ curl -s "$AXERO_URL/_emulator/stats"
  $ curl -s -X PUT -d '{"capacity": 4}' "$AXERO_URL/_emulator/site"

  # Sites that allow tokens that never expire, and at most 90 days otherwise
  $ axero sandbox --allow-no-expiration --max-expiration 90d

  # HTTPS from a private CA, as on an intranet; then try axero doctor
  $ axero sandbox --tls --ca-out ./sandbox-ca.pem

  # With emulators of GitHub, GitLab, Vault and AWS Secrets Manager, for --to
  $ axero sandbox --sinks`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.addrChanged = c.Flags().Changed("addr")
			opts.overloadChanged = c.Flags().Changed("overload")
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return sandboxRun(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Addr, "addr", defaultSandboxAddr, "loopback address to listen on")
	fl.IntVar(&opts.Users, "users", 0, "generated users beyond the seeded ones (user0001, user0002, ...)")
	fl.DurationVar(&opts.Faults.Latency, "latency", 0, "delay added to every request")
	fl.DurationVar(&opts.Faults.Jitter, "jitter", 0, "random extra delay, up to this much, added to every request")
	fl.Float64Var(&opts.Faults.FailRate503, "fail-rate", 0, "probability (0..1) of answering 503 before acting")
	fl.Float64Var(&opts.Faults.FailRate500, "fail-rate-500", 0, "probability (0..1) of answering 500 before acting")
	fl.Float64Var(&opts.Faults.RateLimit, "rate-limit", 0, "requests per second before answering 429 (0: no limit)")
	fl.DurationVar(&opts.Faults.RetryAfter, "retry-after", time.Second, "Retry-After sent with 429 and 503 (whole seconds; 0 sends none, and the client backs off on its own)")
	fl.IntVar(&opts.Faults.MaxConcurrent, "max-concurrent", 0, "requests in flight before answering 503 (0: no limit)")
	fl.IntVar(&opts.Site.Capacity, "capacity", 0, "requests served at once at full speed; past it each request slows down (0: no limit)")
	fl.Float64Var(&opts.Site.Overload, "overload", emulator.DefaultOverload, "with --capacity: past it, each request's latency grows by this × excess / capacity of itself (1: the site only queues)")
	fl.Float64Var(&opts.Faults.DropAfterMint, "drop-after-mint", 0, "probability (0..1) that a create mints the token and then drops the connection")
	fl.BoolVar(&opts.Faults.HTMLMode, "html", false, "answer every request with an HTML login page, as a wrong base URL would")
	fl.BoolVar(&opts.AllowNoExpiration, "allow-no-expiration", false, "let tokens never expire (policy AllowNoExpiration)")
	fl.StringVar(&opts.MaxExpiration, "max-expiration", "1y", "longest token lifetime the policy allows, e.g. 90d, 1y; 0 for no maximum")
	fl.StringVar(&opts.DefaultExpiration, "default-expiration", "30d", "lifetime of a token created without an expiry")
	fl.StringVar(&opts.StateFile, "state", "", "keep users and tokens (hashes only) in this file across restarts")
	fl.BoolVar(&opts.History, "history", false, "give the generated users a past to audit: about 5 tokens each, stale, expiring, never expiring, expired, minted by administrators")
	fl.Uint64Var(&opts.HistorySeed, "history-seed", 0, "with --history: the `seed` of the generated past (the same seed gives the same tokens)")
	fl.BoolVar(&opts.TLS.Enabled, "tls", false, "serve HTTPS with a certificate from a private CA generated for this run")
	fl.StringSliceVar(&opts.TLS.Hosts, "tls-host", nil, "extra host `NAME` the certificate is valid for (repeatable; with --tls)")
	fl.StringVar(&opts.TLS.CAOut, "ca-out", "", "write the CA certificate to `PATH` (with --tls; default: next to --state, else a temporary directory)")
	fl.BoolVar(&opts.Sinks, "sinks", false, "also run GitHub, GitLab, Vault and AWS Secrets Manager emulators for --to, and print their variables")
	fl.DurationVar(&opts.SinkLatency, "sink-latency", 0, "with --sinks: delay added to every answer of the GitHub, GitLab and Vault emulators")
	cmdutil.NoDeadline(c)
	return c
}

func (o *SandboxOptions) validate() error {
	if o.SinkLatency != 0 && !o.Sinks {
		return cmdutil.FlagErrorf("--sink-latency works only with --sinks")
	}
	if o.SinkLatency < 0 {
		return cmdutil.FlagErrorf("--sink-latency must not be negative")
	}
	if o.HistorySeed != 0 && !o.History {
		return cmdutil.FlagErrorf("--history-seed works only with --history")
	}
	if o.History && o.Users == 0 {
		// A past is given to generated users only: without any, the
		// flag would silently do nothing.
		o.Users = defaultHistoryUsers
	}
	if err := emulator.CheckLoopback(o.Addr); err != nil {
		return cmdutil.FlagErrorf("--addr: %v", err)
	}
	if o.Users < 0 || o.Users > maxSandboxUsers {
		return cmdutil.FlagErrorf("--users must be from 0 to %d, got %d", maxSandboxUsers, o.Users)
	}
	for _, p := range []struct {
		flag string
		v    float64
	}{{"--fail-rate", o.Faults.FailRate503}, {"--fail-rate-500", o.Faults.FailRate500}, {"--drop-after-mint", o.Faults.DropAfterMint}} {
		if p.v < 0 || p.v > 1 {
			return cmdutil.FlagErrorf("%s must be a probability from 0 to 1, got %g", p.flag, p.v)
		}
	}
	switch {
	case o.Faults.RateLimit < 0:
		return cmdutil.FlagErrorf("--rate-limit must not be negative")
	case o.Faults.MaxConcurrent < 0:
		return cmdutil.FlagErrorf("--max-concurrent must not be negative")
	case o.Site.Capacity < 0:
		return cmdutil.FlagErrorf("--capacity must not be negative")
	case o.Site.Overload <= 0:
		return cmdutil.FlagErrorf("--overload must be positive, got %g", o.Site.Overload)
	case o.overloadChanged && o.Site.Capacity == 0:
		return cmdutil.FlagErrorf("--overload works only with --capacity")
	case o.Faults.Latency < 0 || o.Faults.Jitter < 0:
		return cmdutil.FlagErrorf("--latency and --jitter must not be negative")
	case o.Faults.RetryAfter < 0:
		return cmdutil.FlagErrorf("--retry-after must not be negative")
	case o.Faults.RetryAfter == 0:
		// The emulator's zero value means its default; it takes a negative
		// value for "send none".
		o.Faults.RetryAfter = -1
	}
	if _, err := o.policy(time.Now()); err != nil {
		return err
	}
	return o.TLS.validate()
}

// policy builds the expiration policy from the flags.
func (o *SandboxOptions) policy(now time.Time) (emulator.Policy, error) {
	p := emulator.DefaultPolicy
	p.AllowNoExpiration = o.AllowNoExpiration
	max, err := sandboxMinutes("--max-expiration", o.MaxExpiration, now, true)
	if err != nil {
		return p, err
	}
	def, err := sandboxMinutes("--default-expiration", o.DefaultExpiration, now, false)
	if err != nil {
		return p, err
	}
	if max > 0 && def > max {
		return p, cmdutil.FlagErrorf("--default-expiration (%s) is longer than --max-expiration (%s)", o.DefaultExpiration, o.MaxExpiration)
	}
	p.MaxExpirationMinutes, p.DefaultExpirationMinutes = max, def
	return p, nil
}

// sandboxMinutes reads a lifetime flag (90m, 12h, 30d, 26w, 1y) as whole
// minutes; "0" means none when zeroOK.
func sandboxMinutes(flag, v string, now time.Time, zeroOK bool) (int64, error) {
	v = strings.TrimSpace(v)
	if zeroOK && (v == "0" || strings.EqualFold(v, "none")) {
		return 0, nil
	}
	spec, err := expiry.Parse(v, now)
	if err != nil || spec.Default || spec.Never {
		hint := ""
		if zeroOK {
			hint = ", or 0 for no maximum"
		}
		return 0, cmdutil.FlagErrorf("%s: want a lifetime such as 90m, 12h, 30d, 26w or 1y%s, got %q", flag, hint, v)
	}
	m := int64(spec.At.Sub(now) / time.Minute)
	if m < 1 {
		return 0, cmdutil.FlagErrorf("%s must be at least one minute, got %q", flag, v)
	}
	return m, nil
}

func sandboxRun(ctx context.Context, opts *SandboxOptions) error {
	f := opts.Factory
	policy, err := opts.policy(time.Now())
	if err != nil {
		return err
	}
	so := emulator.Options{
		Users:     opts.Users,
		Policy:    policy,
		StateFile: opts.StateFile,
		Faults:    opts.Faults,
		Site:      opts.Site,
		Addr:      opts.Addr,
		TLS:       opts.TLS.options(),
	}
	if opts.History {
		so.History = &emulator.History{Seed: opts.HistorySeed}
	}
	// A restarted sandbox listens where its state says it lived, so that
	// the tokens it minted (whose iss is the site URL) and the profiles
	// logged in to it keep working.
	reused := false
	if opts.StateFile != "" && !opts.addrChanged {
		if prev := emulator.StateURL(opts.StateFile); prev != "" {
			if u, err := url.Parse(prev); err == nil && emulator.CheckLoopback(u.Host) == nil {
				so.Addr = u.Host
				reused = true
			}
		}
	}
	srv, err := emulator.Start(so)
	if err != nil && reused && isAddrInUse(err) {
		so.Addr = opts.Addr
		srv, err = emulator.Start(so)
	}
	if err != nil {
		return fmt.Errorf("starting the sandbox: %w", err)
	}
	caPath := ""
	if opts.TLS.Enabled {
		path, cleanup, err := opts.TLS.writeCA(srv.CA(), opts.StateFile)
		if err != nil {
			_ = srv.Close() // the CA write error is the one to report
			return err
		}
		defer cleanup()
		caPath = path
	}
	printSandboxBanner(f.IO.Out, srv, opts, caPath)
	if opts.Sinks {
		set, err := sinkset.Start()
		if err != nil {
			_ = srv.Close() // the sink emulators' error is the one to report
			return err
		}
		defer func() { _ = set.Close() }()
		set.SetLatency(opts.SinkLatency)
		printSinksBanner(f.IO.Out, set)
	}
	if opts.Started != nil {
		opts.Started(srv)
	}

	<-ctx.Done()
	if err := srv.Close(); err != nil {
		return fmt.Errorf("stopping the sandbox: %w", err)
	}
	if opts.StateFile != "" {
		fmt.Fprintf(f.IO.ErrOut, "axero sandbox: stopped; state saved to %s\n", opts.StateFile)
	} else {
		fmt.Fprintln(f.IO.ErrOut, "axero sandbox: stopped")
	}
	return nil
}

// isAddrInUse reports a listen failure because the port is taken.
func isAddrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }

// sandboxSeeds describes the seeded users, with the variable each token is
// exported as (the same names the end-to-end tests use).
var sandboxSeeds = []struct{ user, env, role string }{
	{"admin", "ADMIN_TOKEN", "site admin who can impersonate"},
	{"siteadmin", "SITEADMIN_TOKEN", "site admin without the impersonation permission"},
	{"jdoe", "USER_TOKEN", "Jane Doe, a plain user"},
	{"noapi", "NOAPI_TOKEN", "a role without REST API access: every call gets 403"},
}

// printSandboxBanner writes the URL, the seed tokens and how to use them,
// as a shell snippet that can be pasted as it is.
func printSandboxBanner(w io.Writer, srv *emulator.Server, opts *SandboxOptions, caPath string) {
	u := srv.URL()
	fmt.Fprintf(w, "# Axero sandbox listening on %s (press Ctrl-C to stop)\n", u)
	if opts.StateFile != "" {
		fmt.Fprintf(w, "# State file: %s\n", opts.StateFile)
	}
	p := srv.Policy()
	maxText := "no maximum"
	if p.MaxExpirationMinutes > 0 {
		maxText = "at most " + timefmt.Minutes(p.MaxExpirationMinutes)
	}
	fmt.Fprintf(w, "# Policy: tokens live %s, %s by default; never-expiring tokens %s.\n",
		maxText, timefmt.Minutes(p.DefaultExpirationMinutes), map[bool]string{true: "allowed", false: "not allowed"}[p.AllowNoExpiration])
	if fs := describeFaults(srv.Faults()); fs != "" {
		fmt.Fprintf(w, "# Faults: %s\n", fs)
	}
	if m := srv.Site(); m.Capacity > 0 {
		fmt.Fprintf(w, "# Site: %d requests at once at full speed; past that each request slows by %g × excess / %d of its latency\n",
			m.Capacity, srv.Stats().Overload, m.Capacity)
	}
	printControlHint(w, u, caPath)
	fmt.Fprintln(w)
	if srv.SeedTokensMinted() {
		fmt.Fprintln(w, "# Seed tokens: sandbox only — not real credentials. They expire in 1 year.")
		for _, s := range sandboxSeeds {
			user, _ := srv.UserByName(s.user)
			fmt.Fprintf(w, "# %s (UserID %d): %s\n", s.user, user.UserID, s.role)
			fmt.Fprintf(w, "export %s='%s'\n", s.env, srv.SeedToken(s.user))
		}
	} else {
		fmt.Fprintln(w, "# Seed tokens were created by an earlier run with this state file and are not")
		fmt.Fprintln(w, "# shown again: the sandbox keeps only their hashes. Use the ones printed then,")
		fmt.Fprintln(w, "# or delete the state file to start afresh.")
		for _, s := range sandboxSeeds {
			user, _ := srv.UserByName(s.user)
			fmt.Fprintf(w, "# %s (UserID %d): %s\n", s.user, user.UserID, s.role)
		}
	}
	if n := generatedUsers(srv); n > 0 {
		fmt.Fprintf(w, "# %d generated users: user0001.. (UserID 1001..), emails user0001@example.com..\n", n)
	}
	if opts.History {
		printHistoryHint(w, srv, opts)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "# To use it:")
	fmt.Fprintf(w, "export AXERO_URL=%s\n", u)
	if caPath != "" {
		printTLSBanner(w, u, caPath, opts.TLS.Hosts)
	}
	fmt.Fprintf(w, "# echo \"$ADMIN_TOKEN\" | axero login --url %s --with-token\n", u)
	fmt.Fprintln(w, "#   (where there is no OS keychain, add --insecure-storage)")
	fmt.Fprintln(w, "# or, storing nothing: AXERO_TOKEN=\"$USER_TOKEN\" axero token list")
}

// describeFaults lists the injected faults in words, or "".
func describeFaults(f emulator.Faults) string {
	var parts []string
	switch {
	case f.Jitter > 0:
		parts = append(parts, fmt.Sprintf("latency %s plus up to %s", f.Latency, f.Jitter))
	case f.Latency > 0:
		parts = append(parts, fmt.Sprintf("latency %s", f.Latency))
	}
	if f.FailRate503 > 0 {
		parts = append(parts, fmt.Sprintf("503 on %g%% of requests", f.FailRate503*100))
	}
	if f.FailRate500 > 0 {
		parts = append(parts, fmt.Sprintf("500 on %g%% of requests", f.FailRate500*100))
	}
	if f.RateLimit > 0 {
		parts = append(parts, fmt.Sprintf("429 beyond %g requests/s", f.RateLimit))
	}
	if f.MaxConcurrent > 0 {
		parts = append(parts, fmt.Sprintf("503 beyond %d requests in flight", f.MaxConcurrent))
	}
	if f.DropAfterMint > 0 {
		parts = append(parts, fmt.Sprintf("%g%% of creates mint and then drop the connection", f.DropAfterMint*100))
	}
	if f.HTMLMode {
		parts = append(parts, "every answer is an HTML login page")
	}
	return strings.Join(parts, "; ")
}

// printControlHint says how to read the sandbox's load and change its site
// model while it runs, with curl (trusting the private CA under --tls).
func printControlHint(w io.Writer, url, caPath string) {
	curl := "curl -s"
	if caPath != "" {
		curl += " --cacert " + shellQuote(caPath)
	}
	fmt.Fprintf(w, "# Its load: %s %s/_emulator/stats\n", curl, url)
	fmt.Fprintf(w, "# Change its model while it runs: %s -X PUT -d '{\"capacity\": 8, \"overload\": 2, \"rate_limit\": 200}' %s/_emulator/site\n", curl, url)
}
