// Package githubemu emulates the part of the GitHub REST API that stores
// GitHub Actions secrets of a repository, an environment and an
// organisation, written from GitHub's reference "REST API endpoints for
// GitHub Actions secrets" (https://docs.github.com/en/rest/actions/secrets,
// API version 2022-11-28):
//
//	GET    /repos/{owner}/{repo}/actions/secrets/public-key
//	GET    /repos/{owner}/{repo}/actions/secrets/{secret_name}
//	PUT    /repos/{owner}/{repo}/actions/secrets/{secret_name}              201 created, 204 updated
//	DELETE /repos/{owner}/{repo}/actions/secrets/{secret_name}              204
//	GET    /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key
//	GET|PUT|DELETE /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}
//	GET    /orgs/{org}/actions/secrets/public-key
//	GET|PUT|DELETE /orgs/{org}/actions/secrets/{secret_name}                visibility all, private or selected
//	GET    /orgs/{org}/actions/secrets/{secret_name}/repositories
//	GET    /repos/{owner}/{repo}                                             the repository's id, for selected_repository_ids
//
// Each scope has a real Curve25519 key pair. A PUT must carry the
// current key_id and a value sealed (libsodium's sealed box) to that key:
// the emulator opens it with the private key, so a test that reads the
// stored value back proves the encryption. Errors have GitHub's shape,
// {"message": ..., "documentation_url": ...}; the wording of validation
// messages follows GitHub's where the reference gives it and is
// representative elsewhere. Responses to a classic token carry
// X-OAuth-Scopes, as GitHub's do; fine-grained and App tokens get none.
package githubemu

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/nacl/box"

	"github.com/axero-cli/axero/internal/emulator/sinkemu"
)

// docsURL is the documentation_url of the emulator's error bodies.
const docsURL = "https://docs.github.com/rest/actions/secrets"

// Options configure a Server.
type Options struct {
	sinkemu.Options
	// PathPrefix is where the API lives: "" as on api.github.com, or
	// "/api/v3" as on GitHub Enterprise Server.
	PathPrefix string
}

// Token is what a credential may do.
type Token struct {
	// Scopes are a classic token's OAuth scopes ("repo", "admin:org"),
	// sent back in X-OAuth-Scopes. Nil is a fine-grained or App token,
	// which GitHub answers without that header.
	Scopes []string
	// Workflow is a workflow's own GITHUB_TOKEN, which cannot be granted
	// any access to secrets: every secrets endpoint answers it 403.
	Workflow bool
	// ReadOnly may read public keys and secret metadata but not write
	// (a fine-grained token with Secrets: read).
	ReadOnly bool
}

// Target names a scope of secrets: a repository, one of its
// environments, or an organisation.
type Target struct {
	Owner, Repo, Env string
	Org              string
}

// Repo, Env and Org build Targets.
func Repo(owner, repo string) Target     { return Target{Owner: owner, Repo: repo} }
func Env(owner, repo, env string) Target { return Target{Owner: owner, Repo: repo, Env: env} }
func Org(org string) Target              { return Target{Org: org} }

func (t Target) isOrg() bool     { return t.Org != "" }
func (t Target) repoKey() string { return repoKeyOf(t.Owner, t.Repo) }

// Names are case-insensitive on GitHub: repositories and organisations
// are keyed in lower case, secrets in upper case (as GitHub returns them).
func repoKeyOf(owner, repo string) string { return strings.ToLower(owner + "/" + repo) }
func orgKey(org string) string            { return strings.ToLower(org) }
func secretKey(name string) string        { return strings.ToUpper(name) }

// Timestamps have GitHub's form and resolution: whole seconds, UTC.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
func (s *Server) stamp() time.Time  { return s.Now().UTC().Truncate(time.Second) }

// root is the API's URL, prefix included.
func (s *Server) root() string { return s.URL() + s.opts.PathPrefix }

// Secret is a stored secret as the emulator sees it: the value it opened.
type Secret struct {
	Name       string
	Value      string
	Created    time.Time
	Updated    time.Time
	Visibility string  // organisation secrets only
	Selected   []int64 // repository ids, for visibility "selected"
}

type keyPair struct {
	id        string
	pub, priv *[32]byte
}

type scope struct {
	key     keyPair
	secrets map[string]*Secret // by upper-case name
}

