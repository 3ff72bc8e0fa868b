// Package gitlab delivers a token to a GitLab CI/CD variable of a project
// or a group, created or updated:
//
//	gitlab:project/PATH-OR-ID#KEY
//	gitlab:group/PATH-OR-ID#KEY
//	options: ?masked=true&protected=true&hidden=true&environment_scope=production
//
// A variable created by the sink is masked unless ?masked=false says
// otherwise: it holds a credential, which a job log must not show. On an
// existing variable only the options given are changed. hidden=true
// (GitLab's masked_and_hidden) can only be set when the variable is
// created, as GitLab allows.
//
// The credential is GITLAB_TOKEN (a personal, project or group access
// token with the api scope; a CI job token cannot write variables); the
// API is CI_API_V4_URL (set inside GitLab CI), else https://GITLAB_HOST/api/v4,
// else https://gitlab.com/api/v4.
package gitlab

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
	"github.com/axero-cli/axero/internal/sink/sinkspec"
)

// Scheme is the sink strings' prefix.
const Scheme = "gitlab"

var (
	// keyPattern is GitLab's rule for variable keys.
	keyPattern = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	// pathSegment is what a segment of a project or group path may hold.
	pathSegment = regexp.MustCompile(`^[A-Za-z0-9_.+-]+$`)
	// numericID is a project or group given by its ID.
	numericID = regexp.MustCompile(`^[1-9][0-9]{0,18}$`)
)

// maxScope bounds an environment scope, as GitLab's column does.
const maxScope = 255

// Sink is one CI/CD variable.
type Sink struct {
	spec  string
	kind  string // "project" or "group"
	ref   string // numeric ID or full path
	key   string
	scope string // environment_scope; "*" when not given

	// The options as given; nil when not given.
	masked, protected, hidden *bool

	getenv func(string) string
	stack  *sinkhttp.Stack

	mu      sync.Mutex
	client  *sinkhttp.Client
	written [32]byte // hash of the last value GitLab confirmed writing
	wrote   bool
}

// Parse reads the part of a sink string after "gitlab:".
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
	if err := sp.Allow("masked", "protected", "hidden", "environment_scope"); err != nil {
		return err
	}
	kind, ref, _ := strings.Cut(sp.Target, "/")
	if kind != "project" && kind != "group" {
		return fmt.Errorf("write gitlab:project/PATH-OR-ID#KEY or gitlab:group/PATH-OR-ID#KEY")
	}
	ref = strings.Trim(ref, "/")
	if ref == "" {
		return fmt.Errorf("no %s: write gitlab:%s/PATH-OR-ID#KEY", kind, kind)
	}
	if !numericID.MatchString(ref) {
		for _, seg := range strings.Split(ref, "/") {
			if !pathSegment.MatchString(seg) || seg == "." || seg == ".." {
				return fmt.Errorf("%q is not a GitLab %s ID or path", ref, kind)
			}
		}
	}
	s.kind, s.ref = kind, ref
	if !sp.HasName || sp.Name == "" {
		return fmt.Errorf("no variable key: write gitlab:%s/%s#KEY", kind, ref)
	}
	s.key = sp.Name
	for name, dst := range map[string]**bool{"masked": &s.masked, "protected": &s.protected, "hidden": &s.hidden} {
		v, set, err := sp.Bool(name)
		if err != nil {
			return err
		}
		if set {
			*dst = &v
		}
	}
	if s.hidden != nil && *s.hidden && s.masked != nil && !*s.masked {
		return fmt.Errorf("hidden=true needs the variable masked: drop masked=false")
	}
	s.scope = "*"
	if sp.Options.Has("environment_scope") {
		s.scope = sp.Options.Get("environment_scope")
		if s.scope == "" || len(s.scope) > maxScope {
			return fmt.Errorf("environment_scope= needs 1 to %d characters", maxScope)
		}
	}
	return nil
}

// String is the sink as written.
func (s *Sink) String() string { return Scheme + ":" + s.spec }

// what names the variable for messages.
func (s *Sink) what() string {
	w := fmt.Sprintf("variable %s of %s %s", s.key, s.kind, s.ref)
	if s.scope != "*" {
		w += fmt.Sprintf(" (environment scope %q)", s.scope)
	}
	return w
}

// wantsMasked reports whether the variable will be masked after a write:
// asked for, hidden (which implies masked), or, when not said, masked
// already or about to be created (created variables are masked by
// default).
func (s *Sink) wantsMasked(existing *variable) bool {
	switch {
	case s.masked != nil:
		return *s.masked || (s.hidden != nil && *s.hidden)
	case s.hidden != nil && *s.hidden:
		return true
	case existing != nil:
		return existing.Masked
	}
	return true
}

// Commit does nothing: a CI/CD variable has no staged versions.
func (s *Sink) Commit(_ context.Context, _ sink.Value) error { return nil }

// maxKey is the longest variable key GitLab allows.
const maxKey = 255

// validKey applies GitLab's rule for variable keys. The length is checked
// apart from the pattern: a counted repetition such as {1,255} compiles
// into hundreds of states, and every process would pay for it at start-up.
func validKey(k string) bool { return len(k) <= maxKey && keyPattern.MatchString(k) }
