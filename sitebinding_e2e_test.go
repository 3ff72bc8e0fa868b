// End-to-end tests of the rule that a stored token never leaves its site:
// the real binary, one profile logged in to emulator A, and a second
// emulator B that records the Authorization header of every request it
// receives. Whatever --url or AXERO_URL says, B must never see A's token.
package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/axero-cli/axero/internal/emulator"
)

// recordingSite is an emulator behind a server that notes the
// Authorization header of each request before the emulator answers it.
type recordingSite struct {
	*emulator.Server
	url string

	mu    sync.Mutex
	auths []string
}

func startRecordingSite(t *testing.T) *recordingSite {
	t.Helper()
	s := &recordingSite{}
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.auths = append(s.auths, r.Header.Get("Authorization"))
		s.mu.Unlock()
		s.ServeHTTP(w, r)
	}))
	s.url = "http://" + hs.Listener.Addr().(*net.TCPAddr).String()
	s.Server = emulator.New(emulator.Options{URL: s.url, RecordSecrets: true})
	hs.Start()
	t.Cleanup(hs.Close)
	return s
}

// bearers are the Authorization headers received so far that carried
// anything.
func (s *recordingSite) bearers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, a := range s.auths {
		if a != "" {
			out = append(out, a)
		}
	}
	return out
}

func (s *recordingSite) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.auths)
}

// siteWorld is a configuration directory and the environment the binary
// runs with; AXERO_URL is not set unless a test sets it.
type siteWorld struct {
	t   *testing.T
	dir string
	env []string
}

func newSiteWorld(t *testing.T) *siteWorld {
	t.Helper()
	dir := t.TempDir()
	return &siteWorld{t: t, dir: dir, env: []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"AXERO_CONFIG_DIR=" + filepath.Join(dir, "config"),
		"AXERO_KEYCHAIN=off", "AXERO_NO_PROMPT=1", "NO_COLOR=1",
	}}
}

type runResult struct {
	code           int
	stdout, stderr string
}

