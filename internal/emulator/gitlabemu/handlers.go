package gitlabemu

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/axero-cli/axero/internal/emulator/sinkemu"
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v4/")
	if !ok {
		writeError(w, http.StatusNotFound, "404 Not Found")
		return
	}
	u, ok := s.authenticate(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, "")
		return
	}
	// Segments stay escaped until split: a path id such as
	// "group%2Fapp" is one segment, an unescaped "group/app" two.
	raw := strings.Split(strings.Trim(rest, "/"), "/")
	seg := make([]string, len(raw))
	for i, x := range raw {
		v, err := url.PathUnescape(x)
		if err != nil {
			writeError(w, http.StatusBadRequest, "400 Bad request")
			return
		}
		seg[i] = v
	}
	if len(seg) == 1 && seg[0] == "user" && r.Method == http.MethodGet {
		body := map[string]any{"id": u.id, "username": u.username, "name": u.username, "state": "active"}
		if u.admin {
			body["is_admin"] = true
		}
		sinkemu.WriteJSON(w, http.StatusOK, body)
		return
	}
	if len(seg) < 2 || (seg[0] != "projects" && seg[0] != "groups") {
		writeError(w, http.StatusNotFound, "404 Not Found")
		return
	}
	kind := seg[0]
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.findLocked(kind, seg[1])
	access, varsAdmin, isMember := 0, false, false
	if h != nil {
		access, varsAdmin, isMember = s.accessLocked(h, u.id)
	}
	// Every project and group here is private: to anyone but a member
	// or an administrator it does not exist.
	if h == nil || (!isMember && !u.admin) {
		writeError(w, http.StatusNotFound, "404 "+notFoundName(kind)+" Not Found")
		return
	}
	switch {
	case len(seg) == 2 && r.Method == http.MethodGet:
		sinkemu.WriteJSON(w, http.StatusOK, map[string]any{"id": h.id, "path_with_namespace": h.path, "full_path": h.path, "name": h.path[strings.LastIndex(h.path, "/")+1:]})
	case len(seg) == 5 && seg[2] == "members" && seg[3] == "all" && r.Method == http.MethodGet:
		s.member(w, h, seg[4])
	case len(seg) >= 3 && seg[2] == "variables":
		need := Maintainer
		if kind == "groups" {
			need = Owner
		}
		if !u.admin && !varsAdmin && access < need {
			writeError(w, http.StatusForbidden, "")
			return
		}
		s.variables(w, r, h, seg[3:])
	default:
		writeError(w, http.StatusNotFound, "404 Not Found")
	}
}

func notFoundName(kind string) string {
	if kind == "groups" {
		return "Group"
	}
	return "Project"
}

// authenticate finds the user of PRIVATE-TOKEN or a bearer token.
func (s *Server) authenticate(r *http.Request) (*user, bool) {
	tok := r.Header.Get("PRIVATE-TOKEN")
	if tok == "" {
		tok = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[tok]
	return u, ok && tok != ""
}

func (s *Server) member(w http.ResponseWriter, h *holder, ref string) {
	uid, err := strconv.Atoi(ref)
	if err != nil {
		writeError(w, http.StatusBadRequest, "400 Bad request - user_id is invalid")
		return
	}
	access, varsAdmin, ok := s.accessLocked(h, uid)
	if !ok {
		writeError(w, http.StatusNotFound, "404 Not found")
		return
	}
	body := map[string]any{"id": uid, "state": "active", "access_level": access}
	if varsAdmin {
		body["member_role"] = map[string]any{"id": 1, "name": "Variables admin", "base_access_level": access, "admin_cicd_variables": true}
	}
	sinkemu.WriteJSON(w, http.StatusOK, body)
}

// params reads a request's parameters: JSON with Content-Type
// application/json, a form otherwise; the query string too.
func params(r *http.Request) (map[string]string, bool) {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		out[k] = v[0]
	}
	raw, err := sinkemu.ReadBody(r)
	if err != nil {
		return nil, false
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var body map[string]any
		if len(raw) > 0 {
			if json.Unmarshal(raw, &body) != nil {
				return nil, false
			}
		}
		for k, v := range body {
			switch t := v.(type) {
			case string:
				out[k] = t
			case bool:
				out[k] = strconv.FormatBool(t)
			case nil:
			default:
				b, _ := json.Marshal(t)
				out[k] = string(b)
			}
		}
		return out, true
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, false
	}
	for k, v := range form {
		out[k] = v[0]
	}
	return out, true
}

