// The README's recipes, run as written: every code block marked
// `<!-- recipe: NAME -->` is taken out of README.md and run by the real
// binary against the emulators, with the CI platform's variables set as the
// platform sets them and stubs on PATH for the tools a recipe calls (go,
// kubectl). A recipe that no longer works fails here, not in a user's
// pipeline; a block in "CI recipes" that is not marked fails too.
package main

import (
	"encoding/base64"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/emulator/githubemu"
	"github.com/axero-cli/axero/internal/emulator/sinkset"
)

// exampleSite is the site URL the recipes are written for; the tests
// replace it with the emulator's.
const exampleSite = "https://intranet.example.com"

type recipe struct{ lang, body string }

// readmeRecipes are the marked code blocks of README.md, by name.
func readmeRecipes(t *testing.T) map[string]recipe {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- recipe: ([a-z0-9-]+) -->\n```([a-z]*)\n(.*?)```\n")
	out := map[string]recipe{}
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		if _, dup := out[m[1]]; dup {
			t.Fatalf("README.md has two recipes named %q", m[1])
		}
		out[m[1]] = recipe{lang: m[2], body: m[3]}
	}
	return out
}

// Every code block of the CI recipes section is a marked recipe, and every
// marked recipe has a test below.
func TestREADMERecipesAreAllTested(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## CI recipes\n")
	if !ok {
		t.Fatal("README.md has no CI recipes section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	blocks := regexp.MustCompile("(?m)^```[a-z]+\n").FindAllStringIndex(section, -1)
	marked := regexp.MustCompile("(?m)^<!-- recipe: [a-z0-9-]+ -->\n```[a-z]+\n").FindAllStringIndex(section, -1)
	if len(blocks) != len(marked) {
		t.Errorf("the CI recipes section has %d code blocks, %d of them marked as recipes: mark and test every one", len(blocks), len(marked))
	}
	tested := map[string]bool{"quick-start": true, "github-actions": true, "gitlab-ci": true, "vault": true, "kubernetes": true}
	for name := range readmeRecipes(t) {
		if !tested[name] {
			t.Errorf("recipe %q has no test in readme_recipes_test.go", name)
		}
	}
}

// recipeEnv is one recipe's world: the site, the sink emulators, a token
// jira-sync of admin to rotate, stubs, and the environment every step gets.
type recipeEnv struct {
	t    *testing.T
	srv  *emulator.Server
	set  *sinkset.Set
	dir  string
	old  int64
	vars map[string]string
	// showsTokens: the recipe shows a token on purpose (the quick start
	// creates one to copy); elsewhere no token may reach the output.
	showsTokens bool
}

func newRecipeEnv(t *testing.T) *recipeEnv {
	t.Helper()
	srv := emulator.NewTest(t, emulator.Options{RecordSecrets: true})
	set, err := sinkset.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = set.Close() })
	e := &recipeEnv{t: t, srv: srv, set: set, dir: t.TempDir()}
	exp := time.Now().Add(60 * 24 * time.Hour)
	ct, err := srv.MintToken(emulator.AdminID, "jira-sync", &exp, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.old = ct.TokenID
	stubs := filepath.Join(e.dir, "stubs")
	if err := os.MkdirAll(stubs, 0o755); err != nil { //nolint:gosec // a test's directory of stub commands
		t.Fatal(err)
	}
	e.stub(stubs, "go", `case "$1" in install) exit 0 ;; env) echo /nonexistent ;; *) echo "go stub: $*" >&2; exit 1 ;; esac`)
	// kubectl: `create secret generic NAME --from-file=KEY=/dev/stdin
	// --dry-run=client -o yaml` prints the manifest of what it read on
	// stdin; `apply -f -` keeps the manifest it reads in $KUBE_STORE.
	e.stub(stubs, "kubectl", `set -e
case "$1 $2" in
"create secret")
	name=$4; key=
	for a in "$@"; do case "$a" in --from-file=*=/dev/stdin) key=${a#--from-file=}; key=${key%%=*} ;; esac; done
	[ -n "$key" ] || { echo "kubectl stub: no --from-file=KEY=/dev/stdin" >&2; exit 1; }
	printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\ndata:\n  %s: %s\n' "$name" "$key" "$(base64 -w0)" ;;
"apply -f")
	umask 077; cat > "$KUBE_STORE" ;;
*) echo "kubectl stub: $*" >&2; exit 1 ;;
esac`)
	e.vars = map[string]string{
		"PATH":             stubs + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME":             e.dir,
		"AXERO_CONFIG_DIR": filepath.Join(e.dir, "config"),
		"AXERO_KEYCHAIN":   "off",
		"KUBE_STORE":       filepath.Join(e.dir, "kube-secret.yaml"),
		// The AWS SDK must find nothing of the machine's own.
		"AWS_CONFIG_FILE":             filepath.Join(e.dir, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(e.dir, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
	for _, v := range set.Env() {
		e.vars[v.Name] = v.Value
	}
	return e
}

func (e *recipeEnv) stub(dir, name, body string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil { //nolint:gosec // a stub command must be executable
		e.t.Fatal(err)
	}
}

// siteFor puts the emulator where a recipe names the example site.
func (e *recipeEnv) siteFor(s string) string {
	return strings.ReplaceAll(s, exampleSite, e.srv.URL())
}

// run runs script with shell (its arguments first), the recipe's
// environment and extra, and returns its exit status and output.
func (e *recipeEnv) run(shell []string, script string, extra map[string]string) (int, string) {
	e.t.Helper()
	args := append(append([]string{}, shell[1:]...), script)
	cmd := exec.Command(shell[0], args...) //nolint:gosec // the README's own recipe, run by its test
	cmd.Dir = e.dir
	for k, v := range e.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if !e.showsTokens {
		// The runner reads ::add-mask:: and shows *** for the value from
		// then on: that line is the one place a token may appear.
		log := regexp.MustCompile(`(?m)^::add-mask::.*$`).ReplaceAllString(string(out), "")
		for _, s := range e.srv.Secrets() {
			if strings.Contains(log, s[strings.LastIndex(s, ".")+1:]) {
				e.t.Errorf("a token value reached the job's log:\n%s", out)
			}
		}
	}
	return exitCode(err), string(out)
}

// rotated checks that holder holds the one live jira-sync token of admin,
// and that the old one is revoked.
func (e *recipeEnv) rotated(where, holder string) {
	e.t.Helper()
	ts, ok := e.srv.TokenByHash(e.srv.HashSecret(strings.TrimSpace(holder)))
	if !ok || ts.Revoked || ts.Name != "jira-sync" || ts.UserID != emulator.AdminID {
		e.t.Fatalf("%s does not hold a live jira-sync token of admin (found %v, %+v)", where, ok, ts)
	}
	live := 0
	for _, t := range e.srv.Tokens() {
		if t.TokenID == e.old && !t.Revoked {
			e.t.Errorf("the old token %d is still live after the rotation", e.old)
		}
		if t.Name == "jira-sync" && !t.Revoked {
			live++
		}
	}
	if live != 1 {
		e.t.Errorf("%d live jira-sync tokens, want 1", live)
	}
}

var secretRef = regexp.MustCompile(`\$\{\{\s*secrets\.([A-Z0-9_]+)\s*\}\}`)

type workflowStep struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	Env  map[string]string `yaml:"env"`
}

// GitHub Actions: each run step, as the runner runs it (bash -eo pipefail),
// with the variables the runner sets and the repository's secrets.
func TestREADMERecipeGitHubActions(t *testing.T) {
	t.Parallel()
	r := readmeRecipes(t)["github-actions"]
	var wf struct {
		Jobs map[string]struct {
			Steps []workflowStep `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(r.body), &wf); err != nil {
		t.Fatalf("the GitHub Actions recipe is not YAML: %v", err)
	}
	job, ok := wf.Jobs["rotate"]
	if !ok || len(job.Steps) == 0 {
		t.Fatal("the GitHub Actions recipe has no steps in job rotate")
	}
	e := newRecipeEnv(t)
	secrets := map[string]string{
		"AXERO_ADMIN_TOKEN":  e.srv.SeedToken("admin"),
		"SECRETS_WRITER_PAT": sinkset.GitHubToken,
	}
	runner := map[string]string{
		"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": sinkset.Repo,
		"GITHUB_API_URL": e.set.GitHub.APIURL(), "GH_TOKEN": "", "GITLAB_TOKEN": "",
	}
	step := func(s workflowStep, extra map[string]string) (int, string) {
		env := map[string]string{}
		for k, v := range runner {
			env[k] = v
		}
		for k, v := range s.Env {
			env[k] = e.siteFor(secretRef.ReplaceAllStringFunc(v, func(ref string) string {
				return secrets[secretRef.FindStringSubmatch(ref)[1]]
			}))
		}
		for k, v := range extra {
			env[k] = v
		}
		return e.run([]string{"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"}, s.Run, env)
	}
	var expiryCheck *workflowStep
	for i, s := range job.Steps {
		if s.Uses != "" {
			continue // setting up the toolchain: the test built axero already
		}
		if strings.Contains(s.Name, "expire") {
			expiryCheck = &job.Steps[i]
			continue
		}
		if code, out := step(s, nil); code != 0 {
			t.Fatalf("step %q exited %d:\n%s", s.Name+s.Run, code, out)
		}
	}
	sec, ok := e.set.GitHub.Secret(githubemu.Repo("acme", "api"), "JIRA_SYNC_AXERO_TOKEN")
	if !ok {
		t.Fatal("the repository has no secret JIRA_SYNC_AXERO_TOKEN after the job")
	}
	e.rotated("the GitHub secret", sec.Value)

	// The expiry check: green when nothing expires soon, red with a message
	// when something does, and red as itself when axero fails.
	if expiryCheck == nil {
		t.Fatal("the GitHub Actions recipe has no expiry check step")
	}
	if code, out := step(*expiryCheck, nil); code != 0 {
		t.Errorf("the expiry check failed with nothing expiring (exit %d):\n%s", code, out)
	}
	soon := time.Now().Add(3 * 24 * time.Hour)
	if _, err := e.srv.MintToken(emulator.AdminID, "expiring", &soon, 0); err != nil {
		t.Fatal(err)
	}
	if code, out := step(*expiryCheck, nil); code != 1 || !strings.Contains(out, "expire within 14 days") {
		t.Errorf("the expiry check with a token expiring in 3 days: exit %d, want 1 with a message:\n%s", code, out)
	}
	secrets["AXERO_ADMIN_TOKEN"] = "not-a-token"
	if code, out := step(*expiryCheck, nil); code != 3 {
		t.Errorf("the expiry check with a refused job token: exit %d, want 3 (not swallowed):\n%s", code, out)
	}
	secrets["AXERO_ADMIN_TOKEN"] = e.srv.SeedToken("admin")
	if code, out := step(*expiryCheck, map[string]string{"AXERO_URL": "http://127.0.0.1:1"}); code != 1 || strings.Contains(out, "expire within") {
		t.Errorf("the expiry check with the site down: exit %d, want 1 without the expiry message:\n%s", code, out)
	}
}

// GitLab CI: the image and variables work for axero's toolchain, and the
// script lines run as the runner runs them (one shell, errexit), with the
// variables GitLab sets.
func TestREADMERecipeGitLabCI(t *testing.T) {
	t.Parallel()
	r := readmeRecipes(t)["gitlab-ci"]
	var pipeline map[string]struct {
		Image     string            `yaml:"image"`
		Variables map[string]string `yaml:"variables"`
		Script    []string          `yaml:"script"`
	}
	if err := yaml.Unmarshal([]byte(r.body), &pipeline); err != nil {
		t.Fatalf("the GitLab recipe is not YAML: %v", err)
	}
	job, ok := pipeline["rotate-axero-token"]
	if !ok || len(job.Script) == 0 {
		t.Fatal("the GitLab recipe has no job rotate-axero-token with a script")
	}
	// The golang images set GOTOOLCHAIN=local; go.mod needs go1.27.3.
	if m := regexp.MustCompile(`^golang:1\.(\d+)`).FindStringSubmatch(job.Image); m == nil || (atoi(m[1]) < 27 && job.Variables["GOTOOLCHAIN"] != "auto") {
		t.Errorf("image %q cannot build axero (go1.27.3) unless GOTOOLCHAIN is auto", job.Image)
	}
	if job.Variables["GOTOOLCHAIN"] != "auto" {
		t.Errorf("the GitLab recipe must set GOTOOLCHAIN: auto: the golang images set local")
	}
	e := newRecipeEnv(t)
	env := map[string]string{
		"CI": "true", "GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "schedule",
		"CI_API_V4_URL": e.set.GitLab.APIURL(), "CI_PROJECT_ID": "42",
		"AXERO_TOKEN": e.srv.SeedToken("admin"), "GH_TOKEN": "",
	}
	for k, v := range job.Variables {
		env[k] = e.siteFor(v)
	}
	script := "set -e\n" + strings.Join(job.Script, "\n")
	if code, out := e.run([]string{"sh", "-c"}, script, env); code != 0 {
		t.Fatalf("the GitLab job exited %d:\n%s", code, out)
	}
	v, ok := e.set.GitLab.Variable("projects", sinkset.Repo, "JIRA_SYNC_AXERO_TOKEN", "*")
	if !ok {
		t.Fatal("the project has no variable JIRA_SYNC_AXERO_TOKEN after the job")
	}
	if !v.Masked {
		t.Error("the variable is not masked")
	}
	e.rotated("the GitLab variable", v.Value)
}

// shellRecipe runs a sh recipe with the site and a job token in the
// environment.
func shellRecipe(t *testing.T, name string) *recipeEnv {
	t.Helper()
	r := readmeRecipes(t)[name]
	if r.lang != "sh" {
		t.Fatalf("recipe %q is not a sh block", name)
	}
	e := newRecipeEnv(t)
	env := map[string]string{"AXERO_URL": e.srv.URL(), "AXERO_TOKEN": e.srv.SeedToken("admin"), "CI": "true"}
	if code, out := e.run([]string{"sh", "-ec"}, r.body, env); code != 0 {
		t.Fatalf("recipe %s exited %d:\n%s", name, code, out)
	}
	return e
}

func TestREADMERecipeVault(t *testing.T) {
	t.Parallel()
	e := shellRecipe(t, "vault")
	data, _, ok := e.set.Vault.Read("", sinkset.VaultMount, "integrations/jira")
	if !ok {
		t.Fatal("Vault has no entry secret/integrations/jira after the recipe")
	}
	e.rotated("the Vault entry", data["axero_token"])
}

func TestREADMERecipeKubernetes(t *testing.T) {
	t.Parallel()
	e := shellRecipe(t, "kubernetes")
	manifest, err := os.ReadFile(e.vars["KUBE_STORE"])
	if err != nil {
		t.Fatalf("kubectl apply received nothing: %v", err)
	}
	var secret struct {
		Kind     string                `yaml:"kind"`
		Metadata struct{ Name string } `yaml:"metadata"`
		Data     map[string]string     `yaml:"data"`
	}
	if err := yaml.Unmarshal(manifest, &secret); err != nil || secret.Kind != "Secret" || secret.Metadata.Name != "jira-sync" {
		t.Fatalf("kubectl apply received %q (%v)", manifest, err)
	}
	token, err := base64.StdEncoding.DecodeString(secret.Data["token"])
	if err != nil {
		t.Fatal(err)
	}
	e.rotated("the Kubernetes Secret", string(token))
	if fi, err := os.Stat(e.vars["KUBE_STORE"]); err == nil && fi.Mode().Perm() != 0o600 {
		t.Errorf("the stub's store is %v", fi.Mode().Perm())
	}
}

// The quick start, command by command as a person pastes it into a second
// terminal after the sandbox's export lines.
func TestREADMERecipeQuickStart(t *testing.T) {
	t.Parallel()
	r := readmeRecipes(t)["quick-start"]
	e := newRecipeEnv(t)
	e.showsTokens = true
	env := map[string]string{"AXERO_URL": e.srv.URL(), "ADMIN_TOKEN": e.srv.SeedToken("admin")}
	var ran int
	for _, line := range strings.Split(r.body, "\n") {
		cmdline, ok := strings.CutPrefix(line, "$ ")
		if !ok {
			continue
		}
		ran++
		code, out := e.run([]string{"sh", "-c"}, cmdline, env)
		if code != 0 {
			t.Fatalf("%s: exit %d:\n%s", cmdline, code, out)
		}
		if strings.Contains(cmdline, "users/me") && !strings.Contains(out, "Site Administrator") {
			t.Errorf("%s printed %q", cmdline, out)
		}
	}
	if ran < 3 {
		t.Fatalf("the quick start has %d commands", ran)
	}
	// And the token it created works.
	for _, s := range e.srv.Secrets() {
		if ts, ok := e.srv.TokenByHash(e.srv.HashSecret(s)); ok && ts.Name == "ci-deploy" {
			req, _ := http.NewRequest(http.MethodGet, e.srv.URL()+"/api/users/me", nil)
			req.Header.Set("Authorization", "Bearer "+s)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("the quick start's token does not work: %v", err)
			}
			if resp != nil {
				_ = resp.Body.Close()
			}
			return
		}
	}
	t.Error("the quick start created no token ci-deploy")
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
