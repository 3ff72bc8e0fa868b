// Package github delivers a token to a GitHub Actions secret of a
// repository, one of its environments, or an organisation:
//
//	github:OWNER/REPO#NAME
//	github:OWNER/REPO?env=ENV#NAME
//	github:ORG#NAME?visibility=all|private|selected[&repos=REPO,REPO]
//
// The value is sealed to the scope's public key with libsodium's sealed
// box before it leaves the process, and can never be read back: Verify
// proves the write by the secret's updated_at, which must not be earlier
// than the run's start on the server's clock.
//
// The credential is GH_TOKEN or GITHUB_TOKEN; the API is GITHUB_API_URL
// (set inside GitHub Actions), else https://GH_HOST/api/v3 (GitHub
// Enterprise Server), else https://api.github.com.
package github

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
	"github.com/axero-cli/axero/internal/sink/sinkspec"
)

// Scheme is the sink strings' prefix.
const Scheme = "github"

// apiVersion is the REST API version the sink speaks.
const apiVersion = "2022-11-28"

// The longest owner and repository names GitHub allows.
const (
	maxOwner = 39
	maxRepo  = 100
)

var (
	// ownerPattern is GitHub's rule for user and organisation names (at
	// most maxOwner characters). Lengths are checked apart from the
	// patterns: a counted repetition such as {1,100} compiles into hundreds
	// of states, and every process would pay for it at start-up.
	ownerPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
	// repoPattern is GitHub's rule for repository names.
	repoPattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	// namePattern is GitHub's rule for secret names: letters, digits and
	// underscores, not starting with a digit.
	namePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// maxEnvName is the longest environment name GitHub accepts.
const maxEnvName = 255

// Visibilities of an organisation secret, as the API names them.
var visibilities = []string{"all", "private", "selected"}

// Sink is one GitHub Actions secret.
type Sink struct {
	spec  string
	owner string // the repository's owner, or the organisation
	repo  string // "" for an organisation secret
	env   string // "" unless an environment secret
	name  string

	// visibility is what an organisation secret is to become; "" keeps
	// what it has. repos names the repositories of "selected".
	visibility string
	repos      []string

	getenv func(string) string
	stack  *sinkhttp.Stack

	mu     sync.Mutex
	client *sinkhttp.Client
	cred   credential
	key    *publicKey
	org    *orgAccess // resolved visibility of an organisation secret
}

// Parse reads the part of a sink string after "github:".
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
	if !sp.HasName || sp.Name == "" {
		return fmt.Errorf("no secret name: write github:OWNER/REPO#NAME or github:ORG#NAME?visibility=private")
	}
	s.name = sp.Name
	owner, repo, isRepo := strings.Cut(sp.Target, "/")
	if len(owner) > maxOwner || !ownerPattern.MatchString(owner) {
		return fmt.Errorf("%q is not a GitHub owner or organisation name", owner)
	}
	s.owner = owner
	if isRepo {
		if len(repo) > maxRepo || !repoPattern.MatchString(repo) || repo == "." || repo == ".." {
			return fmt.Errorf("%q is not a GitHub repository name", repo)
		}
		s.repo = repo
		if err := sp.Allow("env"); err != nil {
			return err
		}
		if sp.Options.Has("env") {
			s.env = sp.Options.Get("env")
			if s.env == "" || len(s.env) > maxEnvName {
				return fmt.Errorf("env= needs an environment name of 1 to %d characters", maxEnvName)
			}
		}
		return nil
	}
	if err := sp.Allow("visibility", "repos"); err != nil {
		return err
	}
	s.visibility = sp.Options.Get("visibility")
	if sp.Options.Has("visibility") && !slices.Contains(visibilities, s.visibility) {
		return fmt.Errorf("visibility=%q: want all, private or selected", s.visibility)
	}
	if list := sp.Options.Get("repos"); list != "" {
		for _, r := range strings.Split(list, ",") {
			if len(r) > maxRepo || !repoPattern.MatchString(r) {
				return fmt.Errorf("repos=: %q is not a repository name", r)
			}
			s.repos = append(s.repos, r)
		}
	}
	switch {
	case s.visibility == "selected" && len(s.repos) == 0:
		return fmt.Errorf("visibility=selected needs repos=REPO,REPO (the repositories of %s that may use the secret)", owner)
	case len(s.repos) > 0 && s.visibility != "selected":
		return fmt.Errorf("repos= goes with visibility=selected only")
	}
	return nil
}

// String is the sink as written.
func (s *Sink) String() string { return Scheme + ":" + s.spec }

// what names the secret for messages: `secret NAME of OWNER/REPO`.
func (s *Sink) what() string {
	switch {
	case s.repo == "":
		return fmt.Sprintf("organisation secret %s of %s", s.name, s.owner)
	case s.env != "":
		return fmt.Sprintf("secret %s of environment %q of %s/%s", s.name, s.env, s.owner, s.repo)
	}
	return fmt.Sprintf("secret %s of %s/%s", s.name, s.owner, s.repo)
}

// scopeName names the place that holds the secret, for "not found".
func (s *Sink) scopeName() string {
	switch {
	case s.repo == "":
		return "organisation " + s.owner
	case s.env != "":
		return fmt.Sprintf("environment %q of repository %s/%s", s.env, s.owner, s.repo)
	}
	return fmt.Sprintf("repository %s/%s", s.owner, s.repo)
}

// begin starts step op: GitHub's naming rules first, so that a name it
// refuses is refused before any request, then the client, which from then
// on redacts secrets (the token the step writes or proves) from its log
// and its errors.
func (s *Sink) begin(op string, secrets ...string) (*sinkhttp.Client, error) {
	if err := s.checkName(op); err != nil {
		return nil, err
	}
	c, err := s.connect(op)
	if err != nil {
		return nil, err
	}
	for _, v := range secrets {
		c.AddSecret(v)
	}
	return c, nil
}

// checkName applies GitHub's naming rules before any request.
func (s *Sink) checkName(op string) error {
	switch {
	case !namePattern.MatchString(s.name):
		return sink.Errorf(s.String(), op, sink.Invalid, "secret name %q: GitHub allows only letters, digits and _, not starting with a digit", s.name)
	case strings.HasPrefix(strings.ToUpper(s.name), "GITHUB_"):
		return sink.Errorf(s.String(), op, sink.Invalid, "secret name %q: GitHub reserves names starting with GITHUB_", s.name)
	}
	return nil
}

// Commit does nothing: a GitHub secret has no staged versions.
func (s *Sink) Commit(_ context.Context, _ sink.Value) error { return nil }
