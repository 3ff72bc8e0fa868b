package githubemu

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/nacl/box"

	"github.com/axero-cli/axero/internal/emulator/sinkemu"
)

// secretNamePattern is GitHub's rule for secret names: letters, digits
// and underscores, not starting with a digit.
var secretNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// route is a request taken apart.
type route struct {
	target Target
	name   string // the secret's name; "" for the scope itself
	suffix string // "public-key", "repositories", "repo" or ""
}

// parseRoute reads the path (each segment unescaped) into a route, or
// reports that no endpoint has that path.
func (s *Server) parseRoute(r *http.Request) (route, bool) {
	p := r.URL.EscapedPath()
	if s.opts.PathPrefix != "" {
		if !strings.HasPrefix(p, s.opts.PathPrefix+"/") {
			return route{}, false
		}
		p = strings.TrimPrefix(p, s.opts.PathPrefix)
	}
	raw := strings.Split(strings.Trim(p, "/"), "/")
	seg := make([]string, len(raw))
	for i, x := range raw {
		v, err := url.PathUnescape(x)
		if err != nil {
			return route{}, false
		}
		seg[i] = v
	}
	switch {
	case len(seg) == 3 && seg[0] == "repos":
		return route{target: Repo(seg[1], seg[2]), suffix: "repo"}, true
	case len(seg) == 6 && seg[0] == "repos" && seg[3] == "actions" && seg[4] == "secrets":
		return secretRoute(Repo(seg[1], seg[2]), seg[5]), true
	case len(seg) == 7 && seg[0] == "repos" && seg[3] == "environments" && seg[5] == "secrets":
		return secretRoute(Env(seg[1], seg[2], seg[4]), seg[6]), true
	case len(seg) == 5 && seg[0] == "orgs" && seg[2] == "actions" && seg[3] == "secrets":
		return secretRoute(Org(seg[1]), seg[4]), true
	case len(seg) == 6 && seg[0] == "orgs" && seg[2] == "actions" && seg[3] == "secrets" && seg[5] == "repositories":
		return route{target: Org(seg[1]), name: seg[4], suffix: "repositories"}, true
	}
	return route{}, false
}

