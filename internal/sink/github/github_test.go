package github_test

import (
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/emulator/githubemu"
	"github.com/axero-cli/axero/internal/emulator/sinkemu"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/github"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

func TestRepositorySecretIsSealedCheckedAndVerified(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.sink("acme/app#DEPLOY_TOKEN")
	if s.String() != "github:acme/app#DEPLOY_TOKEN" {
		t.Errorf("String() = %q", s.String())
	}
	ctx := t.Context()
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.emu.Secret(githubemu.Repo("acme", "app"), "DEPLOY_TOKEN"); ok {
		t.Fatal("Check wrote the secret")
	}
	v := value()
	if err := s.Put(ctx, v); err != nil {
		t.Fatal(err)
	}
	// The emulator opened the sealed box with its private key: the value
	// it holds proves the encryption.
	got, ok := f.emu.Secret(githubemu.Repo("acme", "app"), "DEPLOY_TOKEN")
	if !ok || got.Value != theSecret {
		t.Fatalf("stored = %+v, %v", got, ok)
	}
	if err := s.Verify(ctx, v); err != nil {
		t.Fatal(err)
	}
	// Idempotent: the same value again, then verified again.
	if err := s.Put(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, v); err != nil {
		t.Fatal(err)
	}
	if n := f.requests("PUT", "/actions/secrets/DEPLOY_TOKEN"); n != 2 {
		t.Errorf("%d PUTs, want 2", n)
	}
	f.noSecrets(f.log.String())
}

func TestEnvironmentSecret(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.env = env{"GITHUB_API_URL": f.emu.APIURL(), "GITHUB_TOKEN": fineToken}
	s := f.sink("acme/app?env=prod#DEPLOY_TOKEN")
	v := value()
	for _, step := range []func() error{
		func() error { return s.Check(t.Context()) },
		func() error { return s.Put(t.Context(), v) },
		func() error { return s.Verify(t.Context(), v) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if got, ok := f.emu.Secret(githubemu.Env("acme", "app", "prod"), "DEPLOY_TOKEN"); !ok || got.Value != theSecret {
		t.Fatalf("stored = %+v", got)
	}
	if _, ok := f.emu.Secret(githubemu.Repo("acme", "app"), "DEPLOY_TOKEN"); ok {
		t.Error("an environment secret went to the repository")
	}
	// An environment that does not exist is a sink that cannot work.
	f.wantKind(f.sink("acme/app?env=staging#DEPLOY_TOKEN").Check(t.Context()), sink.Invalid, `environment "staging" of repository acme/app not found`)
}

func TestOrganisationSecretVisibility(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	org := githubemu.Org("acme")
	webID := f.emu.AddRepo("acme", "web")

	// A new secret needs to be told who may use it.
	f.wantKind(f.sink("acme#ORG_TOKEN").Check(ctx), sink.Invalid, "does not exist yet", "?visibility=")

	s := f.sink("acme#ORG_TOKEN?visibility=selected&repos=web")
	v := value()
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx, v); err != nil {
		t.Fatal(err)
	}
	got, _ := f.emu.Secret(org, "ORG_TOKEN")
	if got.Value != theSecret || got.Visibility != "selected" || len(got.Selected) != 1 || got.Selected[0] != webID {
		t.Fatalf("stored = %+v", got)
	}

	// Without ?visibility= a rotation keeps what the secret has, the
	// selected repositories included.
	keep := f.sink("acme#ORG_TOKEN")
	v2 := value()
	v2.Secret = theSecret + "-next"
	if err := keep.Put(ctx, v2); err != nil {
		t.Fatal(err)
	}
	got, _ = f.emu.Secret(org, "ORG_TOKEN")
	if got.Value != v2.Secret || got.Visibility != "selected" || len(got.Selected) != 1 || got.Selected[0] != webID {
		t.Fatalf("after a rotation without visibility: %+v", got)
	}

	// An explicit visibility replaces it, and Verify checks it.
	all := f.sink("acme#ORG_TOKEN?visibility=all")
	if err := all.Put(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := all.Verify(ctx, v); err != nil {
		t.Fatal(err)
	}
	if got, _ = f.emu.Secret(org, "ORG_TOKEN"); got.Visibility != "all" || len(got.Selected) != 0 {
		t.Fatalf("visibility all: %+v", got)
	}
	f.wantKind(f.sink("acme#ORG_TOKEN?visibility=private").Verify(ctx, v), sink.Failed, `visibility "all", not "private"`)
	f.wantKind(f.sink("acme#ORG_TOKEN?visibility=selected&repos=nope").Check(ctx), sink.Invalid, "repository acme/nope not found")
}

func TestCheckRefusesWhatCannotWork(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	for spec, want := range map[string]string{
		"acme/app#1TOKEN":      "not starting with a digit",
		"acme/app#DEPLOY-KEY":  "only letters, digits and _",
		"acme/app#GITHUB_PAT":  "reserves names starting with GITHUB_",
		"acme/app#github_pat":  "reserves names starting with GITHUB_",
		"acme/nothere#TOKEN_X": "repository acme/nothere not found, or the token in GH_TOKEN cannot see it",
	} {
		f.wantKind(f.sink(spec).Check(ctx), sink.Invalid, want)
	}
	// Nothing was asked of GitHub for a name it would refuse.
	if n := f.requests("GET", "/public-key"); n != 1 {
		t.Errorf("%d public-key requests, want 1 (for the missing repository only)", n)
	}

	f.env = env{"GITHUB_API_URL": f.emu.APIURL()}
	f.wantKind(f.sink("acme/app#TOKEN").Check(ctx), sink.Denied, "no GitHub token: set GH_TOKEN")

	f.env = env{"GITHUB_API_URL": f.emu.APIURL(), "GH_TOKEN": "ghp_unknown0123456789"}
	f.wantKind(f.sink("acme/app#TOKEN").Check(ctx), sink.Denied, "GitHub refused the token in GH_TOKEN", "HTTP 401: Bad credentials")

	f.env = env{"GITHUB_API_URL": f.emu.APIURL(), "GITHUB_TOKEN": workflowTok}
	f.wantKind(f.sink("acme/app#TOKEN").Check(ctx), sink.Denied, "use a fine-grained token or an App token with Secrets: write", "Resource not accessible by integration")

	const noScopes = "ghp_noScopes0123456789" //nolint:gosec // test fixture, not a credential
	f.emu.AddToken(noScopes, githubemu.Token{Scopes: []string{"read:org"}})
	f.env = env{"GITHUB_API_URL": f.emu.APIURL(), "GH_TOKEN": noScopes}
	f.wantKind(f.sink("acme/app#TOKEN").Check(ctx), sink.Denied, "may not read the public key", "repo scope")

	const repoOnly = "ghp_repoOnly0123456789" //nolint:gosec // test fixture, not a credential
	f.emu.AddToken(repoOnly, githubemu.Token{Scopes: []string{"repo", "read:org"}})
	f.env = env{"GITHUB_API_URL": f.emu.APIURL(), "GH_TOKEN": repoOnly}
	f.wantKind(f.sink("acme#TOKEN?visibility=all").Check(ctx), sink.Denied, "admin:org")

	f.env = env{"GITHUB_API_URL": "http://github.example.com", "GH_TOKEN": classicToken}
	f.wantKind(f.sink("acme/app#TOKEN").Check(ctx), sink.Invalid, "refusing plain http://")
}

func TestParseRefusesMalformedSpecs(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]string{
		"acme/app":                             "no secret name",
		"acme/app#":                            "no secret name",
		"-acme/app#X":                          "not a GitHub owner",
		"acme/a b#X":                           "not a GitHub repository name",
		"acme/app#X?visibility=all":            `unknown option "visibility" (known: env)`,
		"acme#X?env=prod":                      `unknown option "env"`,
		"acme#X?visibility=public":             `visibility="public": want all, private or selected`,
		"acme#X?visibility=selected":           "needs repos=",
		"acme#X?visibility=all&repos=web":      "repos= goes with visibility=selected only",
		"acme/app?env=#X":                      "env= needs an environment name",
		"acme/app#X#Y":                         "more than one '#'",
		"acme/app#X?env=a&env=b":               "given more than once",
		"acme#X?visibility=selected&repos=a b": "is not a repository name",
	} {
		_, err := github.Parse(spec, sink.Env{Getenv: env{}.get}, nil)
		if sink.KindOf(err) != sink.Invalid || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "github:"+spec+": parse: ") {
			t.Errorf("Parse(%q) = %v, want Invalid with %q", spec, err, want)
		}
	}
}

func TestStaleKeyIsFetchedAgainOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.sink("acme/app#DEPLOY_TOKEN")
	if err := s.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	// GitHub rotated the key after Check read it: the first PUT is
	// refused with 422, the key read again, and the second PUT lands.
	f.emu.RotateKey(githubemu.Repo("acme", "app"))
	if err := s.Put(t.Context(), value()); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.emu.Secret(githubemu.Repo("acme", "app"), "DEPLOY_TOKEN"); got.Value != theSecret {
		t.Fatalf("stored %+v", got)
	}
	if puts, keys := f.requests("PUT", "/DEPLOY_TOKEN"), f.requests("GET", "/public-key"); puts != 2 || keys != 2 {
		t.Errorf("PUTs = %d, key reads = %d; want 2 and 2", puts, keys)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	s := f.sink("acme/app#DEPLOY_TOKEN")
	v := value()

	// Down: every idempotent request is tried 1+3 times, then fails.
	f.emu.SetFaults(sinkemu.Faults{Down: true})
	f.wantKind(s.Check(ctx), sink.Failed, "cannot reach GitHub")
	if n := f.requests("GET", "/public-key"); n != 4 {
		t.Errorf("%d attempts while down, want 4", n)
	}

	// Transient 503 and 429 are retried through to success.
	f.emu.SetFaults(sinkemu.Faults{Unavailable: 2, Throttled: 1})
	if err := s.Put(ctx, v); err != nil {
		t.Fatal(err)
	}

	// 500 is not retried.
	before := len(f.emu.Requests())
	f.emu.SetFaults(sinkemu.Faults{ServerError: true})
	f.wantKind(s.Put(ctx, v), sink.Failed, "HTTP 500: Server Error")
	if n := len(f.emu.Requests()) - before; n != 1 {
		t.Errorf("%d requests for a 500, want 1", n)
	}

	// 403 on write.
	f.emu.SetFaults(sinkemu.Faults{ForbidWrites: true})
	f.wantKind(s.Put(ctx, v), sink.Denied, "may not write the secret DEPLOY_TOKEN of acme/app", "Secrets: write")
	f.emu.SetFaults(sinkemu.Faults{})
	f.noSecrets(f.log.String())
}

func TestVerifyCatchesAWriteThatDidNotHappen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	repo := githubemu.Repo("acme", "app")
	v := value()
	// The secret holds an old value from before the run.
	f.emu.SetSecret(repo, githubemu.Secret{Name: "DEPLOY_TOKEN", Value: "old", Updated: v.Started.Add(-time.Hour)})
	s := f.sink("acme/app#DEPLOY_TOKEN")

	// GitHub acknowledges the write but keeps nothing.
	f.emu.SetFaults(sinkemu.Faults{LoseWrites: true})
	if err := s.Put(ctx, v); err != nil {
		t.Fatal(err)
	}
	f.wantKind(s.Verify(ctx, v), sink.Failed, "before this run started", "does not hold the new token")

	// A secret that does not exist at all.
	f.wantKind(f.sink("acme/app#NEVER_WRITTEN").Verify(ctx, v), sink.Failed, "does not exist")
	f.emu.SetFaults(sinkemu.Faults{})
	if err := s.Put(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx, v); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyUsesTheServersClock puts GitHub's clock an hour away from
// ours in both directions: updated_at is compared with the run's start on
// GitHub's clock, as its Date header gives it.
func TestVerifyUsesTheServersClock(t *testing.T) {
	t.Parallel()
	for _, offset := range []time.Duration{-time.Hour, time.Hour} {
		f := newFixture(t, func(o *githubemu.Options) {
			o.Now = func() time.Time { return time.Now().Add(offset) }
		})
		s := f.sink("acme/app#DEPLOY_TOKEN")
		v := sink.Value{Secret: theSecret, Started: time.Now()}
		if err := s.Put(t.Context(), v); err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(t.Context(), v); err != nil {
			t.Errorf("server clock %v: %v", offset, err)
		}
	}
}

func TestDebugLogRedactsCredentialsAndSealedValues(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.sink("acme/app#DEPLOY_TOKEN")
	v := value()
	if err := s.Put(t.Context(), v); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(t.Context(), v); err != nil {
		t.Fatal(err)
	}
	out := f.log.String()
	f.noSecrets(out)
	for _, want := range []string{"PUT", "/repos/acme/app/actions/secrets/DEPLOY_TOKEN", "Authorization: [REDACTED]", `"encrypted_value": "[REDACTED]"`, "X-Github-Api-Version: 2022-11-28", "201"} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %q", want)
		}
	}
}

