package vault_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/emulator/sinkemu"
	"github.com/axero-cli/axero/internal/emulator/vaultemu"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
	"github.com/axero-cli/axero/internal/sink/vault"
)

const (
	writer      = "hvs.writerCredential0123"   //nolint:gosec // test fixture, not a credential
	reader      = "hvs.readerCredential0123"   //nolint:gosec // test fixture, not a credential
	creator     = "hvs.creatorCredential0123"  //nolint:gosec // test fixture, not a credential
	teamToken   = "hvs.teamCredential01234"    //nolint:gosec // test fixture, not a credential
	theSecret   = "new-axero-token-value-42"   //nolint:gosec // test fixture, not a credential
	oldSecret   = "old-axero-token-value-41"   //nolint:gosec // test fixture, not a credential
	neighbour   = "database-password-kept-999" //nolint:gosec // test fixture, not a credential
	entryPath   = "ci/axero"
	entrySpec   = "secret/ci/axero#token"
	dataPathFor = "secret/data/ci/axero"
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
	emu   *vaultemu.Server
	log   *lockedBuffer
	stack *sinkhttp.Stack
	env   env
}

func newFixture(t *testing.T, o sinkemu.Options) *fixture {
	t.Helper()
	emu, err := vaultemu.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	emu.AddToken(writer, "", vaultemu.Policy{"secret/data/ci/*": {"create", "read", "update"}, "sys/capabilities-self": {"update"}})
	emu.AddToken(reader, "", vaultemu.Policy{"secret/data/ci/*": {"read"}})
	emu.AddToken(creator, "", vaultemu.Policy{"secret/data/ci/*": {"create", "read"}})
	emu.Write("", "secret", entryPath, map[string]string{"token": oldSecret, "db_password": neighbour})
	log := &lockedBuffer{}
	return &fixture{
		t: t, emu: emu, log: log,
		stack: &sinkhttp.Stack{Debug: log, RetryWait: time.Millisecond, Network: client.Network{Getenv: env{}.get}},
		env:   env{"VAULT_ADDR": emu.URL(), "VAULT_TOKEN": writer},
	}
}

func (f *fixture) sink(spec string) sink.Sink {
	f.t.Helper()
	s, err := vault.Parse(spec, sink.Env{Getenv: f.env.get, Now: time.Now}, f.stack)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func value() sink.Value { return sink.Value{Secret: theSecret, TokenID: 9, Started: time.Now()} }

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
	for _, secret := range []string{writer, reader, creator, teamToken, theSecret, oldSecret, neighbour} {
		if strings.Contains(text, secret) {
			f.t.Errorf("%q appears in:\n%s", secret, text)
		}
	}
}

func TestPutKeepsOtherFieldsAndIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sinkemu.Options{})
	s := f.sink(entrySpec)
	if s.String() != "vault:"+entrySpec {
		t.Errorf("String() = %q", s.String())
	}
	ctx := t.Context()
	v := value()
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, v); err != nil {
		t.Fatal(err)
	}
	data, ver, _ := f.emu.Read("", "secret", entryPath)
	if data["token"] != theSecret || data["db_password"] != neighbour || ver != 2 {
		t.Fatalf("after Put: version %d, %v", ver, data)
	}
	if err := s.Verify(ctx, v); err != nil {
		t.Fatal(err)
	}
	// A second Put finds the value there and writes no new version.
	if err := s.Put(ctx, v); err != nil {
		t.Fatal(err)
	}
	if _, ver, _ := f.emu.Read("", "secret", entryPath); ver != 2 {
		t.Errorf("a repeated Put made version %d", ver)
	}
	if err := s.Commit(ctx, v); err != nil {
		t.Fatal(err)
	}
	out := f.log.String()
	f.noSecrets(out)
	for _, want := range []string{"X-Vault-Token: [REDACTED]", "/v1/sys/capabilities-self", `"data": "[REDACTED]"`, `"cas": 1`} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %q", want)
		}
	}
}

func TestPutCreatesAndWritesOverADeletedVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sinkemu.Options{})
	ctx := t.Context()
	v := value()
	fresh := f.sink("secret/ci/new-app#token")
	if err := fresh.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := fresh.Put(ctx, v); err != nil {
		t.Fatal(err)
	}
	if data, ver, _ := f.emu.Read("", "secret", "ci/new-app"); ver != 1 || data["token"] != theSecret {
		t.Fatalf("created: version %d", ver)
	}

	// The latest version is deleted: the write must name its number.
	f.emu.DeleteLatest("", "secret", entryPath)
	s := f.sink(entrySpec)
	f.wantKind(s.Verify(ctx, v), sink.Failed, "does not exist (or its latest version is deleted)")
	if err := s.Put(ctx, v); err != nil {
		t.Fatal(err)
	}
	if data, ver, ok := f.emu.Read("", "secret", entryPath); !ok || ver != 2 || data["token"] != theSecret {
		t.Fatalf("over a deleted version: version %d, %v", ver, ok)
	}
}

func TestCheckAndSetRacesAreRetriedThenGivenUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sinkemu.Options{})
	s := f.sink(entrySpec)
	f.emu.RaceWrites(2)
	if err := s.Put(t.Context(), value()); err != nil {
		t.Fatal(err)
	}
	data, _, _ := f.emu.Read("", "secret", entryPath)
	if data["token"] != theSecret || data["other_writer"] == "" || data["db_password"] != neighbour {
		t.Fatalf("the other writer's change or ours is lost: %v", data)
	}
	f.emu.RaceWrites(100)
	f.wantKind(f.sink(entrySpec).Put(t.Context(), sink.Value{Secret: theSecret + "-2"}), sink.Failed, "kept changing", "lost the check-and-set race")
}

func TestCheckRefusesMissingPermissions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sinkemu.Options{})
	ctx := t.Context()
	f.env["VAULT_TOKEN"] = reader
	f.wantKind(f.sink(entrySpec).Check(ctx), sink.Denied, "may not update secret/data/ci/axero", "capabilities there: read")
	// The creator may create a new entry but not update an existing one.
	f.env["VAULT_TOKEN"] = creator
	if err := f.sink("secret/ci/other#token").Check(ctx); err != nil {
		t.Errorf("create-only token on a new entry: %v", err)
	}
	f.wantKind(f.sink(entrySpec).Check(ctx), sink.Denied, "may not update")
	f.env["VAULT_TOKEN"] = writer
	f.wantKind(f.sink("secret/elsewhere/x#token").Check(ctx), sink.Denied, "may not read secret/data/elsewhere/x", "deny")
	f.env["VAULT_TOKEN"] = "hvs.unknown000000"
	f.wantKind(f.sink(entrySpec).Check(ctx), sink.Denied, "HTTP 403: permission denied")
	delete(f.env, "VAULT_TOKEN")
	f.wantKind(f.sink(entrySpec).Check(ctx), sink.Denied, "no Vault token: set VAULT_TOKEN")
}

func TestCheckRefusesWhatIsNotAKVv2Mount(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sinkemu.Options{})
	f.emu.AddMount("", "legacy", 1)
	f.emu.AddToken("hvs.root000000000", "", vaultemu.RootPolicy)
	f.env["VAULT_TOKEN"] = "hvs.root000000000"
	f.wantKind(f.sink("legacy/app#token").Check(t.Context()), sink.Invalid, "legacy/ is a kv mount (version \"1\"), not KV version 2")
	f.wantKind(f.sink("nomount/app#token").Check(t.Context()), sink.Invalid, "no KV version 2 mount at nomount/")
}

func TestNamespace(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sinkemu.Options{})
	f.emu.AddNamespace("team")
	f.emu.AddToken(teamToken, "team", vaultemu.Policy{"secret/data/*": {"create", "read", "update"}})
	f.env["VAULT_TOKEN"] = teamToken
	f.wantKind(f.sink(entrySpec).Check(t.Context()), sink.Denied, "VAULT_NAMESPACE")
	f.env["VAULT_NAMESPACE"] = "team/"
	s := f.sink(entrySpec)
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
	if data, _, _ := f.emu.Read("team", "secret", entryPath); data["token"] != theSecret {
		t.Errorf("namespace entry = %v", data)
	}
	if data, _, _ := f.emu.Read("", "secret", entryPath); data["token"] != oldSecret {
		t.Error("the root namespace's entry changed")
	}
}

