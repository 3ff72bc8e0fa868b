package sandbox

import (
	"context"
	"encoding/json"
	"github.com/spf13/cobra"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/iostreams"
)

// runSandbox runs `axero sandbox args...`, calls during with the running
// server, then stops it as Ctrl-C would and returns its output.
func runSandbox(t *testing.T, during func(*emulator.Server), args ...string) (stdout, stderr string, code int) {
	t.Helper()
	f := cmdutil.New("test")
	ios, _, out, errOut := iostreams.Test()
	f.IO = ios
	f.Getenv = func(string) string { return "" }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := NewCmdSandbox(f, func(ctx context.Context, opts *SandboxOptions) error {
		opts.Started = func(s *emulator.Server) {
			during(s)
			cancel()
		}
		return sandboxRun(ctx, opts)
	})
	c.SetArgs(args)
	c.SetOut(f.IO.Out)
	c.SetErr(f.IO.ErrOut)
	c.SilenceUsage, c.SilenceErrors = true, true
	c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	err := c.ExecuteContext(ctx)
	return out.String(), errOut.String(), cmdutil.ExitCode(err)
}

func getJSON(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var exportRE = regexp.MustCompile(`(?m)^export ([A-Z0-9_]+)='?([^'\n]+)'?$`)

func exports(out string) map[string]string {
	m := map[string]string{}
	for _, sub := range exportRE.FindAllStringSubmatch(out, -1) {
		m[sub[1]] = sub[2]
	}
	return m
}

func TestSandboxPrintsWorkingSeedTokensAndStopsCleanly(t *testing.T) {
	t.Parallel()
	var url string
	var statuses = map[string]int{}
	out, errOut, code := runSandbox(t, func(s *emulator.Server) {
		url = s.URL()
		for user, env := range map[string]string{"admin": "ADMIN_TOKEN", "jdoe": "USER_TOKEN", "noapi": "NOAPI_TOKEN"} {
			statuses[env], _ = getJSON(t, url+"/api/users/me", s.SeedToken(user))
		}
		if _, ok := s.UserByName("user0005"); !ok {
			t.Error("--users 5 did not create user0005")
		}
		p := s.Policy()
		if p.MaxExpirationMinutes != 90*24*60 || !p.AllowNoExpiration || p.DefaultExpirationMinutes != 7*24*60 {
			t.Errorf("policy %+v", p)
		}
	}, "--users", "5", "--max-expiration", "90d", "--default-expiration", "7d", "--allow-no-expiration")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if statuses["ADMIN_TOKEN"] != 200 || statuses["USER_TOKEN"] != 200 || statuses["NOAPI_TOKEN"] != 403 {
		t.Errorf("seed tokens answered %v", statuses)
	}
	ex := exports(out)
	if ex["AXERO_URL"] != url || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("AXERO_URL %q, server at %q", ex["AXERO_URL"], url)
	}
	for _, name := range []string{"ADMIN_TOKEN", "SITEADMIN_TOKEN", "USER_TOKEN", "NOAPI_TOKEN"} {
		if strings.Count(ex[name], ".") != 2 {
			t.Errorf("%s not printed as a JWT: %q", name, ex[name])
		}
	}
	for _, want := range []string{"sandbox only — not real credentials", "axero login --url " + url + " --with-token", "at most 90 days", "allowed", "5 generated users"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "stopped") {
		t.Errorf("stderr %q", errOut)
	}
}

func TestSandboxFaultFlags(t *testing.T) {
	t.Parallel()
	var status int
	var body string
	out, _, code := runSandbox(t, func(s *emulator.Server) {
		status, body = getJSON(t, s.URL()+"/api/users/me", s.SeedToken("jdoe"))
	}, "--fail-rate", "1", "--retry-after", "3s")
	if code != 0 || status != http.StatusServiceUnavailable || !strings.Contains(body, `"IsError":true`) {
		t.Errorf("--fail-rate 1: exit %d, answer %d %s", code, status, body)
	}
	if !strings.Contains(out, "503 on 100% of requests") {
		t.Errorf("faults not described:\n%s", out)
	}
	_, _, _ = runSandbox(t, func(s *emulator.Server) {
		status, body = getJSON(t, s.URL()+"/api/users/me", s.SeedToken("jdoe"))
	}, "--html")
	if status != http.StatusOK || !strings.Contains(body, "<html") {
		t.Errorf("--html: %d %.60s", status, body)
	}
}

