package token_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/cmd/root"
	"github.com/axero-cli/axero/internal/emulator"
)

// interleaved records what a command writes to stdout and stderr in the
// order it was written, so that a test can tell which came first.
type interleaved struct {
	mu     sync.Mutex
	all    strings.Builder
	stdout strings.Builder
}

type stream struct {
	log    *interleaved
	stdout bool
}

func (s stream) Write(p []byte) (int, error) {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	s.log.all.Write(p)
	if s.stdout {
		s.log.stdout.Write(p)
	}
	return len(p), nil
}

// runInterleaved runs a command of e with both streams recorded in order.
func runInterleaved(t *testing.T, e *cmdtest.Env, args ...string) (all, stdout string) {
	t.Helper()
	f, _, _ := e.Factory()
	log := &interleaved{}
	f.IO.Out, f.IO.ErrOut = stream{log, true}, stream{log, false}
	if code := root.Execute(context.Background(), f, args); code != 0 {
		t.Fatalf("axero %s: exit %d\n%s", strings.Join(args, " "), code, log.all.String())
	}
	return log.all.String(), log.stdout.String()
}

// Under GitHub Actions each command that reveals a token masks it first,
// on stderr; stdout still holds the token alone.
func TestGitHubActionsMasksRevealedTokens(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.Vars["GITHUB_ACTIONS"] = "true"
	check := func(what, all, stdout string) {
		t.Helper()
		secret := strings.TrimSpace(stdout)
		if !strings.HasPrefix(secret, "eyJ") || strings.Contains(secret, "\n") {
			t.Fatalf("%s: stdout is not one token: %q", what, stdout)
		}
		mask := "::add-mask::" + secret + "\n"
		at := strings.Index(all, mask)
		if at < 0 {
			t.Fatalf("%s: no mask line:\n%s", what, all)
		}
		if first := strings.Index(all, secret); first < at+len("::add-mask::") {
			t.Fatalf("%s: the token appears before its mask line:\n%s", what, all)
		}
	}
	all, stdout := runInterleaved(t, e, "token", "create", "--name", "ci")
	check("token create", all, stdout)

	all, stdout = runInterleaved(t, e, "token", "rotate", "ci")
	check("token rotate", all, stdout)

	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	all, stdout = runInterleaved(t, e, "token", "create-for-user", "--user", "jdoe", "--name", "imp")
	check("token create-for-user", all, stdout)
}

func TestNoMaskOutsideGitHubActions(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	for _, v := range []string{"", "false"} {
		e.Vars["GITHUB_ACTIONS"] = v
		all, stdout := runInterleaved(t, e, "token", "create", "--name", "local"+v)
		if strings.Contains(all, "::add-mask::") {
			t.Fatalf("GITHUB_ACTIONS=%q: a mask line:\n%s", v, all)
		}
		if !strings.HasPrefix(stdout, "eyJ") {
			t.Fatalf("stdout %q", stdout)
		}
	}
}