func TestVaultCACertIsTrustedForThisSink(t *testing.T) {
	t.Parallel()
	ca, err := emulator.NewCA("")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, sinkemu.Options{TLS: &emulator.TLSOptions{CA: ca}})
	f.wantKind(f.sink(entrySpec).Check(t.Context()), sink.Failed, "unknown authority")
	caFile := filepath.Join(t.TempDir(), "vault-ca.pem")
	if err := os.WriteFile(caFile, ca.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	f.env["VAULT_CACERT"] = caFile
	if err := f.sink(entrySpec).Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	// VAULT_CACERT adds to the command's bundle (--ca-file), not in its
	// place.
	other, err := emulator.NewCA("Another CA")
	if err != nil {
		t.Fatal(err)
	}
	f.stack.Network.CAPEM = other.PEM()
	if err := f.sink(entrySpec).Check(t.Context()); err != nil {
		t.Fatalf("with --ca-file and VAULT_CACERT: %v", err)
	}
	f.env["VAULT_CACERT"] = filepath.Join(t.TempDir(), "missing.pem")
	f.wantKind(f.sink(entrySpec).Check(t.Context()), sink.Invalid, "VAULT_CACERT: cannot read CA file")
	f.env["VAULT_ADDR"] = "http://vault.example.com:8200"
	f.wantKind(f.sink(entrySpec).Check(t.Context()), sink.Invalid, "refusing plain http://")
}

func TestFaults(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sinkemu.Options{})
	ctx := t.Context()
	s := f.sink(entrySpec)
	v := value()

	f.emu.SetFaults(sinkemu.Faults{Down: true})
	f.wantKind(s.Check(ctx), sink.Failed, "cannot reach Vault")
	f.emu.SetFaults(sinkemu.Faults{ServerError: true})
	f.wantKind(s.Put(ctx, v), sink.Failed, "HTTP 500: internal error")
	f.emu.SetFaults(sinkemu.Faults{ForbidWrites: true})
	f.wantKind(s.Put(ctx, v), sink.Denied, "may not write secret/data/ci/axero", "permission denied")
	f.emu.SetFaults(sinkemu.Faults{Unavailable: 3})
	if err := s.Put(ctx, v); err != nil {
		t.Fatalf("through 503s: %v", err)
	}

	// Vault acknowledges a write it does not keep: Verify catches it.
	other := f.sink("secret/ci/lost#token")
	f.emu.SetFaults(sinkemu.Faults{LoseWrites: true})
	if err := other.Put(ctx, v); err != nil {
		t.Fatal(err)
	}
	f.emu.SetFaults(sinkemu.Faults{})
	f.wantKind(other.Verify(ctx, v), sink.Failed, "does not exist")
	f.noSecrets(f.log.String())
}

func TestVerifyCatchesAnotherValue(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sinkemu.Options{})
	f.wantKind(f.sink(entrySpec).Verify(t.Context(), value()), sink.Failed, `field "token" of secret/data/ci/axero does not hold the new token`)
	f.wantKind(f.sink("secret/ci/axero#missing_field").Verify(t.Context(), value()), sink.Failed, "does not hold the new token")
	f.noSecrets(f.log.String())
}

func TestParseRefusesMalformedSpecs(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]string{ //nolint:gosec // sink strings, not credentials
		"secret/ci/axero":        "no field",
		"secret#token":           "is not MOUNT/PATH",
		"secret/#token":          "is not MOUNT/PATH",
		"secret/a//b#token":      "empty, . or .. segment",
		"secret/a/../b#token":    "empty, . or .. segment",
		"sys/policy/x#token":     `"sys" is not a KV mount`,
		"secret/a#token?cas=1":   `unknown option "cas": this kind of sink takes no options`,
		"secret/a#token#again":   "more than one '#'",
		"secret/a#tok\x07en":     "control character",
		"secret/a?x=1&x=2#token": "more than once",
	} {
		_, err := vault.Parse(spec, sink.Env{}, nil)
		if sink.KindOf(err) != sink.Invalid || err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want Invalid with %q", spec, err, want)
		}
	}
}

// BenchmarkDelivery is one delivery over loopback: check (mount,
// capabilities, read), put (read, write with cas), verify. Each round
// writes a new value, so every put makes a version.
func BenchmarkDelivery(b *testing.B) {
	emu, err := vaultemu.Start(sinkemu.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = emu.Close() }()
	emu.AddToken(writer, "", vaultemu.Policy{"secret/data/ci/*": {"create", "read", "update"}})
	e := env{"VAULT_ADDR": emu.URL(), "VAULT_TOKEN": writer}
	n := 0
	for b.Loop() {
		n++
		v := sink.Value{Secret: fmt.Sprintf("%s-%d", theSecret, n)}
		s, err := vault.Parse(entrySpec, sink.Env{Getenv: e.get}, &sinkhttp.Stack{Network: client.Network{Getenv: env{}.get}})
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
