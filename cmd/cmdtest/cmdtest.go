// Package cmdtest runs axero commands in process, the way main does,
// against an emulator on loopback, with an environment, a configuration
// directory and a keychain of their own: nothing of the process
// environment is read, so tests that use it can run in parallel.
package cmdtest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/cmd/root"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/keychain"
)

// Env is one test's world: an emulator, the environment the commands see,
// and how their streams look.
type Env struct {
	T   *testing.T
	Srv *emulator.Server
	// Vars is the environment as the commands read it (Factory.Getenv).
	Vars map[string]string
	// Memory is the keychain, unless Keychain is set.
	Memory   *keychain.Memory
	Keychain keychain.Store
	// Transport, when set, carries every request (fault injection).
	Transport http.RoundTripper
	Now       func() time.Time
	ConfigDir string
	// Stdin is what the next command reads on stdin.
	Stdin string
	// TTY makes stdin, stdout and stderr terminals.
	TTY bool
	// CanPrompt lets commands prompt when TTY is set (false: as under CI).
	CanPrompt bool
	Color     bool
	// Width is the terminal's width in columns (0: no limit), as COLUMNS
	// or the terminal would give it.
	Width int
	// Ctx is the commands' context; nil means context.Background().
	Ctx context.Context
	// CheckLeaks fails the test when a command prints a token value.
	CheckLeaks bool
}

// NewAuth starts an emulator and a logged-out world: AXERO_URL is set,
// AXERO_TOKEN is not, and every command's output is checked for leaked
// token values.
func NewAuth(t *testing.T) *Env {
	t.Helper()
	e := newEnv(t, emulator.Options{}, filepath.Join(t.TempDir(), "config"))
	e.CanPrompt = true
	e.CheckLeaks = true
	return e
}

// NewToken starts an emulator with opts and authenticates as jdoe through
// AXERO_TOKEN; prompts are off until CanPrompt is set.
func NewToken(t *testing.T, opts emulator.Options) *Env {
	t.Helper()
	e := newEnv(t, opts, t.TempDir())
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("jdoe")
	return e
}

func newEnv(t *testing.T, opts emulator.Options, configDir string) *Env {
	opts.RecordSecrets = true
	srv := emulator.NewTest(t, opts)
	return &Env{
		T:   t,
		Srv: srv,
		Vars: map[string]string{
			"AXERO_URL":        srv.URL(),
			"AXERO_CONFIG_DIR": configDir,
		},
		Memory:    keychain.NewMemory(),
		Now:       time.Now,
		ConfigDir: configDir,
	}
}

// Result is what one command did.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Factory builds the factory a command of this world runs with, and the
// buffers of its stdout and stderr.
func (e *Env) Factory() (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	f := cmdutil.New("test")
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(e.Stdin)
	ios.SetStdinTTY(e.TTY)
	ios.SetStdoutTTY(e.TTY)
	ios.SetStderrTTY(e.TTY)
	ios.SetNeverPrompt(!e.CanPrompt)
	ios.SetColorEnabled(e.Color)
	ios.SetTerminalWidth(e.Width)
	f.IO = ios
	f.Getenv = func(k string) string { return e.Vars[k] }
	f.Now = e.Now
	f.Keychain = func() keychain.Store {
		if e.Keychain != nil {
			return e.Keychain
		}
		return e.Memory
	}
	f.Transport = e.Transport
	return f, out, errOut
}

// Run executes `axero args...` through root.Execute, as main does.
func (e *Env) Run(args ...string) Result {
	e.T.Helper()
	f, out, errOut := e.Factory()
	ctx := e.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	code := root.Execute(ctx, f, args)
	r := Result{Stdout: out.String(), Stderr: errOut.String(), Code: code}
	if e.CheckLeaks {
		e.AssertNoSecret("stdout of axero "+strings.Join(args, " "), r.Stdout)
		e.AssertNoSecret("stderr of axero "+strings.Join(args, " "), r.Stderr)
	}
	return r
}

