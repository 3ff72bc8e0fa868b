// Package sinkset runs the emulators of every service a token can be
// delivered to (GitHub, GitLab, Vault, AWS Secrets Manager) side by side
// on loopback, seeded so that the README's examples work as written: a
// repository acme/api, a GitLab project acme/api, a KV version 2 mount
// "secret", an AWS secret ci/axero, and a credential for each. `axero
// sandbox --sinks`, `axero demo` and the end-to-end tests start it; Env
// gives the variables that point the sinks at it.
package sinkset

import (
	"errors"
	"fmt"
	"time"

	"github.com/axero-cli/axero/internal/emulator/awssm"
	"github.com/axero-cli/axero/internal/emulator/githubemu"
	"github.com/axero-cli/axero/internal/emulator/gitlabemu"
	"github.com/axero-cli/axero/internal/emulator/sinkemu"
	"github.com/axero-cli/axero/internal/emulator/vaultemu"
)

// The sandbox's credentials and seeds. They are worthless anywhere else.
const (
	GitHubToken     = "github_pat_sandbox_0000000000000000000000" //nolint:gosec // the sandbox's own credential, not a real one
	GitLabToken     = "glpat-sandbox-00000000000000"              //nolint:gosec // the sandbox's own credential, not a real one
	VaultToken      = "hvs.sandbox000000000000000000"             //nolint:gosec // the sandbox's own credential, not a real one
	AWSAccessKeyID  = "AKIASANDBOX000000000"                      //nolint:gosec // the sandbox's own credential, not a real one
	AWSSecretKey    = "sandboxSecretAccessKey0000000000000000000" //nolint:gosec // the sandbox's own credential, not a real one
	AWSRegion       = awssm.DefaultRegion
	Repo            = "acme/api" // GitHub repository and GitLab project
	GitLabProjectID = 42
	VaultMount      = "secret"
	AWSSecret       = "ci/axero"
)

// Set is the four emulators, running.
type Set struct {
	GitHub *githubemu.Server
	GitLab *gitlabemu.Server
	Vault  *vaultemu.Server
	AWS    *awssm.Server
}

// Start starts and seeds the four emulators on loopback ports of the
// system's choosing.
func Start() (*Set, error) {
	s := &Set{}
	var err error
	if s.GitHub, err = githubemu.Start(githubemu.Options{}); err != nil {
		return nil, fmt.Errorf("starting the GitHub emulator: %w", err)
	}
	s.GitHub.AddToken(GitHubToken, githubemu.Token{})
	s.GitHub.AddRepo("acme", "api")

	if s.GitLab, err = gitlabemu.Start(sinkemu.Options{}); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("starting the GitLab emulator: %w", err)
	}
	s.GitLab.AddProject(GitLabProjectID, Repo)
	uid := s.GitLab.AddUser(GitLabToken, "sandbox", false)
	s.GitLab.AddMember("projects", Repo, uid, gitlabemu.Maintainer)

	if s.Vault, err = vaultemu.Start(sinkemu.Options{}); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("starting the Vault emulator: %w", err)
	}
	s.Vault.AddMount("", VaultMount, 2)
	s.Vault.AddToken(VaultToken, "", vaultemu.Policy{VaultMount + "/data/*": {"create", "read", "update"}})

	if s.AWS, err = awssm.Start(awssm.Options{Region: AWSRegion, Keys: map[string]string{AWSAccessKeyID: AWSSecretKey}}); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("starting the AWS Secrets Manager emulator: %w", err)
	}
	initial := "not rotated yet"
	s.AWS.AddSecret(AWSSecret, &initial)
	return s, nil
}

// SetLatency delays every answer of the GitHub, GitLab and Vault
// emulators by d, as services across a network answer.
func (s *Set) SetLatency(d time.Duration) {
	for _, srv := range []*sinkemu.Server{s.GitHub.Server, s.GitLab.Server, s.Vault.Server} {
		f := srv.Faults()
		f.Latency = d
		srv.SetFaults(f)
	}
}

// Var is one environment variable.
type Var struct{ Name, Value string }

// Env are the variables that point each sink at its emulator, with the
// sandbox's credentials, in the order the README lists them.
func (s *Set) Env() []Var {
	return []Var{
		{"GITHUB_API_URL", s.GitHub.APIURL()},
		{"GH_TOKEN", GitHubToken},
		{"CI_API_V4_URL", s.GitLab.APIURL()},
		{"GITLAB_TOKEN", GitLabToken},
		{"VAULT_ADDR", s.Vault.URL()},
		{"VAULT_TOKEN", VaultToken},
		{"AWS_ENDPOINT_URL_SECRETS_MANAGER", s.AWS.URL()},
		{"AWS_REGION", AWSRegion},
		{"AWS_ACCESS_KEY_ID", AWSAccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", AWSSecretKey},
	}
}

// Close stops every emulator that runs.
func (s *Set) Close() error {
	var errs []error
	if s.GitHub != nil {
		errs = append(errs, s.GitHub.Close())
	}
	if s.GitLab != nil {
		errs = append(errs, s.GitLab.Close())
	}
	if s.Vault != nil {
		errs = append(errs, s.Vault.Close())
	}
	if s.AWS != nil {
		errs = append(errs, s.AWS.Close())
	}
	return errors.Join(errs...)
}
