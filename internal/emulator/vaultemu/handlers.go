package vaultemu

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/axero-cli/axero/internal/emulator/sinkemu"
)

// requestIDs stand in for Vault's request ids.
const requestID = "00000000-0000-0000-0000-000000000000"

// envelope is Vault's response wrapper.
func envelope(data any) map[string]any {
	return map[string]any{
		"request_id": requestID, "lease_id": "", "renewable": false, "lease_duration": 0,
		"data": data, "wrap_info": nil, "warnings": nil, "auth": nil,
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/v1/")
	if !ok {
		writeError(w, http.StatusNotFound, "")
		return
	}
	path, err := url.PathUnescape(rest)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid path")
		return
	}
	tok, ok := s.authenticate(r)
	if !ok {
		writeError(w, http.StatusForbidden, "permission denied")
		return
	}
	switch {
	case path == "sys/capabilities-self":
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			writeError(w, http.StatusMethodNotAllowed, "unsupported operation")
			return
		}
		s.capabilitiesSelf(w, r, tok)
	case strings.HasPrefix(path, "sys/internal/ui/mounts/"):
		s.mountInfo(w, r, tok, strings.TrimPrefix(path, "sys/internal/ui/mounts/"))
	default:
		s.kv(w, r, tok, path)
	}
}

// authenticate finds the token of X-Vault-Token (or a bearer token) in
// the namespace of X-Vault-Namespace.
func (s *Server) authenticate(r *http.Request) (token, bool) {
	v := r.Header.Get("X-Vault-Token")
	if v == "" {
		v = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[v]
	if !ok || v == "" || t.namespace != cleanNS(r.Header.Get("X-Vault-Namespace")) {
		return token{}, false
	}
	return t, true
}

func (s *Server) capabilitiesSelf(w http.ResponseWriter, r *http.Request, tok token) {
	raw, err := sinkemu.ReadBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "failed to parse JSON input")
		return
	}
	var body struct {
		Paths []string `json:"paths"`
		Path  string   `json:"path"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		writeError(w, http.StatusBadRequest, "failed to parse JSON input: "+err.Error())
		return
	}
	paths := body.Paths
	if body.Path != "" {
		paths = append(paths, body.Path)
	}
	if len(paths) == 0 {
		writeError(w, http.StatusBadRequest, "missing paths")
		return
	}
	out := map[string]any{}
	for _, p := range paths {
		out[p] = tok.policy.capabilities(strings.Trim(p, "/"))
	}
	if len(paths) == 1 {
		out["capabilities"] = out[paths[0]]
	}
	// Vault sends the answer both at the top level and under "data".
	resp := envelope(out)
	for k, v := range out {
		resp[k] = v
	}
	sinkemu.WriteJSON(w, http.StatusOK, resp)
}

func (s *Server) mountInfo(w http.ResponseWriter, r *http.Request, tok token, path string) {
	name, _, _ := strings.Cut(path, "/")
	s.mu.Lock()
	m := s.mountLocked(tok.namespace, name)
	s.mu.Unlock()
	if m == nil {
		writeError(w, http.StatusBadRequest, "no mount found for path \""+path+"\"")
		return
	}
	if caps := tok.policy.capabilities(path); len(caps) == 1 && caps[0] == "deny" && !anyUnder(tok.policy, name+"/") {
		writeError(w, http.StatusForbidden, `preflight capability check returned 403, please ensure client's policies grant access to path "`+name+`/"`)
		return
	}
	sinkemu.WriteJSON(w, http.StatusOK, envelope(map[string]any{
		"path": name + "/", "type": "kv", "options": map[string]string{"version": strconv.Itoa(m.kvVersion)},
	}))
}

// anyUnder reports a policy that grants something under prefix.
func anyUnder(p Policy, prefix string) bool {
	for pattern, caps := range p {
		if strings.HasPrefix(pattern, prefix) || pattern == "*" {
			if c := normalise(caps); len(c) != 1 || c[0] != "deny" {
				return true
			}
		}
	}
	return false
}

