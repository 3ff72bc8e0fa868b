// Package gitlabemu emulates the part of the GitLab REST API (v4) that
// stores CI/CD variables, written from GitLab's references
// "Project-level CI/CD variables API"
// (https://docs.gitlab.com/api/project_level_variables/), "Group-level
// CI/CD variables API" (https://docs.gitlab.com/api/group_level_variables/)
// and "Group and project members API" (https://docs.gitlab.com/api/members/):
//
//	GET  /api/v4/user
//	GET  /api/v4/projects/:id                      :id a numeric ID or the URL-encoded path
//	GET  /api/v4/projects/:id/members/all/:user_id inherited members included
//	GET  /api/v4/projects/:id/variables
//	POST /api/v4/projects/:id/variables            201; masked_and_hidden only here
//	GET|PUT|DELETE /api/v4/projects/:id/variables/:key   filter[environment_scope]
//	... and the same under /api/v4/groups/:id
//
// Credentials come in PRIVATE-TOKEN (or Authorization: Bearer). Writing
// variables takes the Maintainer role in a project and Owner in a group
// (or a custom role with admin_cicd_variables, or an administrator).
// Parameters are read as JSON only with Content-Type application/json,
// otherwise as a form, as GitLab's API framework does. A masked value must
// match GitLab's masking rule (Ci::Maskable: at least 8 characters of the
// Base64 alphabet plus @ : . ~ - _, or any non-space characters for a raw
// variable). A hidden variable's value is answered as null. Errors have
// GitLab's shapes: {"message": "404 Project Not Found"},
// {"message": {"value": ["is invalid"]}}, {"error": "value is missing"}.
package gitlabemu

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/axero-cli/axero/internal/emulator/sinkemu"
)

// Access levels of the members API.
const (
	Guest      = 10
	Reporter   = 20
	Developer  = 30
	Maintainer = 40
	Owner      = 50
)

var (
	// maskable is GitLab's rule for a masked variable's value.
	maskable = regexp.MustCompile(`\A[a-zA-Z0-9_+=/@:.~-]{8,}\z`)
	// maskableRaw is the rule for a masked variable that is not expanded.
	maskableRaw = regexp.MustCompile(`\A\S{8,}\z`)
	// keyPattern is GitLab's rule for a variable's key.
	keyPattern = regexp.MustCompile(`\A[a-zA-Z0-9_]+\z`)
)

// Variable is a CI/CD variable.
type Variable struct {
	Key              string
	Value            string
	VariableType     string
	Protected        bool
	Masked           bool
	Hidden           bool
	Raw              bool
	EnvironmentScope string
}

func (v *Variable) json() map[string]any {
	out := map[string]any{
		"variable_type": v.VariableType, "key": v.Key, "value": v.Value,
		"protected": v.Protected, "masked": v.Masked, "hidden": v.Hidden, "raw": v.Raw,
		"environment_scope": v.EnvironmentScope, "description": nil,
	}
	if v.Hidden {
		out["value"] = nil
	}
	return out
}

type member struct {
	access         int
	adminVariables bool // a custom role with admin_cicd_variables
}

// holder is a project or a group.
type holder struct {
	kind    string // "projects" or "groups"
	id      int
	path    string
	members map[int]member
	vars    []*Variable
}

type user struct {
	id       int
	username string
	admin    bool
}

// Server is the emulator.
type Server struct {
	*sinkemu.Server

	mu      sync.Mutex
	users   map[string]*user // by token
	holders []*holder
	nextUID int
}

// Start serves a new emulator on loopback.
func Start(o sinkemu.Options) (*Server, error) {
	s := &Server{users: map[string]*user{}, nextUID: 100}
	srv, err := sinkemu.Start(http.HandlerFunc(s.serve), writeError, o)
	if err != nil {
		return nil, err
	}
	s.Server = srv
	return s, nil
}

// APIURL is what CI_API_V4_URL is set to for this emulator.
func (s *Server) APIURL() string { return s.URL() + "/api/v4" }

