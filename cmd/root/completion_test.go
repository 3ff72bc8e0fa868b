package root

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/emulator"
)

// completion is what `axero __complete ...` answered: the offered values,
// their descriptions, and the directive line.
type completion struct {
	values    []string
	descs     map[string]string
	directive string
	raw       string
}

// tab runs `axero __complete args...` as a shell does when the user
// presses TAB.
func tab(t *testing.T, f *cmdutil.Factory, out *bytes.Buffer, args ...string) completion {
	t.Helper()
	out.Reset()
	if err := runAxero(f, append([]string{cobra.ShellCompRequestCmd}, args...)...); err != nil {
		t.Fatalf("__complete %v: %v", args, err)
	}
	c := completion{descs: map[string]string{}, raw: out.String()}
	for _, line := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, ":"):
			c.directive = line
		default:
			value, desc, _ := strings.Cut(line, "\t")
			c.values = append(c.values, value)
			c.descs[value] = desc
		}
	}
	return c
}

func wantValues(t *testing.T, c completion, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(c.values, w) {
			t.Errorf("completion lacks %q; got %q", w, c.values)
		}
	}
}

// noFileDirective is ":4", ShellCompDirectiveNoFileComp: the shell must
// not fall back to file names.
var noFileDirective = ":" + strconv.Itoa(int(cobra.ShellCompDirectiveNoFileComp))

func TestCompleteStaticValuesTouchNothing(t *testing.T) {
	t.Parallel()
	// The factory fails the test if the keychain is opened or a request is
	// sent. The default profile keeps its token in the keychain, so any
	// token lookup would open it.
	f, out, _ := isolatedFactory(t, nil, false)
	saveProfiles(t, f, map[string]string{"default": "https://intranet.example.com"})

	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"token", "list", "--output", ""}, []string{"table", "json", "yaml", "csv"}},
		{[]string{"token", "list", "-o", ""}, []string{"table", "json", "yaml", "csv"}},
		{[]string{"token", "list", "--sort", ""}, []string{"created", "expires", "name", "last-used"}},
		{[]string{"version", "-o", ""}, []string{"table", "json", "yaml"}},
		{[]string{"completion", ""}, []string{"bash", "zsh", "fish", "powershell"}},
	}
	for _, tc := range cases {
		c := tab(t, f, out, tc.args...)
		wantValues(t, c, tc.want...)
		if c.directive != noFileDirective {
			t.Errorf("%v: directive %q, want %q (no file names)", tc.args, c.directive, noFileDirective)
		}
	}
}

func TestCompleteProfilesFromConfigOnly(t *testing.T) {
	t.Parallel()
	f, out, _ := isolatedFactory(t, nil, false)
	saveProfiles(t, f, map[string]string{"work": "https://intranet.example.com", "ci": "https://ci.example.com"})

	c := tab(t, f, out, "token", "list", "--profile", "")
	wantValues(t, c, "work", "ci")
	if c.descs["work"] != "https://intranet.example.com" {
		t.Errorf("work's description %q, want its site", c.descs["work"])
	}
	c = tab(t, f, out, "token", "inspect", "--profile", "w")
	if !slices.Equal(c.values, []string{"work"}) {
		t.Errorf("--profile w completed to %q, want [work]", c.values)
	}
}

func TestCompleteCompletionCommandReplacesCobraDefault(t *testing.T) {
	t.Parallel()
	f, out, _ := isolatedFactory(t, nil, false)
	root := NewCmdRoot(f)
	var found *cobra.Command
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			if found != nil {
				t.Fatal("two completion commands")
			}
			found = c
		}
	}
	if found == nil || found.GroupID != groupOther {
		t.Fatalf("completion command missing or not in the Other group: %+v", found)
	}
	for _, shell := range completionShells {
		out.Reset()
		if err := runAxero(f, "completion", shell); err != nil {
			t.Fatalf("completion %s: %v", shell, err)
		}
		if !strings.Contains(out.String(), "axero") || out.Len() < 500 {
			t.Errorf("completion %s printed no script:\n%s", shell, out)
		}
	}
	err := runAxero(f, "completion", "tcsh")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("completion tcsh: %v (exit %d), want a usage error", err, cmdutil.ExitCode(err))
	}
}

