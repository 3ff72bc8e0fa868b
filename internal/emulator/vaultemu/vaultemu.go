// Package vaultemu emulates the part of HashiCorp Vault's HTTP API that a
// token is delivered through, written from Vault's references "KV secrets
// engine - version 2 (API)"
// (https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2) and
// "/sys/capabilities-self"
// (https://developer.hashicorp.com/vault/api-docs/system/capabilities-self):
//
//	GET           /v1/:mount/data/:path      the latest version: data and metadata; 404 when absent or deleted
//	POST|PUT      /v1/:mount/data/:path      a new version; options.cas must equal the current version (0: create only)
//	DELETE        /v1/:mount/data/:path      soft-deletes the latest version
//	GET           /v1/:mount/metadata/:path  current_version and the versions
//	POST|PUT      /v1/sys/capabilities-self  {"paths": [...]}: the token's capabilities on each
//	GET           /v1/sys/internal/ui/mounts/:path  the mount's type and KV version, as the vault CLI asks
//
// Tokens come in X-Vault-Token and carry a policy (path patterns with
// capabilities, Vault's rules: an exact path beats the longest glob
// prefix, deny beats everything); namespaces come in X-Vault-Namespace and
// hold mounts of their own. Errors have Vault's shape, {"errors": [...]},
// with its wording: 403 "permission denied", 400 "check-and-set parameter
// did not match the current version".
package vaultemu

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/axero-cli/axero/internal/emulator/sinkemu"
)

// Policy maps path patterns to capabilities ("create", "read", "update",
// "delete", "list", "deny", "root"). A pattern ending in '*' matches every
// path with that prefix.
type Policy map[string][]string

// RootPolicy may do anything, like a root token.
var RootPolicy = Policy{"*": {"root"}}

type version struct {
	data    map[string]json.RawMessage
	created time.Time
	deleted time.Time
}

type entry struct {
	versions []version // versions[i] is version i+1
}

func (e *entry) current() int { return len(e.versions) }

type mount struct {
	kvVersion   int
	casRequired bool
	entries     map[string]*entry
}

type namespace struct {
	mounts map[string]*mount
}

type token struct {
	namespace string
	policy    Policy
}

// Server is the emulator.
type Server struct {
	*sinkemu.Server

	mu         sync.Mutex
	namespaces map[string]*namespace
	tokens     map[string]token
	racing     int
	// refused are the data paths (MOUNT/data/PATH) whose writes are
	// refused whatever the token's policy says (RefuseWrites).
	refused map[string]bool
}

// Start serves a new emulator on loopback with the root namespace and a
// KV version 2 mount at "secret", as a dev server has.
func Start(o sinkemu.Options) (*Server, error) {
	s := &Server{namespaces: map[string]*namespace{"": {mounts: map[string]*mount{}}}, tokens: map[string]token{}}
	srv, err := sinkemu.Start(http.HandlerFunc(s.serve), writeError, o)
	if err != nil {
		return nil, err
	}
	s.Server = srv
	s.AddMount("", "secret", 2)
	return s, nil
}

// AddNamespace creates a namespace (Vault Enterprise) with a KV version 2
// mount at "secret".
func (s *Server) AddNamespace(ns string) {
	s.mu.Lock()
	s.namespaces[cleanNS(ns)] = &namespace{mounts: map[string]*mount{}}
	s.mu.Unlock()
	s.AddMount(ns, "secret", 2)
}

// AddMount enables a KV mount of the given version (1 or 2) in ns.
func (s *Server) AddMount(ns, name string, kvVersion int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.namespaces[cleanNS(ns)]; n != nil {
		n.mounts[name] = &mount{kvVersion: kvVersion, entries: map[string]*entry{}}
	}
}

// RequireCAS makes every write to the mount carry options.cas, as the
// mount setting cas_required does.
func (s *Server) RequireCAS(ns, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.mountLocked(ns, name); m != nil {
		m.casRequired = true
	}
}

// AddToken lets tok in to namespace ns with policy.
func (s *Server) AddToken(tok, ns string, policy Policy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = token{namespace: cleanNS(ns), policy: policy}
}

