package github_test

import (
	"context"
	"fmt"
	"time"

	"github.com/axero-cli/axero/internal/emulator/githubemu"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/github"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

// Example delivers a token to a repository secret of the GitHub emulator:
// check before minting, put, verify, commit.
func Example() {
	emu, err := githubemu.Start(githubemu.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = emu.Close() }()
	emu.AddRepo("acme", "app")
	const credential = "ghp_exampleCredential" //nolint:gosec // the emulator's credential, not a real one
	emu.AddToken(credential, githubemu.Token{Scopes: []string{"repo"}})

	environ := map[string]string{"GITHUB_API_URL": emu.APIURL(), "GH_TOKEN": credential}
	env := sink.Env{Getenv: func(k string) string { return environ[k] }, Now: time.Now}
	s, err := github.Parse("acme/app#AXERO_TOKEN", env, &sinkhttp.Stack{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	v := sink.Value{Secret: "the-new-token", TokenID: 100005, Name: "ci-deploy", Started: time.Now()}
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
	stored, _ := emu.Secret(githubemu.Repo("acme", "app"), "AXERO_TOKEN")
	fmt.Println(s, "holds the new token:", stored.Value == v.Secret)
	// Output: github:acme/app#AXERO_TOKEN holds the new token: true
}
