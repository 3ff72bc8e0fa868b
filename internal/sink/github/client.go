package github

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

// credential is the token and the variable it came from, which the
// advice on a 403 names.
type credential struct {
	token    string
	variable string
}

// defaultAPI is github.com's API.
const defaultAPI = "https://api.github.com"

// endpoint reads the API root as gh does: GITHUB_API_URL, which GitHub
// Actions sets; else GH_HOST, api.github.com for github.com and
// https://HOST/api/v3 for an Enterprise Server; else github.com.
func (s *Sink) endpoint() (*url.URL, string, error) {
	if v := strings.TrimSpace(s.getenv("GITHUB_API_URL")); v != "" {
		u, err := sinkhttp.ParseBaseURL(v, "GITHUB_API_URL")
		return u, "GITHUB_API_URL", err
	}
	if h := strings.TrimSpace(s.getenv("GH_HOST")); h != "" {
		raw := h
		if !strings.Contains(h, "://") {
			raw = "https://" + h
		}
		u, err := sinkhttp.ParseBaseURL(raw, "GH_HOST")
		if err != nil {
			return nil, "GH_HOST", err
		}
		if strings.EqualFold(u.Hostname(), "github.com") {
			u, err = sinkhttp.ParseBaseURL(defaultAPI, "GH_HOST")
			return u, "GH_HOST", err
		}
		u.Path = "/api/v3"
		return u, "GH_HOST", nil
	}
	u, err := sinkhttp.ParseBaseURL(defaultAPI, "the default GitHub API URL")
	return u, "GITHUB_API_URL", err
}

// connect builds the HTTP client on first use: a missing token is
// Denied, a malformed endpoint Invalid.
func (s *Sink) connect(op string) (*sinkhttp.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return s.client, nil
	}
	cred := credential{variable: "GH_TOKEN", token: strings.TrimSpace(s.getenv("GH_TOKEN"))}
	if cred.token == "" {
		cred = credential{variable: "GITHUB_TOKEN", token: strings.TrimSpace(s.getenv("GITHUB_TOKEN"))}
	}
	if cred.token == "" {
		return nil, sink.Errorf(s.String(), op, sink.Denied, "no GitHub token: set GH_TOKEN (or GITHUB_TOKEN) to a token that may write Actions secrets")
	}
	base, from, err := s.endpoint()
	if err != nil {
		return nil, sink.Errorf(s.String(), op, sink.Invalid, "%v", err)
	}
	c, err := s.stack.New(sinkhttp.Endpoint{
		Sink:     s.String(),
		Service:  "GitHub",
		BaseURL:  base,
		BaseFrom: from,
		Headers: map[string]string{
			"Authorization":        "Bearer " + cred.token,
			"Accept":               "application/vnd.github+json",
			"X-GitHub-Api-Version": apiVersion,
		},
		CredentialHeaders: []string{"Authorization"},
		Secrets:           []string{cred.token},
		SecretFields:      []string{"encrypted_value"},
	})
	if err != nil {
		// An unusable CA bundle or proxy setting: the configuration.
		return nil, sink.Errorf(s.String(), op, sink.Invalid, "%v", err)
	}
	s.client, s.cred = c, cred
	return c, nil
}

// secretsPath is where the scope's secrets live.
func (s *Sink) secretsPath() string {
	switch {
	case s.repo == "":
		return "/orgs/" + url.PathEscape(s.owner) + "/actions/secrets"
	case s.env != "":
		return "/repos/" + url.PathEscape(s.owner) + "/" + url.PathEscape(s.repo) + "/environments/" + url.PathEscape(s.env) + "/secrets"
	}
	return "/repos/" + url.PathEscape(s.owner) + "/" + url.PathEscape(s.repo) + "/actions/secrets"
}

func (s *Sink) secretPath() string { return s.secretsPath() + "/" + url.PathEscape(s.name) }

// refusal is the error for an answer that is not what the sink wanted,
// with the advice that fits the status.
func (s *Sink) refusal(c *sinkhttp.Client, op string, resp *sinkhttp.Response, what string) error {
	switch resp.Status {
	case http.StatusUnauthorized:
		return c.StatusError(op, resp, "GitHub refused the token in "+s.cred.variable)
	case http.StatusForbidden:
		msg := "the token in " + s.cred.variable + " may not " + what
		if s.cred.variable == "GITHUB_TOKEN" {
			msg += "; a workflow's own GITHUB_TOKEN cannot be given access to secrets: use a fine-grained token or an App token with Secrets: write"
		} else {
			msg += "; it needs Secrets: write (fine-grained or App token) or the " + s.classicScope() + " scope (classic token)"
		}
		return c.StatusError(op, resp, msg)
	case http.StatusNotFound:
		return c.StatusErrorKind(op, sink.Invalid, resp, s.scopeName()+" not found, or the token in "+s.cred.variable+" cannot see it")
	}
	return c.StatusError(op, resp, "cannot "+what)
}

// classicScope is the OAuth scope a classic token needs here.
func (s *Sink) classicScope() string {
	if s.repo == "" {
		return "admin:org"
	}
	return "repo"
}