// RaceWrites makes another writer add a version (a field "other_writer"
// changed) just before each of the next n writes, so that their
// check-and-set fails.
func (s *Server) RaceWrites(n int) {
	s.mu.Lock()
	s.racing = n
	s.mu.Unlock()
}

// RefuseWrites makes every write to the entries at paths (MOUNT/PATH, as a
// sink names them) answer 403 permission denied, whatever the token's
// policy says, as a Sentinel policy of Vault Enterprise does: those are
// not reported by sys/capabilities-self, so a check passes and the write
// fails. No paths clears the refusals.
func (s *Server) RefuseWrites(paths ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused = map[string]bool{}
	for _, p := range paths {
		mount, rest, _ := strings.Cut(p, "/")
		s.refused[mount+"/data/"+rest] = true
	}
}

// Write stores data as a new version directly, as another client would.
func (s *Server) Write(ns, mountName, path string, data map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.mountLocked(ns, mountName)
	if m == nil {
		return
	}
	raw := map[string]json.RawMessage{}
	for k, v := range data {
		b, _ := json.Marshal(v)
		raw[k] = b
	}
	s.appendLocked(m, path, raw)
}

// Read returns the latest live version of an entry: its string fields
// and its version number.
func (s *Server) Read(ns, mountName, path string) (map[string]string, int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.mountLocked(ns, mountName)
	if m == nil {
		return nil, 0, false
	}
	e := m.entries[path]
	if e == nil || e.current() == 0 || !e.versions[e.current()-1].deleted.IsZero() {
		return nil, 0, false
	}
	out := map[string]string{}
	for k, v := range e.versions[e.current()-1].data {
		var str string
		if json.Unmarshal(v, &str) == nil {
			out[k] = str
		} else {
			out[k] = string(v)
		}
	}
	return out, e.current(), true
}

// DeleteLatest soft-deletes the latest version of an entry.
func (s *Server) DeleteLatest(ns, mountName, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.mountLocked(ns, mountName); m != nil {
		if e := m.entries[path]; e != nil && e.current() > 0 {
			e.versions[e.current()-1].deleted = s.Now().UTC()
		}
	}
}

func (s *Server) mountLocked(ns, name string) *mount {
	n := s.namespaces[cleanNS(ns)]
	if n == nil {
		return nil
	}
	return n.mounts[name]
}

func (s *Server) appendLocked(m *mount, path string, data map[string]json.RawMessage) int {
	e := m.entries[path]
	if e == nil {
		e = &entry{}
		m.entries[path] = e
	}
	e.versions = append(e.versions, version{data: data, created: s.Now().UTC()})
	return e.current()
}

func cleanNS(ns string) string { return strings.Trim(ns, "/") }

// writeError writes Vault's error body.
func writeError(w http.ResponseWriter, status int, message string) {
	if message == "" {
		switch status {
		case http.StatusForbidden:
			message = "permission denied"
		case http.StatusServiceUnavailable:
			message = "Vault is sealed"
		case http.StatusTooManyRequests:
			message = "request path \"secret/data\": rate limit quota exceeded"
		case http.StatusNotFound:
			message = ""
		default:
			message = "internal error"
		}
	}
	errs := []string{}
	if message != "" {
		errs = append(errs, message)
	}
	sinkemu.WriteJSON(w, status, map[string]any{"errors": errs})
}

// capabilities are what policy grants on path, by Vault's priority rules.
func (p Policy) capabilities(path string) []string {
	if caps, ok := p[path]; ok && !strings.HasSuffix(path, "*") {
		return normalise(caps)
	}
	var best string
	found := false
	for pattern := range p {
		prefix, glob := strings.CutSuffix(pattern, "*")
		if glob && strings.HasPrefix(path, prefix) && (!found || len(prefix) > len(strings.TrimSuffix(best, "*"))) {
			best, found = pattern, true
		}
	}
	if !found {
		return []string{"deny"}
	}
	return normalise(p[best])
}

func normalise(caps []string) []string {
	if slices.Contains(caps, "deny") {
		return []string{"deny"}
	}
	if len(caps) == 0 {
		return []string{"deny"}
	}
	out := append([]string(nil), caps...)
	sort.Strings(out)
	return out
}

func allows(caps []string, want string) bool {
	return slices.Contains(caps, "root") || slices.Contains(caps, want)
}
