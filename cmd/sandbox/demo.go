package sandbox

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/emulator/sinkset"
	"github.com/axero-cli/axero/keychain"
	"github.com/axero-cli/axero/output"
)

// demoEnv is every variable that could make the tour touch the user's real
// configuration, keychain or site; the tour's commands do not see them.
var demoEnv = []string{"AXERO_TOKEN", "AXERO_URL", "AXERO_PROFILE", "AXERO_DEBUG", "AXERO_CONFIG_DIR", "AXERO_KEYCHAIN", "AXERO_CA_FILE",
	// The sinks' endpoints and credentials: the tour delivers to its own
	// emulators, never to the user's real services.
	"GITHUB_API_URL", "GH_HOST", "GH_TOKEN", "GITHUB_TOKEN", "CI_API_V4_URL", "GITLAB_HOST", "GITLAB_TOKEN",
	"VAULT_ADDR", "VAULT_TOKEN", "VAULT_NAMESPACE", "VAULT_CACERT", "GITHUB_ACTIONS"}

// Executor runs one command line on a factory and returns its exit code:
// the root's Execute, which the demo cannot import without a cycle.
type Executor func(ctx context.Context, f *cmdutil.Factory, args []string) int

// DemoOptions are the inputs of `axero demo`.
type DemoOptions struct {
	Factory *cmdutil.Factory
	Execute Executor
	// Dir receives the tour's temporary directory once it exists (tests).
	Dir func(string)
}

// NewCmdDemo builds `axero demo`, whose steps run through execute; runF,
// when set, runs instead of the tour.
func NewCmdDemo(f *cmdutil.Factory, execute Executor, runF func(context.Context, *DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{Factory: f, Execute: execute}
	c := &cobra.Command{
		Use:   "demo",
		Short: "A narrated tour of every command against a built-in sandbox",
		Long: `Start an Axero emulator on loopback, then run the main commands against it
as a user would type them, each printed before its output: log in, create a
token and see it once, list, rename, rotate (also to GitHub, GitLab, Vault
and a file, through built-in emulators of those services), mint impersonation tokens for
one user and for a CSV of users, audit the site's tokens and revoke the
stale ones from the audit's CSV, call the API, revoke, inspect, log out.

Nothing leaves this machine: the emulator runs in this process, the
configuration lives in a temporary directory, tokens are kept in a throwaway
in-memory keychain, and all of it is removed when the tour ends. The tokens
shown are sandbox tokens, worthless anywhere else.`,
		Example: `  $ axero demo
  $ axero demo | less`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return demoRun(c.Context(), opts)
		},
	}
	// Each step of the tour is a command with a deadline of its own.
	cmdutil.NoDeadline(c)
	return c
}

type demo struct {
	ctx     context.Context
	parent  *cmdutil.Factory
	execute Executor
	getenv  func(string) string
	out     io.Writer
	keys    keychain.Store
	dir     string
	failure error
}