// saveProfiles writes a config whose profiles, named after the keys, keep
// their tokens in the keychain.
func saveProfiles(t *testing.T, f *cmdutil.Factory, sites map[string]string) {
	t.Helper()
	dir, err := config.DirFrom(f.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, url := range sites {
		cfg.SetProfile(name, &config.Profile{URL: url, TokenStore: config.StoreKeychain})
	}
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
}

// emulatorWithTokens starts an emulator where jdoe owns two named tokens
// besides its seed token, and returns jdoe's environment.
func emulatorWithTokens(t *testing.T) (*emulator.Server, map[string]string, []client.CreatedToken) {
	t.Helper()
	srv := emulator.NewTest(t, emulator.Options{RecordSecrets: true})
	jdoe, ok := srv.UserByName("jdoe")
	if !ok {
		t.Fatal("the emulator has no jdoe")
	}
	in90 := time.Now().Add(90 * 24 * time.Hour)
	var minted []client.CreatedToken
	for _, spec := range []struct {
		name    string
		expires *time.Time
	}{{"deploy-prod", &in90}, {"nightly-export", nil}} {
		tok, err := srv.MintToken(jdoe.UserID, spec.name, spec.expires, 0)
		if err != nil {
			t.Fatal(err)
		}
		minted = append(minted, tok)
	}
	env := map[string]string{"AXERO_URL": srv.URL(), "AXERO_TOKEN": srv.SeedToken("jdoe")}
	return srv, env, minted
}

func TestCompleteTokenIDsAndNamesFromServer(t *testing.T) {
	t.Parallel()
	srv, env, minted := emulatorWithTokens(t)
	f, out, errOut := isolatedFactory(t, env, true)

	c := tab(t, f, out, "token", "revoke", "")
	for _, tok := range minted {
		id := strconv.FormatInt(tok.TokenID, 10)
		wantValues(t, c, id, tok.Name)
		if !strings.HasPrefix(c.descs[id], tok.Name+", ") {
			t.Errorf("ID %s described as %q, want its name first", id, c.descs[id])
		}
	}
	if c.directive != noFileDirective {
		t.Errorf("directive %q, want %q", c.directive, noFileDirective)
	}
	for _, secret := range srv.Secrets() {
		if strings.Contains(out.String()+errOut.String(), secret) {
			t.Fatal("a token value appeared in the completion output")
		}
	}

	// A prefix narrows the names; digits complete IDs only.
	c = tab(t, f, out, "token", "rotate", "dep")
	if !slices.Equal(c.values, []string{"deploy-prod"}) {
		t.Errorf("rotate dep completed to %q, want [deploy-prod]", c.values)
	}
	id := strconv.FormatInt(minted[1].TokenID, 10)
	c = tab(t, f, out, "token", "revoke", id)
	if !slices.Equal(c.values, []string{id}) {
		t.Errorf("revoke %s completed to %q, want just that ID", id, c.values)
	}

	// revoke takes several tokens and leaves out those already given.
	c = tab(t, f, out, "token", "revoke", "deploy-prod", "")
	if slices.Contains(c.values, "deploy-prod") || slices.Contains(c.values, strconv.FormatInt(minted[0].TokenID, 10)) {
		t.Errorf("revoke offered deploy-prod again: %q", c.values)
	}
	wantValues(t, c, "nightly-export")

	// rename's second argument is a new name: nothing to offer, nothing sent.
	before := srv.RequestCount("", "")
	c = tab(t, f, out, "token", "rename", "deploy-prod", "")
	if len(c.values) != 0 {
		t.Errorf("rename's NEW-NAME completed to %q, want nothing", c.values)
	}
	if after := srv.RequestCount("", ""); after != before {
		t.Errorf("completing rename's NEW-NAME sent %d requests", after-before)
	}
}

func TestCompleteTokensOfflineOrLoggedOutOffersNothing(t *testing.T) {
	t.Parallel()
	for name, env := range map[string]map[string]string{
		"logged out": nil,
		// Port 9 (discard) on loopback: nothing listens there in a test.
		"offline": {"AXERO_URL": "http://127.0.0.1:9", "AXERO_TOKEN": "eyJhbGciOiJIUzI1NiJ9.e30.x"}, //nolint:gosec // test fixture, not a credential
	} {
		t.Run(name, func(t *testing.T) {
			f, out, errOut := isolatedFactory(t, env, true)
			c := tab(t, f, out, "token", "revoke", "")
			if len(c.values) != 0 {
				t.Errorf("offered %q", c.values)
			}
			if c.directive != noFileDirective {
				t.Errorf("directive %q, want %q", c.directive, noFileDirective)
			}
			if strings.Contains(errOut.String(), "axero:") {
				t.Errorf("an error was printed during completion: %s", errOut)
			}
		})
	}
}

// TestNoHookRunsBeforeCompletion guards the promise that pressing TAB
// touches neither the keychain nor the network: Cobra runs persistent
// pre-run hooks for `__complete` too, so none may exist in the tree.
func TestNoHookRunsBeforeCompletion(t *testing.T) {
	t.Parallel()
	f, _, _ := isolatedFactory(t, nil, false)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.PersistentPreRun != nil || c.PersistentPreRunE != nil {
			t.Errorf("%q has a persistent pre-run hook, which would also run on every TAB", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewCmdRoot(f))
}