func (w *siteWorld) run(extraEnv []string, stdin string, args ...string) runResult {
	w.t.Helper()
	bin, err := exec.LookPath("axero")
	if err != nil {
		w.t.Fatalf("axero is not on PATH (TestMain puts it there): %v", err)
	}
	cmd := exec.Command(bin, args...) //nolint:gosec // test runs the axero binary it found on PATH
	cmd.Dir = w.dir
	cmd.Env = append(append([]string{}, w.env...), extraEnv...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	return runResult{code: exitCode(cmd.Run()), stdout: out.String(), stderr: errOut.String()}
}

// commandsWithAStoredToken are commands that would authenticate with the
// profile's stored token, with the exit status each must end with when
// that token may not go to the site in use.
var commandsWithAStoredToken = []struct {
	args []string
	code int
}{
	{[]string{"token", "list"}, 3},
	{[]string{"call", "users/me"}, 3},
	{[]string{"token", "create", "--name", "leak"}, 3},
	{[]string{"token", "rename", "100003", "renamed"}, 3},
	{[]string{"token", "revoke", "100003", "--yes"}, 3},
	{[]string{"token", "rotate", "100003"}, 3},
	{[]string{"token", "audit"}, 3},
	{[]string{"token", "create-for-user", "--user", "jdoe", "--name", "leak"}, 3},
	{[]string{"token", "revoke", "--from", "revoke.csv", "--yes"}, 3},
	{[]string{"token", "rotate", "--from", "old.jsonl", "--out", "new.jsonl"}, 3},
	{[]string{"exec", "--", "true"}, 3},
	{[]string{"status"}, 3},
	{[]string{"status", "--offline"}, 3},
	{[]string{"doctor"}, 1},
	{[]string{"logout", "--revoke"}, 3},
	{[]string{"__complete", "token", "revoke", ""}, 0},
}

func TestStoredTokenNeverReachesAnotherSite(t *testing.T) {
	a := emulator.NewTest(t, emulator.Options{RecordSecrets: true})
	b := startRecordingSite(t)
	w := newSiteWorld(t)
	if err := os.WriteFile(filepath.Join(w.dir, "revoke.csv"), []byte("TokenID\n100003\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := `{"user":"jdoe","UserID":3,"TokenID":100003,"name":"seed","expires":null,"token":"eyJ.x.y"}` + "\n"
	if err := os.WriteFile(filepath.Join(w.dir, "old.jsonl"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := w.run([]string{"AXERO_URL=" + a.URL()}, a.SeedToken("jdoe")+"\n", "login", "--with-token", "--insecure-storage"); r.code != 0 {
		t.Fatalf("login to A: exit %d\n%s", r.code, r.stderr)
	}
	ways := map[string]func(args []string) ([]string, []string){
		"AXERO_URL": func(args []string) ([]string, []string) { return []string{"AXERO_URL=" + b.url}, args },
		"--url":     func(args []string) ([]string, []string) { return nil, append([]string{"--url", b.url}, args...) },
		"AXERO_URL and --debug": func(args []string) ([]string, []string) {
			return []string{"AXERO_URL=" + b.url}, append([]string{"--debug"}, args...)
		},
		"--url and AXERO_DEBUG": func(args []string) ([]string, []string) {
			return []string{"AXERO_DEBUG=1"}, append([]string{"--url", b.url}, args...)
		},
	}
	for way, apply := range ways {
		for _, c := range commandsWithAStoredToken {
			env, args := apply(c.args)
			r := w.run(env, "", args...)
			what := way + ": axero " + strings.Join(args, " ")
			if r.code != c.code {
				t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", what, r.code, c.code, r.stdout, r.stderr)
			}
			if got := b.bearers(); len(got) > 0 {
				t.Fatalf("%s: site B received %d request(s) with an Authorization header", what, len(got))
			}
			if strings.Contains(r.stdout+r.stderr, a.SeedToken("jdoe")) {
				t.Fatalf("%s: printed the stored token", what)
			}
			if c.code == 3 && !strings.Contains(r.stderr, b.url) {
				t.Errorf("%s: stderr does not name site B:\n%s", what, r.stderr)
			}
		}
	}
	// The refusal is one line naming both sites and the two ways forward.
	r := w.run([]string{"AXERO_URL=" + b.url}, "", "token", "list")
	for _, want := range []string{a.URL(), b.url + " (from AXERO_URL)", "axero --profile 127.0.0.1-", "login --url " + b.url, "AXERO_TOKEN"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("refusal lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("refusal is not one line:\n%s", r.stderr)
	}
	if a.RequestCount("", "/api") == 0 {
		t.Fatal("site A was never asked anything: the login above did not happen")
	}
}

func TestSiteOfAnotherProfileUsesThatProfilesToken(t *testing.T) {
	a := emulator.NewTest(t, emulator.Options{RecordSecrets: true})
	b := startRecordingSite(t)
	w := newSiteWorld(t)
	aToken, bToken := a.SeedToken("jdoe"), b.SeedToken("admin")
	if r := w.run([]string{"AXERO_URL=" + a.URL()}, aToken+"\n", "login", "--with-token", "--insecure-storage"); r.code != 0 {
		t.Fatalf("login to A: exit %d\n%s", r.code, r.stderr)
	}
	if r := w.run([]string{"AXERO_URL=" + b.url}, bToken+"\n", "--profile", "b", "login", "--with-token", "--insecure-storage"); r.code != 0 {
		t.Fatalf("login to B: exit %d\n%s", r.code, r.stderr)
	}
	for _, env := range [][]string{{"AXERO_URL=" + b.url}, {"AXERO_URL=" + strings.ToUpper(b.url) + "/api/"}} {
		r := w.run(env, "", "--debug", "call", "users/me", "--jq", ".UserName")
		if r.code != 0 || strings.TrimSpace(r.stdout) != "admin" {
			t.Fatalf("%v call users/me: exit %d, stdout %q\n%s", env, r.code, r.stdout, r.stderr)
		}
	}
	if r := w.run(nil, "", "--url", b.url, "token", "list"); r.code != 0 {
		t.Fatalf("--url B token list: exit %d\n%s", r.code, r.stderr)
	}
	// Named explicitly, a profile of another site is refused, and the
	// refusal names the profile that is logged in to it.
	r := w.run([]string{"AXERO_URL=" + b.url, "AXERO_PROFILE=default"}, "", "token", "list")
	if r.code != 3 || !strings.Contains(r.stderr, "pass --profile b") {
		t.Fatalf("AXERO_PROFILE=default with B: exit %d\n%s", r.code, r.stderr)
	}
	// status names the site in use, where it comes from, and the profile.
	r = w.run([]string{"AXERO_URL=" + b.url}, "", "status", "--offline")
	if r.code != 0 || !strings.Contains(r.stderr, "Site in use: "+b.url+" (from AXERO_URL), with profile \"b\"") {
		t.Fatalf("status --offline: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = w.run([]string{"AXERO_URL=" + b.url}, "", "status", "--offline", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `{"Profile":"b","Active":true,"Site":"`+b.url+`","SiteFrom":"AXERO_URL"`) ||
		!strings.Contains(r.stdout, `{"Profile":"default","Active":false,`) {
		t.Errorf("status --offline -o json: exit %d\n%s", r.code, r.stdout)
	}
	got := b.bearers()
	if len(got) == 0 {
		t.Fatal("site B received no authenticated request")
	}
	for _, h := range got {
		if h != "Bearer "+bToken {
			t.Fatalf("site B received an Authorization header that is not its own token")
		}
	}
}

func TestStoredTokenIssuedByAnotherSiteIsRefused(t *testing.T) {
	a := emulator.NewTest(t, emulator.Options{RecordSecrets: true})
	b := startRecordingSite(t)
	w := newSiteWorld(t)
	if r := w.run([]string{"AXERO_URL=" + a.URL()}, a.SeedToken("jdoe")+"\n", "login", "--with-token", "--insecure-storage"); r.code != 0 {
		t.Fatalf("login to A: exit %d\n%s", r.code, r.stderr)
	}
	// The profile now says B, but its token file still holds A's token,
	// whose iss names A.
	path := filepath.Join(w.dir, "config", "config.yaml")
	data, err := os.ReadFile(path) //nolint:gosec // the test's own config file
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.ReplaceAll(data, []byte(a.URL()), []byte(b.url)), 0o600); err != nil { //nolint:gosec // the test's own config file
		t.Fatal(err)
	}
	for _, c := range [][]string{{"token", "list"}, {"--debug", "call", "users/me"}, {"exec", "--", "true"}, {"logout", "--revoke"}} {
		r := w.run(nil, "", c...)
		if r.code != 3 || !strings.Contains(r.stderr, "was issued by "+a.URL()+", not by its site "+b.url) {
			t.Errorf("axero %s: exit %d\n%s", strings.Join(c, " "), r.code, r.stderr)
		}
	}
	r := w.run(nil, "", "status", "-o", "json")
	if r.code != 3 || !strings.Contains(r.stdout, `"Cause":"other-site"`) {
		t.Errorf("status: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := w.run(nil, "", "doctor"); r.code != 1 || !strings.Contains(r.stdout, "was issued by") {
		t.Errorf("doctor: exit %d\n%s", r.code, r.stdout)
	}
	if got := b.bearers(); len(got) > 0 {
		t.Fatalf("site B received %d request(s) with an Authorization header", len(got))
	}
}

func TestEnvTokenForAnotherSiteIsWarnedAboutButSent(t *testing.T) {
	a := emulator.NewTest(t, emulator.Options{RecordSecrets: true})
	b := startRecordingSite(t)
	w := newSiteWorld(t)
	r := w.run([]string{"AXERO_URL=" + b.url, "AXERO_TOKEN=" + a.SeedToken("jdoe")}, "", "token", "list")
	// B does not know A's token: the user chose the pair, and B says no.
	if r.code != 3 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "warning: AXERO_TOKEN was issued by "+a.URL()+", but the site in use is "+b.url+" (from AXERO_URL)") {
		t.Errorf("no warning:\n%s", r.stderr)
	}
	if strings.Count(r.stderr, "warning: AXERO_TOKEN") != 1 {
		t.Errorf("the warning is not said once:\n%s", r.stderr)
	}
	if b.requests() == 0 {
		t.Error("AXERO_TOKEN with AXERO_URL no longer reaches the site it names")
	}
	// A token of the site in use gets no warning.
	r = w.run([]string{"AXERO_URL=" + b.url, "AXERO_TOKEN=" + b.SeedToken("jdoe")}, "", "token", "list")
	if r.code != 0 || strings.Contains(r.stderr, "warning") {
		t.Errorf("B's own token: exit %d\n%s", r.code, r.stderr)
	}
}
