package gitlab

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator/gitlabemu"
	"github.com/axero-cli/axero/internal/emulator/sinkemu"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

const (
	maintainerTok = "glpat-maintainer0123456789" //nolint:gosec // test fixture, not a credential
	developerTok  = "glpat-developer0123456789"  //nolint:gosec // test fixture, not a credential
	ownerTok      = "glpat-groupOwner0123456789" //nolint:gosec // test fixture, not a credential
	adminTok      = "glpat-administrator012345"  //nolint:gosec // test fixture, not a credential
	customTok     = "glpat-customRole0123456789" //nolint:gosec // test fixture, not a credential
	theSecret     = "new-axero-token-value-42"   //nolint:gosec // test fixture, not a credential
	oldSecret     = "old-axero-token-value-41"   //nolint:gosec // test fixture, not a credential
)

type env map[string]string

func (e env) get(k string) string { return e[k] }

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

type fixture struct {
	t     *testing.T
	emu   *gitlabemu.Server
	log   *lockedBuffer
	stack *sinkhttp.Stack
	env   env
}

// newFixture: group "acme" (id 10) with project "acme/app" (id 42) and
// "acme/tools/cli" (id 43); a maintainer of the group, a developer, an
// owner, an administrator and a custom role.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	emu, err := gitlabemu.Start(sinkemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	emu.AddGroup(10, "acme")
	emu.AddProject(42, "acme/app")
	emu.AddProject(43, "acme/tools/cli")
	maintainer := emu.AddUser(maintainerTok, "maint", false)
	developer := emu.AddUser(developerTok, "dev", false)
	owner := emu.AddUser(ownerTok, "owner", false)
	emu.AddUser(adminTok, "root", true)
	custom := emu.AddUser(customTok, "vars", false)
	emu.AddMember("groups", "acme", maintainer, gitlabemu.Maintainer) // inherited by the projects
	emu.AddMember("projects", "acme/app", developer, gitlabemu.Developer)
	emu.AddMember("groups", "acme", owner, gitlabemu.Owner)
	emu.AddVariablesAdmin("projects", "acme/app", custom, gitlabemu.Developer)
	log := &lockedBuffer{}
	return &fixture{
		t: t, emu: emu, log: log,
		stack: &sinkhttp.Stack{Debug: log, RetryWait: time.Millisecond, Network: client.Network{Getenv: env{}.get}},
		env:   env{"CI_API_V4_URL": emu.APIURL(), "GITLAB_TOKEN": maintainerTok},
	}
}

func (f *fixture) sink(spec string) sink.Sink {
	f.t.Helper()
	s, err := Parse(spec, sink.Env{Getenv: f.env.get, Now: time.Now}, f.stack)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func value() sink.Value { return sink.Value{Secret: theSecret, TokenID: 5, Started: time.Now()} }

func (f *fixture) wantKind(err error, k sink.Kind, wants ...string) {
	f.t.Helper()
	var se *sink.Error
	if !errors.As(err, &se) {
		f.t.Fatalf("err = %v (%T), want a *sink.Error", err, err)
	}
	if se.Kind != k {
		f.t.Errorf("kind = %v, want %v (%v)", se.Kind, k, err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			f.t.Errorf("error %q lacks %q", err, w)
		}
	}
	f.noSecrets(err.Error())
}

func (f *fixture) noSecrets(text string) {
	f.t.Helper()
	for _, secret := range []string{maintainerTok, developerTok, ownerTok, adminTok, customTok, theSecret, oldSecret} {
		if strings.Contains(text, secret) {
			f.t.Errorf("%q appears in:\n%s", secret, text)
		}
	}
}

func (f *fixture) steps(s sink.Sink, v sink.Value) {
	f.t.Helper()
	for _, step := range []func() error{
		func() error { return s.Check(f.t.Context()) },
		func() error { return s.Put(f.t.Context(), v) },
		func() error { return s.Verify(f.t.Context(), v) },
	} {
		if err := step(); err != nil {
			f.t.Fatal(err)
		}
	}
}

func TestCreateThenUpdateAProjectVariable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// By path, the path sent URL-encoded as one segment.
	s := f.sink("project/acme/app#AXERO_TOKEN")
	f.steps(s, value())
	got, ok := f.emu.Variable("projects", "acme/app", "AXERO_TOKEN", "*")
	if !ok || got.Value != theSecret || !got.Masked || got.Protected {
		t.Fatalf("created: %+v", got)
	}
	var sawEncoded bool
	for _, r := range f.emu.Requests() {
		if strings.HasPrefix(r.Path, "/api/v4/projects/acme%2Fapp/") {
			sawEncoded = true
		}
		if r.Method == "POST" && r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("POST with Content-Type %q", r.Header.Get("Content-Type"))
		}
	}
	if !sawEncoded {
		t.Error("the project path was not sent URL-encoded")
	}

	// By ID, the same variable, updated, twice (idempotent), with
	// protection added and masking kept.
	v := value()
	v.Secret = theSecret + "-2"
	byID := f.sink("project/42#AXERO_TOKEN?protected=true")
	f.steps(byID, v)
	if err := byID.Put(t.Context(), v); err != nil {
		t.Fatal(err)
	}
	if err := byID.Verify(t.Context(), v); err != nil {
		t.Fatal(err)
	}
	got, _ = f.emu.Variable("projects", "acme/app", "AXERO_TOKEN", "*")
	if got.Value != v.Secret || !got.Masked || !got.Protected {
		t.Fatalf("updated: %+v", got)
	}
	f.noSecrets(f.log.String())
	if out := f.log.String(); !strings.Contains(out, "Private-Token: [REDACTED]") || !strings.Contains(out, `"value": "[REDACTED]"`) {
		t.Errorf("debug log lacks the redactions:\n%s", out)
	}
}