func TestSandboxSiteModelFlagsAndControlEndpoint(t *testing.T) {
	t.Parallel()
	var site emulator.Site
	var rate float64
	var status int
	var stats string
	var after emulator.Site
	out, errOut, code := runSandbox(t, func(s *emulator.Server) {
		site, rate = s.Site(), s.Faults().RateLimit
		status, stats = getJSON(t, s.URL()+"/_emulator/stats", "")
		req, _ := http.NewRequest("PUT", s.URL()+"/_emulator/site", strings.NewReader(`{"capacity": 2}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		after = s.Site()
	}, "--capacity", "8", "--overload", "1.5", "--rate-limit", "50", "--latency", "20ms")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if site != (emulator.Site{Capacity: 8, Overload: 1.5}) || rate != 50 {
		t.Errorf("--capacity 8 --overload 1.5 --rate-limit 50 gave %+v and rate %g", site, rate)
	}
	if status != http.StatusOK || !strings.Contains(stats, `"capacity": 8`) || !strings.Contains(stats, `"rate_limit": 50`) {
		t.Errorf("GET /_emulator/stats: %d %s", status, stats)
	}
	if after != (emulator.Site{Capacity: 2, Overload: 1.5}) {
		t.Errorf("PUT /_emulator/site left %+v", after)
	}
	for _, want := range []string{"# Site: 8 requests at once at full speed; past that each request slows by 1.5 × excess / 8", "429 beyond 50 requests/s", "/_emulator/stats", "/_emulator/site"} {
		if !strings.Contains(out, want) {
			t.Errorf("the banner lacks %q:\n%s", want, out)
		}
	}

	// The overload factor defaults to the emulator's.
	_, _, _ = runSandbox(t, func(s *emulator.Server) { site = s.Site() }, "--capacity", "4")
	if site.Capacity != 4 || site.Overload != emulator.DefaultOverload {
		t.Errorf("--capacity 4 gave %+v, want the default overload %d", site, emulator.DefaultOverload)
	}
}

func TestSandboxStateSurvivesARestart(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "sandbox.json")
	var url, minted string
	out1, _, code := runSandbox(t, func(s *emulator.Server) {
		url = s.URL()
		req, _ := http.NewRequest("POST", url+"/api/bearertokens", strings.NewReader(`{"Name":"kept"}`))
		req.Header.Set("Authorization", "Bearer "+s.SeedToken("jdoe"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		var env struct{ ResponseData struct{ Token string } }
		_ = json.NewDecoder(resp.Body).Decode(&env)
		minted = env.ResponseData.Token
	}, "--state", state)
	if code != 0 || minted == "" {
		t.Fatalf("first run: exit %d, minted %q", code, minted)
	}
	seed := exports(out1)["USER_TOKEN"]

	var url2 string
	var mintedStatus, seedStatus int
	out2, errOut, code := runSandbox(t, func(s *emulator.Server) {
		url2 = s.URL()
		mintedStatus, _ = getJSON(t, url2+"/api/users/me", minted)
		seedStatus, _ = getJSON(t, url2+"/api/users/me", seed)
	}, "--state", state)
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, errOut)
	}
	if mintedStatus != 200 || seedStatus != 200 {
		t.Errorf("after a restart the tokens answered %d and %d", mintedStatus, seedStatus)
	}
	if url2 != url {
		t.Errorf("restarted at %s, first at %s", url2, url)
	}
	if len(exports(out2)) != 1 || !strings.Contains(out2, "not") || !strings.Contains(out2, "shown again") {
		t.Errorf("second run printed tokens or no explanation:\n%s", out2)
	}
	if !strings.Contains(errOut, "state saved to "+state) {
		t.Errorf("stderr %q", errOut)
	}
}

func TestSandboxRetryAfterZeroSendsNone(t *testing.T) {
	t.Parallel()
	var header []string
	var sent bool
	_, _, code := runSandbox(t, func(s *emulator.Server) {
		req, _ := http.NewRequest("GET", s.URL()+"/api/users/me", nil)
		req.Header.Set("Authorization", "Bearer "+s.SeedToken("jdoe"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		header, sent = resp.Header["Retry-After"]
	}, "--fail-rate", "1", "--retry-after", "0")
	if code != 0 || sent {
		t.Errorf("--retry-after 0: exit %d, Retry-After %q sent, want none", code, header)
	}
}

func TestSandboxSinksPrintsTheirVariables(t *testing.T) {
	out, _, code := runSandbox(t, func(*emulator.Server) {}, "--sinks")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	vars := exports(out)
	for _, name := range []string{"GITHUB_API_URL", "GH_TOKEN", "CI_API_V4_URL", "GITLAB_TOKEN", "VAULT_ADDR", "VAULT_TOKEN",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		if vars[name] == "" {
			t.Errorf("no export line for %s:\n%s", name, out)
		}
	}
	for _, u := range []string{vars["GITHUB_API_URL"], vars["CI_API_V4_URL"], vars["VAULT_ADDR"], vars["AWS_ENDPOINT_URL_SECRETS_MANAGER"]} {
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Errorf("endpoint %q is not on loopback", u)
		}
	}
	if !strings.Contains(out, "--to vault:secret/ci/axero#token") {
		t.Errorf("the banner does not show the sinks to try:\n%s", out)
	}
}

func TestSandboxSinkLatencyNeedsSinks(t *testing.T) {
	t.Parallel()
	_, _, code := runSandbox(t, func(*emulator.Server) {}, "--sink-latency", "20ms")
	if code != 2 {
		t.Fatalf("--sink-latency without --sinks exited %d, want 2", code)
	}
}
