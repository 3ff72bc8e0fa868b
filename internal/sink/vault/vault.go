// Package vault delivers a token to one field of a HashiCorp Vault KV
// version 2 entry:
//
//	vault:MOUNT/PATH#FIELD
//
// The other fields of the entry are kept: the sink reads the current
// version, changes its field, and writes with check-and-set on the
// version it read, so that a concurrent writer's change is never lost
// (a lost race reads again and retries, a bounded number of times).
// Verify reads the entry back and compares the field by hash.
//
// The endpoint and credentials are VAULT_ADDR (default
// https://127.0.0.1:8200, as the vault CLI's), VAULT_TOKEN,
// VAULT_NAMESPACE (sent as X-Vault-Namespace) and VAULT_CACERT (a PEM
// bundle trusted for this sink besides the command's). Certificate
// verification cannot be turned off: VAULT_SKIP_VERIFY is not read.
package vault

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
	"github.com/axero-cli/axero/internal/sink/sinkspec"
)

// Scheme is the sink strings' prefix.
const Scheme = "vault"

// defaultAddr is the vault CLI's default VAULT_ADDR.
const defaultAddr = "https://127.0.0.1:8200"

// Sink is one field of a KV version 2 entry.
type Sink struct {
	spec  string
	mount string
	path  string // within the mount, without leading or trailing slashes
	field string

	getenv func(string) string
	stack  *sinkhttp.Stack

	mu     sync.Mutex
	client *sinkhttp.Client
}

// Parse reads the part of a sink string after "vault:".
func Parse(spec string, env sink.Env, stack *sinkhttp.Stack) (sink.Sink, error) {
	s := &Sink{spec: spec, getenv: env.Get, stack: stack}
	if err := s.parse(); err != nil {
		return nil, sink.ParseError(s.String(), err)
	}
	return s, nil
}

func (s *Sink) parse() error {
	sp, err := sinkspec.Parse(s.spec)
	if err != nil {
		return err
	}
	if err := sp.Allow(); err != nil {
		return err
	}
	if !sp.HasName || sp.Name == "" {
		return fmt.Errorf("no field: write vault:MOUNT/PATH#FIELD, e.g. vault:secret/ci/axero#token")
	}
	mount, path, ok := strings.Cut(strings.Trim(sp.Target, "/"), "/")
	if !ok || mount == "" || path == "" {
		return fmt.Errorf("%q is not MOUNT/PATH: name the KV mount and the entry in it, e.g. secret/ci/axero", sp.Target)
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("path %q has an empty, . or .. segment", path)
		}
	}
	if mount == "." || mount == ".." || mount == "sys" {
		return fmt.Errorf("%q is not a KV mount", mount)
	}
	s.mount, s.path, s.field = mount, path, sp.Name
	return nil
}

// String is the sink as written.
func (s *Sink) String() string { return Scheme + ":" + s.spec }

// dataPath is the entry's KV v2 data path, for capabilities and messages.
func (s *Sink) dataPath() string { return s.mount + "/data/" + s.path }

// apiPath is the escaped URL path of the entry's data.
func (s *Sink) apiPath() string {
	segs := strings.Split(s.path, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return "/v1/" + url.PathEscape(s.mount) + "/data/" + strings.Join(segs, "/")
}

// connect builds the HTTP client on first use.
func (s *Sink) connect(op string) (*sinkhttp.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return s.client, nil
	}
	token := strings.TrimSpace(s.getenv("VAULT_TOKEN"))
	if token == "" {
		return nil, sink.Errorf(s.String(), op, sink.Denied, "no Vault token: set VAULT_TOKEN")
	}
	addr := strings.TrimSpace(s.getenv("VAULT_ADDR"))
	from := "VAULT_ADDR"
	if addr == "" {
		addr, from = defaultAddr, "VAULT_ADDR (unset, so the default "+defaultAddr+")"
	}
	base, err := sinkhttp.ParseBaseURL(addr, from)
	if err != nil {
		return nil, sink.Errorf(s.String(), op, sink.Invalid, "%v", err)
	}
	headers := map[string]string{"X-Vault-Token": token}
	if ns := strings.Trim(strings.TrimSpace(s.getenv("VAULT_NAMESPACE")), "/"); ns != "" {
		headers["X-Vault-Namespace"] = ns
	}
	var extraCA []byte
	if path := strings.TrimSpace(s.getenv("VAULT_CACERT")); path != "" {
		if extraCA, err = client.ReadCAFile(path); err != nil {
			return nil, sink.Errorf(s.String(), op, sink.Invalid, "VAULT_CACERT: %v", err)
		}
	}
	c, err := s.stack.New(sinkhttp.Endpoint{
		Sink:              s.String(),
		Service:           "Vault",
		BaseURL:           base,
		BaseFrom:          "VAULT_ADDR",
		Headers:           headers,
		CredentialHeaders: []string{"X-Vault-Token"},
		Secrets:           []string{token},
		// Every value of an entry is somebody's secret, not only the
		// field this sink writes: the log shows no data map at all.
		SecretFields: []string{"data"},
		ExtraCA:      extraCA,
		Message:      errorsMessage,
	})
	if err != nil {
		return nil, sink.Errorf(s.String(), op, sink.Invalid, "%v", err)
	}
	s.client = c
	return c, nil
}

// Commit does nothing: the write made the new version current.
func (s *Sink) Commit(_ context.Context, _ sink.Value) error { return nil }