func TestScopedAndGroupVariables(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.emu.SetVariable("projects", "acme/app", gitlabemu.Variable{Key: "AXERO_TOKEN", Value: oldSecret, EnvironmentScope: "staging"})
	f.emu.SetVariable("projects", "acme/app", gitlabemu.Variable{Key: "AXERO_TOKEN", Value: oldSecret, EnvironmentScope: "production"})
	f.steps(f.sink("project/acme/app#AXERO_TOKEN?environment_scope=production"), value())
	if got, _ := f.emu.Variable("projects", "acme/app", "AXERO_TOKEN", "production"); got.Value != theSecret {
		t.Errorf("production = %+v", got)
	}
	if got, _ := f.emu.Variable("projects", "acme/app", "AXERO_TOKEN", "staging"); got.Value != oldSecret {
		t.Errorf("staging changed: %+v", got)
	}
	// Check read the old value of production: the log shows it nowhere.
	f.noSecrets(f.log.String())

	// A group variable needs the Owner role.
	f.wantKind(f.sink("group/acme#AXERO_TOKEN").Check(t.Context()), sink.Denied, "has the Maintainer role in group acme", "needs Owner")
	f.env["GITLAB_TOKEN"] = ownerTok
	f.steps(f.sink("group/acme#AXERO_TOKEN?masked=false"), value())
	if got, _ := f.emu.Variable("groups", "acme", "AXERO_TOKEN", "*"); got.Value != theSecret || got.Masked {
		t.Errorf("group variable = %+v", got)
	}
}

func TestHiddenVariableIsConfirmedByTheWrite(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.sink("project/acme/app#HIDDEN_TOKEN?hidden=true")
	v := value()
	f.steps(s, v)
	got, _ := f.emu.Variable("projects", "acme/app", "HIDDEN_TOKEN", "*")
	if !got.Hidden || !got.Masked || got.Value != theSecret {
		t.Fatalf("hidden variable = %+v", got)
	}
	// Another sink for the same variable never wrote it: GitLab sends no
	// value back, so nothing proves that it holds the token.
	f.wantKind(f.sink("project/acme/app#HIDDEN_TOKEN").Verify(t.Context(), v), sink.Failed, "is hidden", "put it again")
	// An existing variable cannot become hidden.
	f.emu.SetVariable("projects", "acme/app", gitlabemu.Variable{Key: "PLAIN", Value: oldSecret})
	f.wantKind(f.sink("project/acme/app#PLAIN?hidden=true").Check(t.Context()), sink.Invalid, "GitLab hides a variable only when it is created")
}

func TestCheckRefusesWhatCannotWork(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	f.wantKind(f.sink("project/acme/app#BAD-KEY").Check(ctx), sink.Invalid, "letters, digits and _")
	f.wantKind(f.sink("project/acme/nothere#K").Check(ctx), sink.Invalid, "project acme/nothere not found", "HTTP 404: 404 Project Not Found")
	f.env["GITLAB_TOKEN"] = developerTok
	f.wantKind(f.sink("project/acme/app#K").Check(ctx), sink.Denied, "has the Developer role in project acme/app", "needs Maintainer")
	f.wantKind(f.sink("project/acme/app#K").Put(ctx, value()), sink.Denied, "HTTP 403: 403 Forbidden")
	// A custom role with admin_cicd_variables may, though only Developer.
	f.env["GITLAB_TOKEN"] = customTok
	if err := f.sink("project/acme/app#K").Check(ctx); err != nil {
		t.Errorf("custom role: %v", err)
	}
	f.env["GITLAB_TOKEN"] = adminTok
	if err := f.sink("project/acme/tools/cli#K").Check(ctx); err != nil {
		t.Errorf("administrator: %v", err)
	}
	f.env["GITLAB_TOKEN"] = "glpat-unknown000000000"
	f.wantKind(f.sink("project/42#K").Check(ctx), sink.Denied, "GitLab refused the token in GITLAB_TOKEN", "401 Unauthorized")
	f.env = env{"CI_API_V4_URL": f.emu.APIURL(), "CI_JOB_TOKEN": "job-token"}
	f.wantKind(f.sink("project/42#K").Check(ctx), sink.Denied, "set GITLAB_TOKEN", "CI_JOB_TOKEN cannot write")
}