// TestEnterpriseServerThroughProxyAndPrivateCA reaches a GitHub
// Enterprise Server named by GH_HOST (https://HOST/api/v3), over HTTPS
// signed by a private CA, through the proxy of the command's environment.
func TestEnterpriseServerThroughProxyAndPrivateCA(t *testing.T) {
	t.Parallel()
	ca, err := emulator.NewCA("")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(o *githubemu.Options) {
		o.PathPrefix = "/api/v3"
		o.TLS = &emulator.TLSOptions{CA: ca, Hosts: []string{emulator.TestHost}}
	})
	proxy, err := emulator.StartProxy()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	port := f.emu.URL()[strings.LastIndex(f.emu.URL(), ":")+1:]
	f.env = env{"GH_HOST": emulator.TestHost + ":" + port, "GH_TOKEN": classicToken}
	f.stack = &sinkhttp.Stack{Debug: f.log, RetryWait: time.Millisecond, Network: client.Network{CAPEM: ca.PEM(), Getenv: env{"HTTPS_PROXY": proxy.URL()}.get}}
	s := f.sink("acme/app#DEPLOY_TOKEN")
	v := value()
	if err := s.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(t.Context(), v); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.emu.Secret(githubemu.Repo("acme", "app"), "DEPLOY_TOKEN"); got.Value != theSecret {
		t.Fatalf("stored %+v", got)
	}
	if len(proxy.Requests()) == 0 {
		t.Error("the proxy saw nothing")
	}

	// Without the CA the certificate is refused, once, with advice. (A
	// stack is fixed once it made a client: its transports are shared.)
	f.stack = &sinkhttp.Stack{Debug: f.log, RetryWait: time.Millisecond, Network: client.Network{Getenv: env{"HTTPS_PROXY": proxy.URL()}.get}}
	f.wantKind(f.sink("acme/app#DEPLOY_TOKEN").Check(t.Context()), sink.Failed, "unknown authority", "--ca-file")
}

// BenchmarkDelivery is one delivery over loopback: check, seal and put,
// verify.
func BenchmarkDelivery(b *testing.B) {
	emu, err := githubemu.Start(githubemu.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = emu.Close() }()
	emu.AddRepo("acme", "app")
	emu.AddToken(classicToken, githubemu.Token{Scopes: []string{"repo"}})
	e := env{"GITHUB_API_URL": emu.APIURL(), "GH_TOKEN": classicToken}
	v := value()
	for b.Loop() {
		s, err := github.Parse("acme/app#DEPLOY_TOKEN", sink.Env{Getenv: e.get}, &sinkhttp.Stack{Network: client.Network{Getenv: env{}.get}})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Check(b.Context()); err != nil {
			b.Fatal(err)
		}
		if err := s.Put(b.Context(), v); err != nil {
			b.Fatal(err)
		}
		if err := s.Verify(b.Context(), v); err != nil {
			b.Fatal(err)
		}
	}
}
