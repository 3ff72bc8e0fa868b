package gitlab_test

import (
	"context"
	"fmt"
	"time"

	"github.com/axero-cli/axero/internal/emulator/gitlabemu"
	"github.com/axero-cli/axero/internal/emulator/sinkemu"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/gitlab"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

// Example delivers a token to a masked, protected project variable of the
// GitLab emulator: check before minting, put, verify, commit.
func Example() {
	emu, err := gitlabemu.Start(sinkemu.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = emu.Close() }()
	emu.AddProject(42, "acme/app")
	const credential = "glpat-exampleCredential" //nolint:gosec // the emulator's credential, not a real one
	uid := emu.AddUser(credential, "deployer", false)
	emu.AddMember("projects", "acme/app", uid, gitlabemu.Maintainer)

	environ := map[string]string{"CI_API_V4_URL": emu.APIURL(), "GITLAB_TOKEN": credential}
	env := sink.Env{Getenv: func(k string) string { return environ[k] }, Now: time.Now}
	s, err := gitlab.Parse("project/acme/app#AXERO_TOKEN?protected=true", env, &sinkhttp.Stack{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	v := sink.Value{Secret: "the-new-token-value", TokenID: 100005, Started: time.Now()}
	for _, step := range []func() error{
		func() error { return s.Check(ctx) },
		func() error { return s.Put(ctx, v) },
		func() error { return s.Verify(ctx, v) },
		func() error { return s.Commit(ctx, v) },
	} {
		if err := step(); err != nil {
			fmt.Println(err)
			return
		}
	}
	got, _ := emu.Variable("projects", "acme/app", "AXERO_TOKEN", "*")
	fmt.Printf("%s: masked=%t protected=%t holds the new token: %t\n", s, got.Masked, got.Protected, got.Value == v.Secret)
	// Output: gitlab:project/acme/app#AXERO_TOKEN?protected=true: masked=true protected=true holds the new token: true
}
