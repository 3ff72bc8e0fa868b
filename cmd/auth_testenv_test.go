package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client/axerotest"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/keychain"
)

// authEnv runs login, logout, status and exec in process against an
// emulator on loopback, with a config directory of its own and an
// in-memory keychain. Unlike the token commands' tests, it starts logged
// out: AXERO_URL is set, AXERO_TOKEN is not.
type authEnv struct {
	t         *testing.T
	srv       *axerotest.Server
	env       map[string]string
	keychain  *keychain.Memory
	store     keychain.Store // when set, used instead of keychain
	configDir string
	now       func() time.Time
	stdin     string
	tty       bool
}

func newAuthEnv(t *testing.T) *authEnv {
	t.Helper()
	srv := axerotest.NewTest(t, axerotest.Options{RecordSecrets: true})
	dir := filepath.Join(t.TempDir(), "config")
	t.Setenv("AXERO_CONFIG_DIR", dir)
	return &authEnv{
		t:         t,
		srv:       srv,
		env:       map[string]string{"AXERO_URL": srv.URL()},
		keychain:  keychain.NewMemory(),
		configDir: dir,
		now:       time.Now,
	}
}

type authResult struct {
	stdout, stderr string
	code           int
}

func (e *authEnv) run(args ...string) authResult {
	e.t.Helper()
	f := cmdutil.New("test")
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(e.stdin)
	ios.SetStdinTTY(e.tty)
	ios.SetStdoutTTY(e.tty)
	ios.SetStderrTTY(e.tty)
	f.IO = ios
	f.Getenv = func(k string) string { return e.env[k] }
	f.Now = e.now
	f.Keychain = func() keychain.Store {
		if e.store != nil {
			return e.store
		}
		return e.keychain
	}
	root := NewRootCmd(f)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	r := authResult{stdout: out.String(), stderr: errOut.String(), code: cmdutil.ExitCode(err)}
	if err != nil {
		if msg := cmdutil.Message(err); msg != "" {
			r.stderr += "axero: " + msg + "\n"
		}
	}
	e.assertNoSecret("stdout of axero "+strings.Join(args, " "), r.stdout)
	e.assertNoSecret("stderr of axero "+strings.Join(args, " "), r.stderr)
	return r
}

// expect runs a command and checks its exit code and that stderr holds want.
func (e *authEnv) expect(code int, want string, args ...string) authResult {
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

// login logs in as a seeded user through --with-token.
func (e *authEnv) login(user string, args ...string) string {
	e.t.Helper()
	tok := e.srv.SeedToken(user)
	e.stdin = tok + "\n"
	defer func() { e.stdin = "" }()
	e.expect(0, "Logged in to", append([]string{"login", "--with-token"}, args...)...)
	return tok
}

// assertNoSecret fails when a token value the emulator handed out is in s.
func (e *authEnv) assertNoSecret(what, s string) {
	e.t.Helper()
	for _, secret := range e.srv.Secrets() {
		if secret != "" && strings.Contains(s, secret) {
			e.t.Fatalf("%s contains a token value:\n%s", what, s)
		}
	}
}

// assertNoSecretOnDisk fails when a token value is in any file of the
// config directory.
func (e *authEnv) assertNoSecretOnDisk() {
	e.t.Helper()
	filepath.Walk(e.configDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(path)
		e.assertNoSecret(path, string(b))
		return nil
	})
}

func (e *authEnv) config() *config.Config {
	e.t.Helper()
	cfg, err := config.Load(e.configDir)
	if err != nil {
		e.t.Fatal(err)
	}
	return cfg
}

func hashOf(secret string) string { return axerotest.HashSecret(strings.TrimSpace(secret)) }

// tokenIDOf is the TokenID of a token value, as a string for arguments.
func tokenIDOf(t *testing.T, e *authEnv, secret string) string {
	t.Helper()
	st, ok := e.srv.TokenByHash(hashOf(secret))
	if !ok {
		t.Fatal("the emulator does not know the token")
	}
	return strconv.FormatInt(st.TokenID, 10)
}