// MustRun runs a command that must succeed.
func (e *Env) MustRun(args ...string) Result {
	e.T.Helper()
	r := e.Run(args...)
	if r.Code != 0 {
		e.T.Fatalf("axero %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r
}

// Expect runs a command and checks its exit code and that stderr holds
// want.
func (e *Env) Expect(code int, want string, args ...string) Result {
	e.T.Helper()
	r := e.Run(args...)
	if r.Code != code {
		e.T.Fatalf("axero %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.Code, code, r.Stdout, r.Stderr)
	}
	if !strings.Contains(r.Stderr, want) {
		e.T.Fatalf("axero %s: stderr %q does not contain %q", strings.Join(args, " "), r.Stderr, want)
	}
	return r
}

// Login logs in as a seeded user through --with-token and returns the
// token.
func (e *Env) Login(user string, args ...string) string {
	e.T.Helper()
	tok := e.Srv.SeedToken(user)
	e.Stdin = tok + "\n"
	defer func() { e.Stdin = "" }()
	e.Expect(0, "Logged in to", append([]string{"login", "--with-token"}, args...)...)
	return tok
}

// AssertNoSecret fails when a token value the emulator handed out is in s.
func (e *Env) AssertNoSecret(what, s string) {
	e.T.Helper()
	for _, secret := range e.Srv.Secrets() {
		if secret != "" && strings.Contains(s, secret) {
			e.T.Fatalf("%s contains a token value:\n%s", what, s)
		}
	}
}

// AssertNoSecretOnDisk fails when a token value is in any file of the
// config directory.
func (e *Env) AssertNoSecretOnDisk() {
	e.T.Helper()
	_ = filepath.Walk(e.ConfigDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(path) //nolint:gosec // test helper: a file in the test's own configuration directory
		e.AssertNoSecret(path, string(b))
		return nil
	})
}

// Config reads the configuration the commands wrote.
func (e *Env) Config() *config.Config {
	e.T.Helper()
	cfg, err := config.Load(e.ConfigDir)
	if err != nil {
		e.T.Fatal(err)
	}
	return cfg
}

// ActiveNamed returns the emulator's unrevoked tokens with that name.
func (e *Env) ActiveNamed(name string) []emulator.TokenState {
	var out []emulator.TokenState
	for _, t := range e.Srv.Tokens() {
		if t.Name == name && !t.Revoked {
			out = append(out, t)
		}
	}
	return out
}

// TokenFor returns the emulator's record of a token value.
func (e *Env) TokenFor(secret string) (emulator.TokenState, bool) {
	return e.Srv.TokenByHash(HashOf(secret))
}

// TokenIDOf is the TokenID of a token value, as a string for arguments.
func (e *Env) TokenIDOf(secret string) string {
	e.T.Helper()
	st, ok := e.TokenFor(secret)
	if !ok {
		e.T.Fatal("the emulator does not know the token")
	}
	return strconv.FormatInt(st.TokenID, 10)
}

// Mint creates a token directly in the emulator for jdoe.
func (e *Env) Mint(name string, expires *time.Time) client.CreatedToken {
	e.T.Helper()
	u, _ := e.Srv.UserByName("jdoe")
	ct, err := e.Srv.MintToken(u.UserID, name, expires, 0)
	if err != nil {
		e.T.Fatal(err)
	}
	return ct
}

// HashOf is the emulator's hash of a token value.
func HashOf(secret string) string { return emulator.HashSecret(strings.TrimSpace(secret)) }

// RoundTripFunc adapts a function to http.RoundTripper.
type RoundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f.
func (f RoundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Unauthorized is a 401 answer in the API's envelope.
func Unauthorized(r *http.Request) *http.Response {
	body := `{"IsError":true,"ErrorMessage":"token rejected","ErrorCode":"Unauthorized"}`
	return &http.Response{
		StatusCode: http.StatusUnauthorized,
		Status:     "401 Unauthorized",
		Header:     http.Header{"Content-Type": []string{"application/json"}},
		Body:       io.NopCloser(bytes.NewBufferString(body)),
		Request:    r,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
}

// NewTLS starts an emulator serving HTTPS from a private CA (valid also
// for emulator.TestHost, so that tests can reach it through a proxy) and
// authenticates as jdoe through AXERO_TOKEN. The CA is not trusted until a
// test says so: CAFile is its certificate, written for --ca-file.
func NewTLS(t *testing.T) (e *Env, caFile string) {
	t.Helper()
	e = NewToken(t, emulator.Options{TLS: &emulator.TLSOptions{Hosts: []string{emulator.TestHost}}})
	return e, e.WriteCA(e.Srv.CA())
}

// WriteCA writes a CA's certificate to a new file and returns its path.
func (e *Env) WriteCA(ca *emulator.CA) string {
	e.T.Helper()
	path := filepath.Join(e.T.TempDir(), "ca.pem")
	if err := ca.WriteFile(path); err != nil {
		e.T.Fatal(err)
	}
	return path
}