// AddUser lets token in as a new user and returns the user's id.
func (s *Server) AddUser(token, username string, admin bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUID++
	s.users[token] = &user{id: s.nextUID, username: username, admin: admin}
	return s.nextUID
}

// AddProject and AddGroup create a project or a group with its numeric id
// and full path.
func (s *Server) AddProject(id int, path string) { s.add("projects", id, path) }
func (s *Server) AddGroup(id int, path string)   { s.add("groups", id, path) }

func (s *Server) add(kind string, id int, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holders = append(s.holders, &holder{kind: kind, id: id, path: path, members: map[int]member{}})
}

// AddMember gives a user a role in the project or group at path.
func (s *Server) AddMember(kind, path string, userID, access int) {
	s.addMember(kind, path, userID, member{access: access})
}

// AddVariablesAdmin gives a user a custom role of base access that may
// manage CI/CD variables (admin_cicd_variables).
func (s *Server) AddVariablesAdmin(kind, path string, userID, access int) {
	s.addMember(kind, path, userID, member{access: access, adminVariables: true})
}

func (s *Server) addMember(kind, path string, userID int, m member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.findLocked(kind, path); h != nil {
		h.members[userID] = m
	}
}

// Variable returns the variable of key and scope ("" means "*").
func (s *Server) Variable(kind, path, key, scope string) (Variable, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.findLocked(kind, path)
	if h == nil {
		return Variable{}, false
	}
	if scope == "" {
		scope = "*"
	}
	for _, v := range h.vars {
		if v.Key == key && v.EnvironmentScope == scope {
			return *v, true
		}
	}
	return Variable{}, false
}

// SetVariable stores a variable directly.
func (s *Server) SetVariable(kind, path string, v Variable) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.findLocked(kind, path)
	if h == nil {
		return
	}
	if v.EnvironmentScope == "" {
		v.EnvironmentScope = "*"
	}
	if v.VariableType == "" {
		v.VariableType = "env_var"
	}
	for i, old := range h.vars {
		if old.Key == v.Key && old.EnvironmentScope == v.EnvironmentScope {
			h.vars[i] = &v
			return
		}
	}
	h.vars = append(h.vars, &v)
}

// findLocked finds a project or group by numeric id or full path
// (case-insensitive, as GitLab's routes are).
func (s *Server) findLocked(kind, ref string) *holder {
	id, err := strconv.Atoi(ref)
	for _, h := range s.holders {
		if h.kind != kind {
			continue
		}
		if (err == nil && h.id == id) || strings.EqualFold(h.path, ref) {
			return h
		}
	}
	return nil
}

// accessLocked is the user's role in h, inherited from the groups above
// it included, and whether a custom role lets them manage variables.
func (s *Server) accessLocked(h *holder, uid int) (int, bool, bool) {
	best, admin, found := 0, false, false
	for _, g := range s.holders {
		if g == h || (g.kind == "groups" && strings.HasPrefix(strings.ToLower(h.path)+"/", strings.ToLower(g.path)+"/")) {
			if m, ok := g.members[uid]; ok {
				found = true
				best = max(best, m.access)
				admin = admin || m.adminVariables
			}
		}
	}
	return best, admin, found
}

// writeError writes GitLab's error body.
func writeError(w http.ResponseWriter, status int, message string) {
	if message == "" {
		switch status {
		case http.StatusUnauthorized:
			message = "401 Unauthorized"
		case http.StatusForbidden:
			message = "403 Forbidden"
		case http.StatusNotFound:
			message = "404 Not found"
		case http.StatusTooManyRequests:
			message = "Retry later"
		case http.StatusServiceUnavailable:
			message = "503 Service Unavailable"
		default:
			message = "500 Internal Server Error"
		}
	}
	sinkemu.WriteJSON(w, status, map[string]any{"message": message})
}

// writeFieldErrors writes a validation failure: {"message": {field: [...]}}.
func writeFieldErrors(w http.ResponseWriter, field string, msgs ...string) {
	sinkemu.WriteJSON(w, http.StatusBadRequest, map[string]any{"message": map[string][]string{field: msgs}})
}
