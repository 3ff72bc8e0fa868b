package emulator

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ServeHTTP answers one API request: faults and the site model first, then
// routing (404 for an unknown path, 405 for a known path with the wrong
// method), then authentication, permission and validation, in that order.
// The emulator's own endpoints (control.go) are answered apart.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		s.serveControl(w, r)
		return
	}
	inflight := s.gauge.enter()
	defer s.gauge.leave()
	s.counts.requests.Add(1)

	s.mu.Lock()
	s.requests[r.Method+" "+r.URL.Path]++
	if skew := s.faults.ClockSkew; skew != 0 {
		w.Header().Set("Date", time.Now().Add(skew).UTC().Format(http.TimeFormat))
	}
	if s.siteURL == "" && r.Host != "" {
		// Served by someone else's listener (httptest): the first request
		// says where the site is.
		s.siteURL = "http://" + r.Host
	}
	s.mu.Unlock()

	handled, release := s.injectFaults(w, r, inflight)
	defer release()
	if handled {
		return
	}
	h, allowed := s.route(r.URL.Path, r.Method)
	if h == nil && allowed == "" {
		writeError(w, errorf(http.StatusNotFound, CodeNotFound, "no API endpoint at %s", r.URL.Path))
		return
	}
	if h == nil {
		w.Header().Set("Allow", allowed)
		writeError(w, errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allowed))
		return
	}
	if bare, empty, truncate := s.responseFaults(); bare || empty || truncate {
		serveWithResponseFaults(w, r, h, bare, empty, truncate)
		return
	}
	h(w, r)
}

// route finds the handler for a path and method. When the path exists but
// the method does not, it returns nil and the allowed methods.
func (s *Server) route(path, method string) (http.HandlerFunc, string) {
	path = strings.TrimSuffix(path, "/")
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) < 2 || parts[0] != "api" {
		return nil, ""
	}
	parts = parts[1:]
	type methods map[string]http.HandlerFunc
	var m methods
	switch {
	case len(parts) == 2 && parts[0] == "users" && parts[1] == "me":
		m = methods{http.MethodGet: s.handleMe}
	case len(parts) == 1 && parts[0] == "users":
		m = methods{http.MethodGet: s.handleFindUsers}
	case len(parts) == 2 && parts[0] == "users":
		id, ok := parseID(parts[1])
		if !ok {
			return nil, ""
		}
		m = methods{http.MethodGet: func(w http.ResponseWriter, r *http.Request) { s.handleGetUser(w, r, id) }}
	case len(parts) == 3 && parts[0] == "users" && parts[2] == "bearertokens":
		id, ok := parseID(parts[1])
		if !ok {
			return nil, ""
		}
		m = methods{
			http.MethodGet:  func(w http.ResponseWriter, r *http.Request) { s.handleListUserTokens(w, r, id) },
			http.MethodPost: func(w http.ResponseWriter, r *http.Request) { s.handleCreateForUser(w, r, id) },
		}
	case len(parts) == 2 && parts[0] == "bearertokens" && parts[1] == "policy":
		m = methods{http.MethodGet: s.handlePolicy}
	case len(parts) == 1 && parts[0] == "bearertokens":
		m = methods{http.MethodGet: s.handleListTokens, http.MethodPost: s.handleCreate}
	case len(parts) == 2 && parts[0] == "bearertokens":
		id, ok := parseID(parts[1])
		if !ok {
			return nil, ""
		}
		m = methods{
			http.MethodGet:    func(w http.ResponseWriter, r *http.Request) { s.handleGetToken(w, r, id) },
			http.MethodPut:    func(w http.ResponseWriter, r *http.Request) { s.handleRenameToken(w, r, id) },
			http.MethodDelete: func(w http.ResponseWriter, r *http.Request) { s.handleRevokeToken(w, r, id) },
		}
	default:
		return nil, ""
	}
	if h, ok := m[method]; ok {
		return h, ""
	}
	if method == http.MethodHead {
		if h, ok := m[http.MethodGet]; ok {
			return h, ""
		}
	}
	var allowed []string
	for _, verb := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if _, ok := m[verb]; ok {
			allowed = append(allowed, verb)
		}
	}
	return nil, strings.Join(allowed, ", ")
}

// parseID reads a positive decimal ID from a path segment.
func parseID(s string) (int64, bool) {
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