func demoRun(ctx context.Context, opts *DemoOptions) error {
	f := opts.Factory
	dir, err := os.MkdirTemp("", "axero-demo-")
	if err != nil {
		return fmt.Errorf("creating the demo directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	if opts.Dir != nil {
		opts.Dir(dir)
	}
	// The tour's commands read their environment through their factory:
	// none of demoEnv, except a configuration directory of its own, and
	// the keychain is a throwaway one.
	tourEnv := map[string]string{"AXERO_CONFIG_DIR": filepath.Join(dir, "config")}
	getenv := func(k string) string {
		if slices.Contains(demoEnv, k) {
			return tourEnv[k]
		}
		return f.Getenv(k)
	}

	srv, err := emulator.Start(emulator.Options{Users: 5})
	if err != nil {
		return fmt.Errorf("starting the sandbox: %w", err)
	}
	defer func() { _ = srv.Close() }()
	sinks, err := sinkset.Start()
	if err != nil {
		return err
	}
	defer func() { _ = sinks.Close() }()
	for _, v := range sinks.Env() {
		if slices.Contains(demoEnv, v.Name) {
			tourEnv[v.Name] = v.Value
		}
	}

	d := &demo{ctx: ctx, parent: f, execute: opts.Execute, getenv: getenv, out: f.IO.Out, keys: keychain.NewMemory(), dir: dir}
	url := srv.URL()
	admin := srv.SeedToken("admin")

	d.say("This tour runs axero against a sandbox Axero site on %s.", url)
	d.say("Its configuration lives in %s and is removed at the end.", dir)

	d.narrate("Log in once. The token comes from stdin (or a hidden prompt), never from an argument:")
	d.run(admin, 0, "login", "--url", url, "--with-token")
	d.run("", 0, "status")

	d.narrate("Create a token for an integration. Its value is shown this once; the server keeps only a hash:")
	d.run("", 0, "token", "create", "--name", "ci-deploy", "--expires", "30d")
	d.narrate("Expiries are checked against the site's policy before anything is minted:")
	d.run("", 2, "token", "create", "--name", "too-long", "--expires", "2y")

	d.narrate("List tokens (metadata only, never secrets), in any format:")
	d.run("", 0, "token", "list")
	d.run("", 0, "token", "list", "-o", "json", "--jq", ".[].Name")

	d.narrate("Rename a token by name or ID:")
	d.run("", 0, "token", "rename", "ci-deploy", "ci-deploy-prod")

	d.narrate("Rotate it: mint a replacement, prove it works, then revoke the old one:")
	d.run("", 0, "token", "rotate", "ci-deploy-prod")

	d.narrate("Or deliver the replacement where it is used: a GitHub Actions secret, a GitLab CI/CD variable, a Vault entry, a .env file. The old token is revoked only once every sink holds the new one:")
	d.run("", 0, "token", "rotate", "ci-deploy-prod",
		"--to", "github:acme/api#AXERO_TOKEN", "--to", "gitlab:project/acme/api#AXERO_TOKEN",
		"--to", "vault:secret/ci/axero#token", "--to", "file:"+filepath.Join(dir, "axero.env")+"#AXERO_TOKEN")
	d.narrate("One token of that name is left, the one every sink holds:")
	d.run("", 0, "token", "list", "--jq", `.[] | select(.Name == "ci-deploy-prod") | "\(.TokenID) \(.Name)"`)

	d.narrate("As an administrator, mint an impersonation token for one user:")
	d.run("", 0, "token", "create-for-user", "--user", "jdoe", "--name", "jdoe-integration", "--expires", "7d")

	csvPath := filepath.Join(dir, "users.csv")
	outPath := filepath.Join(dir, "tokens.jsonl")
	if err := os.WriteFile(csvPath, []byte("user,name\nuser0001,\nuser0002,\nuser0003@example.com,\n4,noapi-sync\n1005,\n"), 0o600); err != nil {
		return err
	}
	d.narrate("Or for many users from a CSV file; every token lands in a 0600 file, flushed record by record:")
	d.show("$ cat users.csv", csvPath)
	d.run("", 0, "token", "create-for-user", "--from", csvPath, "--out", outPath, "--name-template", "{{.UserName}}-sync", "--expires", "90d")
	d.countRecords(outPath)

	d.narrate("Impersonation tokens are hidden from the user's own list; an administrator sees them:")
	d.run("", 0, "token", "list", "--user", "user0001")

	if err := seedDemoHistory(srv); err != nil {
		return err
	}
	d.auditAndRevoke()

	renewedPath := filepath.Join(dir, "renewed.jsonl")
	d.narrate("Renew them all before they expire. Each replacement keeps its old token's lifetime and is on disk before the old token is revoked:")
	d.run("", 0, "token", "rotate", "--from", outPath, "--out", renewedPath)
	d.countRecords(renewedPath)
	d.narrate("Later, renew only the tokens due within 30 days; the others are copied, so the new file is always the complete set:")
	d.run("", 0, "token", "rotate", "--from", renewedPath, "--out", filepath.Join(dir, "current.jsonl"), "--if-expiring-within", "30d")

	d.narrate("Call any API endpoint with the stored token:")
	d.run("", 0, "call", "users/me", "--jq", ".DisplayName")

	d.narrate("Decode a token offline:")
	d.run(admin, 0, "token", "inspect")

	d.narrate("Revoke: on a terminal axero asks first; in scripts pass --yes:")
	d.run("", 0, "token", "revoke", "ci-deploy-prod", "--yes")

	d.narrate("Log out, revoking the login token on the server too:")
	d.run("", 0, "logout", "--revoke")
	d.narrate("Now no profile has a usable token, so status exits 3:")
	d.run("", cmdutil.ExitAuth, "status")

	if d.failure != nil {
		return d.failure
	}
	d.narrate("That was the tour. `axero sandbox` runs the same emulator for you to try things by hand.")
	return nil
}

// run executes one axero command in-process, as typed, and checks its exit
// code against the one the tour expects.
func (d *demo) run(stdin string, wantExit int, args ...string) {
	d.runTo(nil, "", stdin, wantExit, args...)
}

// runTo is run with the command's stdout going to out (shown as a
// redirection to name) instead of the tour's own stdout, when out is set.
func (d *demo) runTo(out io.Writer, name, stdin string, wantExit int, args ...string) {
	if d.failure != nil || d.ctx.Err() != nil {
		return
	}
	redirect := ""
	if out != nil {
		redirect = " > " + name
	}
	fmt.Fprintf(d.out, "%s\n", output.Color(d.parent.IO, "bold", "$ axero "+quoteArgs(args)+stdinNote(stdin)+redirect))

	sub := cmdutil.New(d.parent.Version)
	ios := *d.parent.IO
	ios.In = strings.NewReader(stdin)
	ios.StdinFd = -1
	ios.SetStdinTTY(false) // stdin is the text the step pipes in, never the terminal
	ios.SetNeverPrompt(true)
	if out != nil {
		ios.Out = out
		ios.SetStdoutTTY(false)
	}
	sub.IO = &ios
	sub.Getenv = d.getenv
	sub.Keychain = func() keychain.Store { return d.keys }

	if code := d.execute(d.ctx, sub, args); code != wantExit {
		d.failure = fmt.Errorf("demo step `axero %s` exited %d, expected %d", quoteArgs(args), code, wantExit)
		return
	} else if code != 0 {
		fmt.Fprintf(d.out, "(exit code %d, as expected)\n", code)
	}
	fmt.Fprintln(d.out)
}

func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(d.out, format+"\n", args...)
}