type repository struct {
	id          int64
	owner, name string
	private     bool
}

// Server is the emulator.
type Server struct {
	*sinkemu.Server
	opts Options

	mu     sync.Mutex
	tokens map[string]Token
	repos  map[string]*repository // by lower-case owner/name
	scopes map[string]*scope      // by Target key: "r:owner/repo", "e:owner/repo/env", "o:org"
	nextID int64
	keySeq int64
}

// Start serves a new emulator on loopback.
func Start(o Options) (*Server, error) {
	s := &Server{
		opts:   o,
		tokens: map[string]Token{},
		repos:  map[string]*repository{},
		scopes: map[string]*scope{},
		nextID: 1296269,
		keySeq: 568250167242549743,
	}
	srv, err := sinkemu.Start(http.HandlerFunc(s.serve), s.writeError, o.Options)
	if err != nil {
		return nil, err
	}
	s.Server = srv
	return s, nil
}

// APIURL is what GITHUB_API_URL is set to for this emulator.
func (s *Server) APIURL() string { return s.root() }

// AddToken lets token in with the given powers.
func (s *Server) AddToken(token string, t Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = t
}

// AddRepo creates a repository with its secrets scope and returns its id.
func (s *Server) AddRepo(owner, name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := repoKeyOf(owner, name)
	if r, ok := s.repos[key]; ok {
		return r.id
	}
	s.nextID++
	s.repos[key] = &repository{id: s.nextID, owner: owner, name: name, private: true}
	s.scopes["r:"+key] = s.newScopeLocked()
	return s.nextID
}

// AddEnvironment creates an environment of an existing repository.
func (s *Server) AddEnvironment(owner, repo, env string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes["e:"+repoKeyOf(owner, repo)+"/"+env] = s.newScopeLocked()
}

// AddOrg creates an organisation.
func (s *Server) AddOrg(org string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes["o:"+orgKey(org)] = s.newScopeLocked()
}

func (s *Server) newScopeLocked() *scope {
	return &scope{key: s.newKeyLocked(), secrets: map[string]*Secret{}}
}

func (s *Server) newKeyLocked() keyPair {
	pub, priv, err := box.GenerateKey(rand.Reader)
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	s.keySeq++
	return keyPair{id: strconv.FormatInt(s.keySeq, 10), pub: pub, priv: priv}
}

func scopeKey(t Target) string {
	switch {
	case t.isOrg():
		return "o:" + orgKey(t.Org)
	case t.Env != "":
		return "e:" + t.repoKey() + "/" + t.Env
	}
	return "r:" + t.repoKey()
}

// RotateKey gives the scope a new key pair, as GitHub does from time to
// time: a value sealed to the old key is refused from now on.
func (s *Server) RotateKey(t Target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sc := s.scopes[scopeKey(t)]; sc != nil {
		sc.key = s.newKeyLocked()
	}
}

// Secret returns a stored secret, its value opened.
func (s *Server) Secret(t Target, name string) (Secret, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.scopes[scopeKey(t)]
	if sc == nil {
		return Secret{}, false
	}
	sec, ok := sc.secrets[secretKey(name)]
	if !ok {
		return Secret{}, false
	}
	out := *sec
	out.Selected = append([]int64(nil), sec.Selected...)
	return out, true
}

// SetSecret stores a secret directly, as if written at updated (for tests
// that start from an older value).
func (s *Server) SetSecret(t Target, sec Secret) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.scopes[scopeKey(t)]
	if sc == nil {
		return
	}
	sec.Name = secretKey(sec.Name)
	if sec.Created.IsZero() {
		sec.Created = sec.Updated
	}
	sc.secrets[sec.Name] = &sec
}

// writeError writes GitHub's error body.
func (s *Server) writeError(w http.ResponseWriter, status int, message string) {
	if message == "" {
		switch status {
		case http.StatusForbidden:
			message = "Resource not accessible by personal access token"
		case http.StatusNotFound:
			message = "Not Found"
		case http.StatusInternalServerError:
			message = "Server Error"
		default:
			message = http.StatusText(status)
		}
	}
	sinkemu.WriteJSON(w, status, map[string]string{"message": message, "documentation_url": docsURL})
}

// encodeKey is the public key as GitHub sends it.
func encodeKey(k *[32]byte) string { return base64.StdEncoding.EncodeToString(k[:]) }
