package github_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator/githubemu"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/github"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

// The credentials and the token of these tests. The token is not shaped
// like a JWT, so that the redaction under test is the sink's own and not
// the JWT pattern's.
const (
	classicToken = "ghp_classicCredential0123456789" //nolint:gosec // test fixture, not a credential
	fineToken    = "github_pat_fineGrained0123456"   //nolint:gosec // test fixture, not a credential
	workflowTok  = "ghs_workflowToken0123456789"     //nolint:gosec // test fixture, not a credential
	readOnlyTok  = "github_pat_readOnly0123456789"   //nolint:gosec // test fixture, not a credential
	theSecret    = "new-axero-token-value-42"        //nolint:gosec // test fixture, not a credential
)

// env is a fake environment.
type env map[string]string

func (e env) get(k string) string { return e[k] }

// lockedBuffer collects the debug log.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fixture is an emulator with one repository (acme/app, environment
// prod), one more repository, an organisation (acme), and tokens.
type fixture struct {
	t     *testing.T
	emu   *githubemu.Server
	log   *lockedBuffer
	stack *sinkhttp.Stack
	env   env
}

func newFixture(t *testing.T, opts ...func(*githubemu.Options)) *fixture {
	t.Helper()
	o := githubemu.Options{}
	for _, f := range opts {
		f(&o)
	}
	emu, err := githubemu.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	emu.AddRepo("acme", "app")
	emu.AddRepo("acme", "web")
	emu.AddEnvironment("acme", "app", "prod")
	emu.AddOrg("acme")
	emu.AddToken(classicToken, githubemu.Token{Scopes: []string{"repo", "admin:org"}})
	emu.AddToken(fineToken, githubemu.Token{})
	emu.AddToken(workflowTok, githubemu.Token{Workflow: true})
	emu.AddToken(readOnlyTok, githubemu.Token{ReadOnly: true})
	log := &lockedBuffer{}
	f := &fixture{
		t:   t,
		emu: emu,
		log: log,
		env: env{"GITHUB_API_URL": emu.APIURL(), "GH_TOKEN": classicToken},
	}
	f.stack = &sinkhttp.Stack{
		Debug:     log,
		RetryWait: time.Millisecond,
		Network:   client.Network{Getenv: env{}.get},
	}
	return f
}

// sink parses spec against the fixture's environment.
func (f *fixture) sink(spec string) sink.Sink {
	f.t.Helper()
	s, err := github.Parse(spec, sink.Env{Getenv: f.env.get, Now: time.Now}, f.stack)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// value is the token being delivered by a run that started a minute ago.
func value() sink.Value {
	return sink.Value{Secret: theSecret, TokenID: 7, Name: "ci", Started: time.Now().Add(-time.Minute)}
}

// wantKind fails unless err is a sink error of kind k whose message holds
// every one of wants and never a secret.
func (f *fixture) wantKind(err error, k sink.Kind, wants ...string) {
	f.t.Helper()
	var se *sink.Error
	if !errors.As(err, &se) {
		f.t.Fatalf("err = %v (%T), want a *sink.Error", err, err)
	}
	if se.Kind != k {
		f.t.Errorf("kind = %v, want %v (%v)", se.Kind, k, err)
	}
	msg := err.Error()
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			f.t.Errorf("error %q lacks %q", msg, w)
		}
	}
	f.noSecrets(msg)
	if strings.ContainsAny(msg, "\n\r\x1b") {
		f.t.Errorf("error is not one safe line: %q", msg)
	}
}

// noSecrets fails if text holds a credential or the delivered token.
func (f *fixture) noSecrets(text string) {
	f.t.Helper()
	for _, secret := range []string{classicToken, fineToken, workflowTok, readOnlyTok, theSecret} {
		if strings.Contains(text, secret) {
			f.t.Errorf("%q appears in:\n%s", secret, text)
		}
	}
}

// requests counts the emulator's requests with method and path suffix.
func (f *fixture) requests(method, suffix string) int {
	n := 0
	for _, r := range f.emu.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}