func (d *demo) narrate(text string) {
	if d.failure != nil {
		return
	}
	fmt.Fprintln(d.out, output.Color(d.parent.IO, "green", "# "+text))
}

func (d *demo) show(title, path string) {
	if d.failure != nil {
		return
	}
	data, err := os.ReadFile(path) //nolint:gosec // a file the demo itself wrote in its own temporary directory
	if err != nil {
		return
	}
	fmt.Fprintln(d.out, output.Color(d.parent.IO, "bold", title))
	fmt.Fprintln(d.out, strings.TrimRight(string(data), "\n"))
	fmt.Fprintln(d.out)
}

// countRecords says how many tokens the bulk file holds, without printing
// any of them.
func (d *demo) countRecords(path string) {
	if d.failure != nil {
		return
	}
	file, err := os.Open(path) //nolint:gosec // a file the demo itself wrote in its own temporary directory
	if err != nil {
		d.failure = fmt.Errorf("demo: reading %s: %w", path, err)
		return
	}
	defer func() { _ = file.Close() }()
	n := 0
	for sc := bufio.NewScanner(file); sc.Scan(); {
		if strings.TrimSpace(sc.Text()) != "" {
			n++
		}
	}
	mode := "unknown"
	if info, err := file.Stat(); err == nil {
		mode = info.Mode().Perm().String()
	}
	d.say("(%s holds %d token records, mode %s; failures, if any, are in %s.failed.csv)\n", filepath.Base(path), n, mode, filepath.Base(path))
}

func quoteArgs(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"{}$*?") {
			quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		} else {
			quoted[i] = a
		}
	}
	return strings.Join(quoted, " ")
}

func stdinNote(stdin string) string {
	if stdin == "" {
		return ""
	}
	return " <<< \"$TOKEN\""
}
