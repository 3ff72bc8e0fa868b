package gitlab

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

// defaultAPI is gitlab.com's API.
const defaultAPI = "https://gitlab.com/api/v4"

// endpoint reads the API root: CI_API_V4_URL, which GitLab CI sets; else
// GITLAB_HOST as glab reads it (a host, or a URL), with /api/v4; else
// gitlab.com.
func (s *Sink) endpoint() (*url.URL, string, error) {
	if v := strings.TrimSpace(s.getenv("CI_API_V4_URL")); v != "" {
		u, err := sinkhttp.ParseBaseURL(v, "CI_API_V4_URL")
		return u, "CI_API_V4_URL", err
	}
	if h := strings.TrimSpace(s.getenv("GITLAB_HOST")); h != "" {
		raw := h
		if !strings.Contains(h, "://") {
			raw = "https://" + h
		}
		u, err := sinkhttp.ParseBaseURL(raw, "GITLAB_HOST")
		if err != nil {
			return nil, "GITLAB_HOST", err
		}
		u.Path = strings.TrimSuffix(u.Path, "/api/v4") + "/api/v4"
		return u, "GITLAB_HOST", nil
	}
	u, err := sinkhttp.ParseBaseURL(defaultAPI, "the default GitLab API URL")
	return u, "CI_API_V4_URL", err
}

// connect builds the HTTP client on first use.
func (s *Sink) connect(op string) (*sinkhttp.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return s.client, nil
	}
	token := strings.TrimSpace(s.getenv("GITLAB_TOKEN"))
	if token == "" {
		msg := "no GitLab token: set GITLAB_TOKEN to an access token with the api scope and the Maintainer role (Owner for a group)"
		if s.getenv("CI_JOB_TOKEN") != "" {
			msg += "; the job's CI_JOB_TOKEN cannot write CI/CD variables"
		}
		return nil, sink.Errorf(s.String(), op, sink.Denied, "%s", msg)
	}
	base, from, err := s.endpoint()
	if err != nil {
		return nil, sink.Errorf(s.String(), op, sink.Invalid, "%v", err)
	}
	c, err := s.stack.New(sinkhttp.Endpoint{
		Sink:              s.String(),
		Service:           "GitLab",
		BaseURL:           base,
		BaseFrom:          from,
		Headers:           map[string]string{"PRIVATE-TOKEN": token},
		CredentialHeaders: []string{"PRIVATE-TOKEN"},
		Secrets:           []string{token},
		// A variable's value is a secret, whichever variable it is.
		SecretFields: []string{"value"},
		Message:      errorMessage,
	})
	if err != nil {
		return nil, sink.Errorf(s.String(), op, sink.Invalid, "%v", err)
	}
	s.client = c
	return c, nil
}

// errorMessage reads GitLab's error bodies: {"message": "..."},
// {"message": {"field": ["...", ...]}}, {"message": ["..."]} and
// {"error": "..."}.
func errorMessage(body []byte) string {
	var e struct {
		Message json.RawMessage `json:"message"`
		Error   string          `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	var str string
	if json.Unmarshal(e.Message, &str) == nil {
		return str
	}
	var fields map[string][]string
	if json.Unmarshal(e.Message, &fields) == nil && len(fields) > 0 {
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+" "+strings.Join(fields[k], ", "))
		}
		return strings.Join(parts, "; ")
	}
	var list []string
	if json.Unmarshal(e.Message, &list) == nil && len(list) > 0 {
		return strings.Join(list, "; ")
	}
	return e.Error
}

// holderPath is the project's or group's API path: /projects/ID or
// /projects/group%2Fapp, the path URL-encoded as one segment.
func (s *Sink) holderPath() string {
	return "/" + s.kind + "s/" + url.PathEscape(s.ref)
}

// variablePath is the variable's API path.
func (s *Sink) variablePath() string {
	return s.holderPath() + "/variables/" + url.PathEscape(s.key)
}

// filter selects the variable of the sink's environment scope, so that a
// key defined for several scopes is never ambiguous (GitLab answers 409
// to an unfiltered request then).
func (s *Sink) filter() url.Values {
	return url.Values{"filter[environment_scope]": {s.scope}}
}

// role names an access level for messages.
func role(level int) string {
	switch {
	case level >= 50:
		return "Owner"
	case level >= 40:
		return "Maintainer"
	case level >= 30:
		return "Developer"
	case level >= 20:
		return "Reporter"
	case level >= 10:
		return "Guest"
	}
	return fmt.Sprintf("access level %d", level)
}

// neededLevel is the role that writing variables takes: Maintainer in a
// project, Owner in a group.
func (s *Sink) neededLevel() int {
	if s.kind == "group" {
		return 50
	}
	return 40
}

// refusal is the error for an answer that is not what the sink wanted.
func (s *Sink) refusal(c *sinkhttp.Client, op string, resp *sinkhttp.Response, what string) error {
	switch resp.Status {
	case http.StatusUnauthorized:
		return c.StatusError(op, resp, "GitLab refused the token in GITLAB_TOKEN")
	case http.StatusForbidden:
		return c.StatusError(op, resp, fmt.Sprintf("the token in GITLAB_TOKEN may not %s; it needs the api scope and the %s role", what, role(s.neededLevel())))
	case http.StatusNotFound:
		return c.StatusErrorKind(op, sink.Invalid, resp, fmt.Sprintf("%s %s not found, or the token in GITLAB_TOKEN cannot see it", s.kind, s.ref))
	}
	return c.StatusError(op, resp, "cannot "+what)
}