// kv serves /:mount/data/:path and /:mount/metadata/:path.
func (s *Server) kv(w http.ResponseWriter, r *http.Request, tok token, path string) {
	mountName, rest, _ := strings.Cut(path, "/")
	kind, key, _ := strings.Cut(rest, "/")
	var need string
	switch r.Method {
	case http.MethodGet:
		need = "read"
	case http.MethodDelete:
		need = "delete"
	case http.MethodPost, http.MethodPut:
		need = "" // create or update: decided below, by existence
	default:
		writeError(w, http.StatusMethodNotAllowed, "unsupported operation")
		return
	}
	caps := tok.policy.capabilities(path)
	if need != "" && !allows(caps, need) {
		writeError(w, http.StatusForbidden, "permission denied")
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.mountLocked(tok.namespace, mountName)
	if m == nil || m.kvVersion != 2 || key == "" || (kind != "data" && kind != "metadata") {
		writeError(w, http.StatusNotFound, "no handler for route \""+path+"\". route entry not found.")
		return
	}
	e := m.entries[key]
	switch {
	case kind == "metadata" && r.Method == http.MethodGet:
		s.readMetadata(w, e)
	case kind == "data" && r.Method == http.MethodGet:
		s.readData(w, e)
	case kind == "data" && r.Method == http.MethodDelete:
		if e != nil && e.current() > 0 {
			e.versions[e.current()-1].deleted = s.Now().UTC()
		}
		w.WriteHeader(http.StatusNoContent)
	case kind == "data":
		need = "create"
		if e != nil && e.current() > 0 {
			need = "update"
		}
		if !allows(caps, need) || s.refused[path] {
			writeError(w, http.StatusForbidden, "permission denied")
			return
		}
		s.writeData(w, r, m, key)
	default:
		writeError(w, http.StatusMethodNotAllowed, "unsupported operation")
	}
}

func versionMetadata(v version, n int) map[string]any {
	deletion := ""
	if !v.deleted.IsZero() {
		deletion = v.deleted.Format(time.RFC3339Nano)
	}
	return map[string]any{
		"created_time": v.created.Format(time.RFC3339Nano), "custom_metadata": nil,
		"deletion_time": deletion, "destroyed": false, "version": n,
	}
}

// readData answers the latest version. A deleted latest version answers
// 404 with its metadata, as Vault does, so that a client can still learn
// the version a check-and-set must name.
func (s *Server) readData(w http.ResponseWriter, e *entry) {
	if e == nil || e.current() == 0 {
		writeError(w, http.StatusNotFound, "")
		return
	}
	v := e.versions[e.current()-1]
	if !v.deleted.IsZero() {
		sinkemu.WriteJSON(w, http.StatusNotFound, envelope(map[string]any{"data": nil, "metadata": versionMetadata(v, e.current())}))
		return
	}
	sinkemu.WriteJSON(w, http.StatusOK, envelope(map[string]any{"data": v.data, "metadata": versionMetadata(v, e.current())}))
}

func (s *Server) readMetadata(w http.ResponseWriter, e *entry) {
	if e == nil || e.current() == 0 {
		writeError(w, http.StatusNotFound, "")
		return
	}
	versions := map[string]any{}
	for i, v := range e.versions {
		versions[strconv.Itoa(i+1)] = versionMetadata(v, i+1)
	}
	sinkemu.WriteJSON(w, http.StatusOK, envelope(map[string]any{
		"current_version": e.current(), "oldest_version": 1, "max_versions": 0, "cas_required": false,
		"created_time": e.versions[0].created.Format(time.RFC3339Nano),
		"updated_time": e.versions[e.current()-1].created.Format(time.RFC3339Nano),
		"versions":     versions,
	}))
}

func (s *Server) writeData(w http.ResponseWriter, r *http.Request, m *mount, key string) {
	raw, err := sinkemu.ReadBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "failed to parse JSON input")
		return
	}
	var body struct {
		Data    map[string]json.RawMessage `json:"data"`
		Options struct {
			CAS *int `json:"cas"`
		} `json:"options"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		writeError(w, http.StatusBadRequest, "failed to parse JSON input: "+err.Error())
		return
	}
	if body.Data == nil {
		writeError(w, http.StatusBadRequest, "no data provided")
		return
	}
	if s.racing > 0 {
		s.racing--
		prev := map[string]json.RawMessage{}
		if e := m.entries[key]; e != nil && e.current() > 0 {
			for k, v := range e.versions[e.current()-1].data {
				prev[k] = v
			}
		}
		prev["other_writer"] = json.RawMessage(strconv.Quote("changed at version " + strconv.Itoa(len(prev))))
		s.appendLocked(m, key, prev)
	}
	current := 0
	if e := m.entries[key]; e != nil {
		current = e.current()
	}
	switch {
	case body.Options.CAS == nil && m.casRequired:
		writeError(w, http.StatusBadRequest, "check-and-set parameter required for this call")
		return
	case body.Options.CAS != nil && *body.Options.CAS != current:
		writeError(w, http.StatusBadRequest, "check-and-set parameter did not match the current version")
		return
	}
	n := current + 1
	v := version{data: body.Data, created: s.Now().UTC()}
	if !s.Faults().LoseWrites {
		n = s.appendLocked(m, key, body.Data)
	}
	sinkemu.WriteJSON(w, http.StatusOK, envelope(versionMetadata(v, n)))
}