func flag(p map[string]string, name string) (bool, bool) {
	v, ok := p[name]
	return v == "true" || v == "1", ok
}

func (s *Server) variables(w http.ResponseWriter, r *http.Request, h *holder, rest []string) {
	p, ok := params(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "400 Bad request - the request body is not valid")
		return
	}
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		list := []map[string]any{}
		for _, v := range h.vars {
			list = append(list, v.json())
		}
		sinkemu.WriteJSON(w, http.StatusOK, list)
	case len(rest) == 0 && r.Method == http.MethodPost:
		s.create(w, h, p)
	case len(rest) == 1:
		matches := []*Variable{}
		scope, filtered := p["filter[environment_scope]"]
		for _, v := range h.vars {
			if v.Key == rest[0] && (!filtered || v.EnvironmentScope == scope) {
				matches = append(matches, v)
			}
		}
		switch {
		case len(matches) == 0:
			writeError(w, http.StatusNotFound, "404 Variable Not Found")
			return
		case len(matches) > 1:
			writeError(w, http.StatusConflict, "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'")
			return
		}
		v := matches[0]
		switch r.Method {
		case http.MethodGet:
			sinkemu.WriteJSON(w, http.StatusOK, v.json())
		case http.MethodPut:
			s.update(w, h, v, p)
		case http.MethodDelete:
			s.remove(h, v)
			w.WriteHeader(http.StatusNoContent)
		default:
			writeError(w, http.StatusMethodNotAllowed, "405 Method Not Allowed")
		}
	default:
		writeError(w, http.StatusNotFound, "404 Not Found")
	}
}

func (s *Server) remove(h *holder, v *Variable) {
	for i, x := range h.vars {
		if x == v {
			h.vars = append(h.vars[:i], h.vars[i+1:]...)
			return
		}
	}
}

// validValue applies the masking rule to a masked variable's value.
func validValue(v *Variable) bool {
	if !v.Masked {
		return true
	}
	if v.Raw {
		return maskableRaw.MatchString(v.Value)
	}
	return maskable.MatchString(v.Value)
}

func (s *Server) create(w http.ResponseWriter, h *holder, p map[string]string) {
	key, ok := p["key"]
	if !ok {
		sinkemu.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "key is missing"})
		return
	}
	value, ok := p["value"]
	if !ok {
		sinkemu.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "value is missing"})
		return
	}
	v := &Variable{Key: key, Value: value, VariableType: "env_var", EnvironmentScope: "*"}
	if t, ok := p["variable_type"]; ok {
		v.VariableType = t
	}
	if sc, ok := p["environment_scope"]; ok && sc != "" {
		v.EnvironmentScope = sc
	}
	v.Protected, _ = flag(p, "protected")
	v.Masked, _ = flag(p, "masked")
	v.Raw, _ = flag(p, "raw")
	if hidden, _ := flag(p, "masked_and_hidden"); hidden {
		v.Masked, v.Hidden = true, true
	}
	switch {
	case len(key) > 255 || !keyPattern.MatchString(key):
		writeFieldErrors(w, "key", "can contain only letters, digits and '_'.")
		return
	case !validValue(v):
		writeFieldErrors(w, "value", "is invalid")
		return
	}
	for _, x := range h.vars {
		if x.Key == key && x.EnvironmentScope == v.EnvironmentScope {
			writeFieldErrors(w, "key", "("+key+") has already been taken")
			return
		}
	}
	if !s.Faults().LoseWrites {
		h.vars = append(h.vars, v)
	}
	sinkemu.WriteJSON(w, http.StatusCreated, v.json())
}

func (s *Server) update(w http.ResponseWriter, h *holder, v *Variable, p map[string]string) {
	next := *v
	if value, ok := p["value"]; ok {
		next.Value = value
	}
	if sc, ok := p["environment_scope"]; ok && sc != "" {
		next.EnvironmentScope = sc
	}
	if b, ok := flag(p, "protected"); ok {
		next.Protected = b
	}
	if b, ok := flag(p, "raw"); ok {
		next.Raw = b
	}
	if b, ok := flag(p, "masked"); ok {
		if v.Hidden && !b {
			writeFieldErrors(w, "masked", "can not be unset for a hidden variable")
			return
		}
		next.Masked = b
	}
	if !validValue(&next) {
		writeFieldErrors(w, "value", "is invalid")
		return
	}
	if !s.Faults().LoseWrites {
		*v = next
	}
	sinkemu.WriteJSON(w, http.StatusOK, next.json())
}
