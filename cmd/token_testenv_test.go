package cmd

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/client/axerotest"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/keychain"
)

// tokenEnv runs token commands in process against an emulator on
// loopback, with a config directory of its own and an in-memory keychain.
type tokenEnv struct {
	t         *testing.T
	srv       *axerotest.Server
	env       map[string]string
	keychain  keychain.Store
	transport http.RoundTripper
	now       func() time.Time
	stdin     string
	tty       bool
	canPrompt bool
	color     bool
	configDir string
	// ctx is the command's context; nil means context.Background().
	ctx context.Context
}

// newTokenEnv starts an emulator and authenticates as jdoe through
// AXERO_TOKEN.
func newTokenEnv(t *testing.T, opts axerotest.Options) *tokenEnv {
	t.Helper()
	opts.RecordSecrets = true
	srv := axerotest.NewTest(t, opts)
	dir := t.TempDir()
	t.Setenv("AXERO_CONFIG_DIR", dir)
	return &tokenEnv{
		t:   t,
		srv: srv,
		env: map[string]string{
			"AXERO_URL":   srv.URL(),
			"AXERO_TOKEN": srv.SeedToken("jdoe"),
		},
		keychain:  keychain.NewMemory(),
		now:       time.Now,
		configDir: dir,
	}
}

// runResult is what one command did.
type runResult struct {
	stdout, stderr string
	code           int
}

// run executes `axero args...` and maps its error as main does.
func (e *tokenEnv) run(args ...string) runResult {
	e.t.Helper()
	f := cmdutil.New("test")
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(e.stdin)
	ios.SetStdinTTY(e.tty)
	ios.SetStdoutTTY(e.tty)
	ios.SetStderrTTY(e.tty)
	ios.SetNeverPrompt(!e.canPrompt)
	ios.SetColorEnabled(e.color)
	f.IO = ios
	f.Getenv = func(k string) string { return e.env[k] }
	f.Now = e.now
	f.Keychain = func() keychain.Store { return e.keychain }
	f.Transport = e.transport
	root := NewRootCmd(f)
	root.SetArgs(args)
	ctx := e.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	err := root.ExecuteContext(ctx)
	res := runResult{stdout: out.String(), stderr: errOut.String(), code: cmdutil.ExitCode(err)}
	if err != nil {
		if msg := cmdutil.Message(err); msg != "" {
			res.stderr += "axero: " + msg + "\n"
		}
	}
	return res
}

// mustRun runs a command that must succeed.
func (e *tokenEnv) mustRun(args ...string) runResult {
	e.t.Helper()
	r := e.run(args...)
	if r.code != 0 {
		e.t.Fatalf("axero %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// expectCode runs a command and checks its exit code and that stderr
// contains want.
func (e *tokenEnv) expectCode(code int, want string, args ...string) runResult {
	e.t.Helper()
	r := e.run(args...)
	if r.code != code {
		e.t.Fatalf("axero %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		e.t.Fatalf("axero %s: stderr %q does not contain %q", strings.Join(args, " "), r.stderr, want)
	}
	return r
}

// activeNamed returns the emulator's unrevoked tokens with that name.
func (e *tokenEnv) activeNamed(name string) []axerotest.TokenState {
	var out []axerotest.TokenState
	for _, t := range e.srv.Tokens() {
		if t.Name == name && !t.Revoked {
			out = append(out, t)
		}
	}
	return out
}

// tokenFor returns the emulator's record of a token value.
func (e *tokenEnv) tokenFor(secret string) (axerotest.TokenState, bool) {
	return e.srv.TokenByHash(axerotest.HashSecret(strings.TrimSpace(secret)))
}

// assertNoSecret fails when any token value the emulator ever handed out
// appears in s.
func (e *tokenEnv) assertNoSecret(what, s string) {
	e.t.Helper()
	for _, secret := range e.srv.Secrets() {
		if secret != "" && strings.Contains(s, secret) {
			e.t.Fatalf("%s contains a token value", what)
		}
	}
}

// mint creates a token directly in the emulator for jdoe (UserID 3).
func (e *tokenEnv) mint(name string, expires *time.Time) client.CreatedToken {
	e.t.Helper()
	u, _ := e.srv.UserByName("jdoe")
	ct, err := e.srv.MintToken(u.UserID, name, expires, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return ct
}

// loadConfig reads the config the commands wrote.
func (e *tokenEnv) loadConfig() *config.Config {
	e.t.Helper()
	cfg, err := config.Load(e.configDir)
	if err != nil {
		e.t.Fatal(err)
	}
	return cfg
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// unauthorized is a 401 answer in the API's envelope.
func unauthorized(r *http.Request) *http.Response {
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