func secretRoute(t Target, last string) route {
	if last == "public-key" {
		return route{target: t, suffix: "public-key"}
	}
	return route{target: t, name: last}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	tok, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	rt, ok := s.parseRoute(r)
	if !ok {
		s.writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if rt.suffix == "repo" {
		s.getRepo(w, r, rt)
		return
	}
	if tok.Workflow {
		s.writeError(w, http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	if need := neededScope(rt.target); tok.Scopes != nil && !slices.Contains(tok.Scopes, need) {
		w.Header().Set("X-Accepted-OAuth-Scopes", need)
		s.writeError(w, http.StatusForbidden, "Resource not accessible by personal access token")
		return
	}
	if sinkemu.IsWrite(r.Method) && tok.ReadOnly {
		s.writeError(w, http.StatusForbidden, "Resource not accessible by personal access token")
		return
	}
	switch {
	case rt.suffix == "public-key" && r.Method == http.MethodGet:
		s.getPublicKey(w, rt)
	case rt.suffix == "repositories" && r.Method == http.MethodGet:
		s.listSelected(w, r, rt)
	case rt.suffix == "" && r.Method == http.MethodGet:
		s.getSecret(w, rt)
	case rt.suffix == "" && r.Method == http.MethodPut:
		s.putSecret(w, r, rt)
	case rt.suffix == "" && r.Method == http.MethodDelete:
		s.deleteSecret(w, rt)
	default:
		s.writeError(w, http.StatusNotFound, "Not Found")
	}
}

// authenticate reads "Authorization: Bearer TOKEN" (or the older "token
// TOKEN") and answers 401 when it is missing or unknown.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (Token, bool) {
	h := r.Header.Get("Authorization")
	var tok string
	for _, p := range []string{"Bearer ", "bearer ", "token "} {
		if strings.HasPrefix(h, p) {
			tok = strings.TrimSpace(strings.TrimPrefix(h, p))
		}
	}
	if tok == "" {
		s.writeError(w, http.StatusUnauthorized, "Requires authentication")
		return Token{}, false
	}
	s.mu.Lock()
	t, ok := s.tokens[tok]
	s.mu.Unlock()
	if !ok {
		s.writeError(w, http.StatusUnauthorized, "Bad credentials")
		return Token{}, false
	}
	if t.Scopes != nil {
		w.Header().Set("X-OAuth-Scopes", strings.Join(t.Scopes, ", "))
	}
	return t, true
}

// neededScope is the classic scope the reference names for the endpoint.
func neededScope(t Target) string {
	if t.isOrg() {
		return "admin:org"
	}
	return "repo"
}

func (s *Server) scopeOf(t Target) *scope {
	return s.scopes[scopeKey(t)]
}

func (s *Server) getRepo(w http.ResponseWriter, _ *http.Request, rt route) {
	s.mu.Lock()
	repo, ok := s.repos[rt.target.repoKey()]
	s.mu.Unlock()
	if !ok {
		s.writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	sinkemu.WriteJSON(w, http.StatusOK, map[string]any{
		"id": repo.id, "name": repo.name, "full_name": repo.owner + "/" + repo.name, "private": repo.private,
	})
}

func (s *Server) getPublicKey(w http.ResponseWriter, rt route) {
	s.mu.Lock()
	sc := s.scopeOf(rt.target)
	var key keyPair
	if sc != nil {
		key = sc.key
	}
	s.mu.Unlock()
	if sc == nil {
		s.writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	sinkemu.WriteJSON(w, http.StatusOK, map[string]string{"key_id": key.id, "key": encodeKey(key.pub)})
}

func (s *Server) secretJSON(t Target, sec *Secret) map[string]any {
	out := map[string]any{
		"name":       sec.Name,
		"created_at": formatTime(sec.Created),
		"updated_at": formatTime(sec.Updated),
	}
	if t.isOrg() {
		out["visibility"] = sec.Visibility
		if sec.Visibility == "selected" {
			out["selected_repositories_url"] = s.root() + "/orgs/" + url.PathEscape(t.Org) + "/actions/secrets/" + sec.Name + "/repositories"
		}
	}
	return out
}

func (s *Server) getSecret(w http.ResponseWriter, rt route) {
	s.mu.Lock()
	sc := s.scopeOf(rt.target)
	var body map[string]any
	if sc != nil {
		if sec, ok := sc.secrets[secretKey(rt.name)]; ok {
			body = s.secretJSON(rt.target, sec)
		}
	}
	s.mu.Unlock()
	if body == nil {
		s.writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	sinkemu.WriteJSON(w, http.StatusOK, body)
}

func (s *Server) deleteSecret(w http.ResponseWriter, rt route) {
	s.mu.Lock()
	sc := s.scopeOf(rt.target)
	found := false
	if sc != nil {
		_, found = sc.secrets[secretKey(rt.name)]
		delete(sc.secrets, secretKey(rt.name))
	}
	s.mu.Unlock()
	if !found {
		s.writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// putBody is the request body of "Create or update a ... secret".
type putBody struct {
	EncryptedValue        *string `json:"encrypted_value"`
	KeyID                 *string `json:"key_id"`
	Visibility            *string `json:"visibility"`
	SelectedRepositoryIDs []int64 `json:"selected_repository_ids"`
}

func invalid(detail string) string { return "Invalid request.\n\n" + detail }

func (s *Server) putSecret(w http.ResponseWriter, r *http.Request, rt route) {
	name := rt.name
	switch {
	case strings.HasPrefix(strings.ToUpper(name), "GITHUB_"):
		s.writeError(w, http.StatusUnprocessableEntity, "Secret names must not start with GITHUB_.")
		return
	case !secretNamePattern.MatchString(name):
		s.writeError(w, http.StatusUnprocessableEntity, "Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed. Must start with a letter ([a-z], [A-Z]) or underscores (_).")
		return
	}
	raw, err := sinkemu.ReadBody(r)
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	var body putBody
	if err := json.Unmarshal(raw, &body); err != nil {
		s.writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	switch {
	case body.EncryptedValue == nil:
		s.writeError(w, http.StatusUnprocessableEntity, invalid(`"encrypted_value" wasn't supplied.`))
		return
	case body.KeyID == nil:
		s.writeError(w, http.StatusUnprocessableEntity, invalid(`"key_id" wasn't supplied.`))
		return
	}
	if rt.target.isOrg() {
		switch {
		case body.Visibility == nil:
			s.writeError(w, http.StatusUnprocessableEntity, invalid(`"visibility" wasn't supplied.`))
			return
		case !slices.Contains([]string{"all", "private", "selected"}, *body.Visibility):
			s.writeError(w, http.StatusUnprocessableEntity, invalid(`For 'properties/visibility', "`+*body.Visibility+`" is not a member of ["all", "private", "selected"].`))
			return
		case len(body.SelectedRepositoryIDs) > 0 && *body.Visibility != "selected":
			s.writeError(w, http.StatusUnprocessableEntity, invalid("selected_repository_ids can only be given with visibility \"selected\"."))
			return
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.scopeOf(rt.target)
	if sc == nil {
		s.writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if *body.KeyID != sc.key.id {
		s.writeError(w, http.StatusUnprocessableEntity, invalid("key_id does not match the current public key of this scope."))
		return
	}
	sealed, err := base64.StdEncoding.DecodeString(*body.EncryptedValue)
	if err != nil {
		s.writeError(w, http.StatusUnprocessableEntity, invalid("encrypted_value is not valid base64."))
		return
	}
	plain, ok := box.OpenAnonymous(nil, sealed, sc.key.pub, sc.key.priv)
	if !ok {
		s.writeError(w, http.StatusUnprocessableEntity, invalid("encrypted_value could not be decrypted with the current public key."))
		return
	}
	now := s.stamp()
	key := secretKey(name)
	sec, exists := sc.secrets[key]
	status := http.StatusNoContent
	if !exists {
		status = http.StatusCreated
	}
	if s.Faults().LoseWrites {
		w.WriteHeader(status)
		return
	}
	if !exists {
		sec = &Secret{Name: key, Created: now}
		sc.secrets[key] = sec
	}
	sec.Value = string(plain)
	sec.Updated = now
	if rt.target.isOrg() {
		sec.Visibility = *body.Visibility
		if sec.Visibility != "selected" {
			sec.Selected = nil
		} else if body.SelectedRepositoryIDs != nil {
			sec.Selected = append([]int64(nil), body.SelectedRepositoryIDs...)
		}
	}
	w.WriteHeader(status)
}

// listSelected is "List selected repositories for an organization secret",
// paged with page and per_page (at most 100) as every GitHub listing is.
func (s *Server) listSelected(w http.ResponseWriter, r *http.Request, rt route) {
	perPage, page := 30, 1
	if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
		page = v
	}
	s.mu.Lock()
	sc := s.scopeOf(rt.target)
	var sec *Secret
	if sc != nil {
		sec = sc.secrets[secretKey(rt.name)]
	}
	if sec == nil {
		s.mu.Unlock()
		s.writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	ids := append([]int64(nil), sec.Selected...)
	byID := map[int64]*repository{}
	for _, repo := range s.repos {
		byID[repo.id] = repo
	}
	s.mu.Unlock()

	repos := []map[string]any{}
	for i := (page - 1) * perPage; i < len(ids) && i < page*perPage; i++ {
		entry := map[string]any{"id": ids[i]}
		if repo := byID[ids[i]]; repo != nil {
			entry["name"], entry["full_name"] = repo.name, repo.owner+"/"+repo.name
		}
		repos = append(repos, entry)
	}
	sinkemu.WriteJSON(w, http.StatusOK, map[string]any{"total_count": len(ids), "repositories": repos})
}