// TestMaskingRulesAreCheckedBeforeMinting proves the check against
// GitLab's rule: the real token alphabet passes, one with a character
// GitLab cannot mask, or a token that may be too short, does not.
func TestMaskingRulesAreCheckedBeforeMinting(t *testing.T) {
	t.Parallel()
	if err := maskable(sink.TokenAlphabet, sink.MinTokenLength); err != nil {
		t.Errorf("a JWT cannot be masked? %v", err)
	}
	if err := maskable("abc!$", 100); err == nil || !strings.Contains(err.Error(), `'!', '$', which GitLab cannot mask`) {
		t.Errorf("bad alphabet: %v", err)
	}
	if err := maskable("abc", 7); err == nil || !strings.Contains(err.Error(), "shorter than the 8 characters") {
		t.Errorf("short token: %v", err)
	}
	// The emulator enforces the same rule on the wire.
	f := newFixture(t)
	bad := value()
	bad.Secret = "not maskable!"
	f.wantKind(f.sink("project/42#K?masked=true").Put(t.Context(), bad), sink.Invalid, "value is invalid")
}

func TestFaults(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	s := f.sink("project/acme/app#AXERO_TOKEN")
	v := value()
	f.emu.SetFaults(sinkemu.Faults{Down: true})
	f.wantKind(s.Check(ctx), sink.Failed, "cannot reach GitLab")
	f.emu.SetFaults(sinkemu.Faults{ServerError: true})
	f.wantKind(s.Put(ctx, v), sink.Failed, "HTTP 500: 500 Internal Server Error")
	f.emu.SetFaults(sinkemu.Faults{ForbidWrites: true})
	f.wantKind(s.Put(ctx, v), sink.Denied, "may not update", "Maintainer role")
	f.emu.SetFaults(sinkemu.Faults{Throttled: 2})
	if err := s.Put(ctx, v); err != nil {
		t.Fatalf("through 429s: %v", err)
	}
	// GitLab acknowledges an update it does not keep: Verify catches it.
	v2 := value()
	v2.Secret = theSecret + "-lost"
	f.emu.SetFaults(sinkemu.Faults{LoseWrites: true})
	if err := s.Put(ctx, v2); err != nil {
		t.Fatal(err)
	}
	f.emu.SetFaults(sinkemu.Faults{})
	f.wantKind(s.Verify(ctx, v2), sink.Failed, "does not hold the new token")
	f.wantKind(f.sink("project/acme/app#NEVER").Verify(ctx, v2), sink.Failed, "does not exist")
	f.noSecrets(f.log.String())
	if strings.Contains(f.log.String(), v2.Secret) {
		t.Error("the debug log holds the value that was lost")
	}
}

func TestEndpointFromGitLabHost(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]string{
		"gitlab.example.com":                "https://gitlab.example.com/api/v4",
		"https://gitlab.example.com:8443/":  "https://gitlab.example.com:8443/api/v4",
		"https://example.com/gitlab/api/v4": "https://example.com/gitlab/api/v4",
		"http://127.0.0.1:8080":             "http://127.0.0.1:8080/api/v4",
		"":                                  "https://gitlab.com/api/v4",
	} {
		s := &Sink{getenv: env{"GITLAB_HOST": host}.get}
		u, _, err := s.endpoint()
		if err != nil || u.String() != want {
			t.Errorf("GITLAB_HOST=%q: %v, %v; want %s", host, u, err, want)
		}
	}
}

func TestParseRefusesMalformedSpecs(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]string{
		"repo/acme/app#K":                       "write gitlab:project/PATH-OR-ID#KEY",
		"project/#K":                            "no project",
		"project/acme/app":                      "no variable key",
		"project/acme app#K":                    "is not a GitLab project ID or path",
		"project/acme/../x#K":                   "is not a GitLab project ID or path",
		"project/42#K?masked=maybe":             "want true or false",
		"project/42#K?hidden=true&masked=false": "hidden=true needs the variable masked",
		"project/42#K?environment_scope=":       "environment_scope= needs",
		"project/42#K?colour=red":               `unknown option "colour"`,
	} {
		_, err := Parse(spec, sink.Env{}, nil)
		if sink.KindOf(err) != sink.Invalid || err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want Invalid with %q", spec, err, want)
		}
	}
}

// BenchmarkDelivery is one delivery over loopback: check (user, project,
// role, variable), put, verify.
func BenchmarkDelivery(b *testing.B) {
	emu, err := gitlabemu.Start(sinkemu.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = emu.Close() }()
	emu.AddProject(42, "acme/app")
	uid := emu.AddUser(maintainerTok, "maint", false)
	emu.AddMember("projects", "acme/app", uid, gitlabemu.Maintainer)
	e := env{"CI_API_V4_URL": emu.APIURL(), "GITLAB_TOKEN": maintainerTok}
	v := value()
	for b.Loop() {
		s, err := Parse("project/acme/app#AXERO_TOKEN", sink.Env{Getenv: e.get}, &sinkhttp.Stack{Network: client.Network{Getenv: env{}.get}})
		if err != nil {
			b.Fatal(err)
		}
		for _, step := range []func() error{
			func() error { return s.Check(b.Context()) },
			func() error { return s.Put(b.Context(), v) },
			func() error { return s.Verify(b.Context(), v) },
		} {
			if err := step(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
