// End-to-end tests of delivered rotation (`token rotate --to`, `token
// create --to`): the real binary against the Axero emulator and the
// emulators of GitHub, GitLab, Vault and AWS Secrets Manager, compared
// with what each of them holds afterwards.
package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/emulator/githubemu"
	"github.com/axero-cli/axero/internal/emulator/sinkemu"
	"github.com/axero-cli/axero/internal/emulator/sinkset"
)

// deliveryEnv is one test's world: a site, the four sink emulators, a
// working directory and a token named "ci" of jdoe to rotate.
type deliveryEnv struct {
	t         *testing.T
	srv       *emulator.Server
	set       *sinkset.Set
	dir       string
	bin       string
	old       int64
	oldSecret string
	vars      map[string]string
}

func newDeliveryEnv(t *testing.T) *deliveryEnv {
	t.Helper()
	return newDeliveryEnvWith(t, emulator.Options{RecordSecrets: true})
}

// newDeliveryEnvWith is newDeliveryEnv with the site's options.
func newDeliveryEnvWith(t *testing.T, opts emulator.Options) *deliveryEnv {
	t.Helper()
	srv := emulator.NewTest(t, opts)
	set, err := sinkset.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = set.Close() })
	bin, err := exec.LookPath("axero")
	if err != nil {
		t.Fatalf("axero is not on PATH (TestMain puts it there): %v", err)
	}
	e := &deliveryEnv{t: t, srv: srv, set: set, dir: t.TempDir(), bin: bin}
	exp := time.Now().Add(90 * 24 * time.Hour)
	ct, err := srv.MintToken(3, "ci", &exp, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.old, e.oldSecret = ct.TokenID, ct.Secret
	e.vars = map[string]string{
		"PATH":             os.Getenv("PATH"),
		"HOME":             e.dir,
		"AXERO_CONFIG_DIR": filepath.Join(e.dir, "config"),
		"AXERO_KEYCHAIN":   "off",
		"AXERO_NO_PROMPT":  "1",
		"AXERO_URL":        srv.URL(),
		"AXERO_TOKEN":      srv.SeedToken("jdoe"),
		// The AWS SDK must find nothing of the machine's own.
		"AWS_CONFIG_FILE":             filepath.Join(e.dir, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(e.dir, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
	for _, v := range set.Env() {
		e.vars[v.Name] = v.Value
	}
	// The exec sink's command: it keeps what arrives on stdin, and fails
	// if the token is anywhere in its argv or its environment.
	script := `tok=$(cat)
for a in "$0" "$@"; do case "$a" in *"$tok"*) echo "the token is in argv" >&2; exit 9;; esac; done
if env | grep -F -q -- "$tok"; then echo "the token is in the environment" >&2; exit 8; fi
if tr '\0' '\n' < /proc/$$/cmdline 2>/dev/null | grep -F -q -- "$tok"; then echo "the token is in the command line" >&2; exit 7; fi
umask 077
printf '%s' "$tok" > "$1"
`
	if err := os.WriteFile(filepath.Join(e.dir, "take.sh"), []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// sinks are the six kinds of --to this end-to-end test drives.
func (e *deliveryEnv) sinks() []string {
	return []string{
		"github:acme/api#AXERO_TOKEN",
		"vault:secret/ci/axero#token",
		"gitlab:project/acme/api#AXERO_TOKEN",
		"aws-sm:ci/axero",
		"file:" + filepath.Join(e.dir, "axero.env") + "#AXERO_TOKEN",
		"exec:sh " + filepath.Join(e.dir, "take.sh") + " " + filepath.Join(e.dir, "exec.out"),
	}
}

func toArgs(sinks []string) []string {
	var out []string
	for _, s := range sinks {
		out = append(out, "--to", s)
	}
	return out
}

type deliveryRun struct {
	code           int
	stdout, stderr string
	signal         syscall.Signal
}

func (e *deliveryEnv) run(bin string, extra map[string]string, args ...string) deliveryRun {
	e.t.Helper()
	cmd := exec.Command(bin, args...) //nolint:gosec // the axero binary this test suite built
	cmd.Dir = e.dir
	for k, v := range e.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := deliveryRun{code: exitCode(err), stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok { //nolint:errorlint // Run returns *exec.ExitError itself
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.signal = ws.Signal()
		}
	}
	return r
}

// live are the live tokens named name.
func (e *deliveryEnv) live(name string) []emulator.TokenState {
	var out []emulator.TokenState
	for _, ts := range e.srv.Tokens() {
		if ts.Name == name && !ts.Revoked {
			out = append(out, ts)
		}
	}
	return out
}

func (e *deliveryEnv) revoked(id int64) bool {
	for _, ts := range e.srv.Tokens() {
		if ts.TokenID == id {
			return ts.Revoked
		}
	}
	return true
}

// held is what each sink holds now, by sink.
func (e *deliveryEnv) held() map[string]string {
	out := map[string]string{}
	if s, ok := e.set.GitHub.Secret(githubemu.Repo("acme", "api"), "AXERO_TOKEN"); ok {
		out["github"] = s.Value
	}
	if data, _, ok := e.set.Vault.Read("", "secret", "ci/axero"); ok {
		out["vault"] = data["token"]
	}
	if v, ok := e.set.GitLab.Variable("projects", "acme/api", "AXERO_TOKEN", "*"); ok {
		out["gitlab"] = v.Value
	}
	if v, ok := e.set.AWS.Staged(sinkset.AWSSecret, "AWSCURRENT"); ok {
		out["aws-sm"] = v
	}
	if b, err := os.ReadFile(filepath.Join(e.dir, "axero.env")); err == nil { //nolint:gosec // the test's own file
		out["file"] = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(b)), "AXERO_TOKEN="))
	}
	if b, err := os.ReadFile(filepath.Join(e.dir, "exec.out")); err == nil { //nolint:gosec // the test's own file
		out["exec"] = string(b)
	}
	return out
}

// tokenOf is the live token whose value is secret, if any.
func (e *deliveryEnv) tokenOf(secret string) (emulator.TokenState, bool) {
	ts, ok := e.srv.TokenByHash(e.srv.HashSecret(secret))
	return ts, ok && !ts.Revoked
}

// works asks the site who secret is: the proof a consumer would make.
func (e *deliveryEnv) works(secret string) bool {
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL()+"/api/users/me", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// noSecretIn fails when any token value the site ever issued, or any
// sink credential, is in text.
func (e *deliveryEnv) noSecretIn(what, text string) {
	e.t.Helper()
	for _, s := range e.srv.Secrets() {
		sig := s[strings.LastIndex(s, ".")+1:]
		if strings.Contains(text, sig) {
			e.t.Fatalf("a token value leaked into %s:\n%s", what, text)
		}
	}
	for _, cred := range []string{sinkset.GitHubToken, sinkset.GitLabToken, sinkset.VaultToken, sinkset.AWSSecretKey} {
		if strings.Contains(text, cred) {
			e.t.Fatalf("a sink credential leaked into %s:\n%s", what, text)
		}
	}
}

// secretsOnlyInPrivateFiles fails when a file under the test's directory
// holds a token value the site issued and others may read it.
func (e *deliveryEnv) secretsOnlyInPrivateFiles() {
	e.t.Helper()
	err := filepath.Walk(e.dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path) //nolint:gosec // the test's own directory
		if err != nil {
			return err
		}
		for _, s := range e.srv.Secrets() {
			if bytes.Contains(b, []byte(s[strings.LastIndex(s, ".")+1:])) && fi.Mode().Perm() != 0o600 {
				e.t.Errorf("%s holds a token and is %v", path, fi.Mode().Perm())
			}
		}
		if strings.Contains(path, string(filepath.Separator)+"locks"+string(filepath.Separator)) {
			for _, s := range e.srv.Secrets() {
				if bytes.Contains(b, []byte(s[strings.LastIndex(s, ".")+1:])) {
					e.t.Errorf("the lock file %s holds a token", path)
				}
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// pendingFiles are the pending rotation files left in the config.
func (e *deliveryEnv) pendingFiles() []string {
	m, _ := filepath.Glob(filepath.Join(e.dir, "config", "pending", "*.json"))
	return m
}

// checkDone asserts the end state of a finished rotation: the old token
// revoked, one live token named ci, held by every sink, no pending file.
func (e *deliveryEnv) checkDone(kinds ...string) string {
	e.t.Helper()
	if !e.revoked(e.old) {
		e.t.Fatalf("the old token %d is still live", e.old)
	}
	live := e.live("ci")
	if len(live) != 1 {
		e.t.Fatalf("%d live tokens named ci, want 1", len(live))
	}
	held := e.held()
	var secret string
	for _, k := range kinds {
		v := held[k]
		ts, ok := e.tokenOf(v)
		if !ok || ts.TokenID != live[0].TokenID {
			e.t.Fatalf("%s does not hold the live token %d", k, live[0].TokenID)
		}
		secret = v
	}
	if p := e.pendingFiles(); len(p) != 0 {
		e.t.Fatalf("pending files left: %v", p)
	}
	return secret
}

func TestDeliveredRotationToSixSinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the exec sink's command is a shell script")
	}
	e := newDeliveryEnv(t)
	r := e.run(e.bin, nil, append([]string{"token", "rotate", "ci", "--debug"}, toArgs(e.sinks())...)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	secret := e.checkDone("github", "vault", "gitlab", "aws-sm", "file", "exec")
	if !e.works(secret) {
		t.Fatal("the delivered token does not work")
	}
	if r.stdout != "" {
		t.Fatalf("piped stdout holds %q; with --to the sinks hold the token", r.stdout)
	}
	if !strings.Contains(r.stderr, "Delivered token") || !strings.Contains(r.stderr, fmt.Sprintf("Revoked the old token %d.", e.old)) {
		t.Fatalf("stderr:\n%s", r.stderr)
	}
	e.noSecretIn("stderr (with --debug)", r.stderr)
	fi, err := os.Stat(filepath.Join(e.dir, "axero.env"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the file sink is %v (%v), want 0600", fi.Mode(), err)
	}

	// -o json: the record without the secret, with every sink's state.
	r = e.run(e.bin, nil, append([]string{"token", "rotate", "ci", "-o", "json"}, toArgs(e.sinks()[:2])...)...)
	if r.code != 0 || !strings.Contains(r.stdout, `"deliveries":[{"sink":"github:acme/api#AXERO_TOKEN","state":"committed"}`) {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	e.noSecretIn("-o json", r.stdout)
}

func TestDeliveredRotationRefusedThenResumed(t *testing.T) {
	e := newDeliveryEnv(t)
	oldSecret := e.oldSecret
	sinks := e.sinks()[:5] // all but exec
	e.set.GitLab.SetFaults(sinkemu.Faults{ForbidWrites: true})
	r := e.run(e.bin, nil, append([]string{"token", "rotate", "ci"}, toArgs(sinks)...)...)
	if r.code != 5 {
		t.Fatalf("exit %d, want 5\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"gitlab:project/acme/api#AXERO_TOKEN\tfailed at put", "github:acme/api#AXERO_TOKEN\tverified", "axero token rotate ci --resume", "was not touched and still works"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	e.noSecretIn("stderr", r.stderr)
	if !e.works(oldSecret) {
		t.Fatal("the old token no longer works after a partial delivery")
	}
	pending := e.pendingFiles()
	if len(pending) != 1 {
		t.Fatalf("pending files: %v", pending)
	}
	if fi, _ := os.Stat(pending[0]); fi.Mode().Perm() != 0o600 {
		t.Fatalf("the pending file is %v", fi.Mode())
	}
	e.secretsOnlyInPrivateFiles()
	// Another plain run refuses, and says how to go on.
	r = e.run(e.bin, nil, append([]string{"token", "rotate", "ci"}, toArgs(sinks)...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "is unfinished: new token") || !strings.Contains(r.stderr, "held by 4 of 5 sinks") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}

	e.set.GitLab.SetFaults(sinkemu.Faults{})
	r = e.run(e.bin, nil, "token", "rotate", "ci", "--resume")
	if r.code != 0 {
		t.Fatalf("resume: exit %d\n%s", r.code, r.stderr)
	}
	e.checkDone("github", "vault", "gitlab", "aws-sm", "file")
	if e.works(oldSecret) {
		t.Fatal("the old token still works after the rotation finished")
	}
}

// crashBinary builds axero with the crash points compiled in, once.
var crashBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "axero-crash-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "axero-crash")
	out, err := exec.Command("go", "build", "-tags", "axero_crashpoints", "-o", bin, ".").CombinedOutput() //nolint:gosec // the go tool the tests were built with
	if err != nil {
		return "", fmt.Errorf("%w\n%s", err, out)
	}
	return bin, nil
})

// Killed at every step, a rotation is finished by --resume, and at every
// moment the old token is revoked only when every sink holds the new one,
// and a minted token is delivered or revoked.
func TestDeliveredRotationKilledAtEveryStep(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	bin, err := crashBinary()
	if err != nil {
		t.Fatal(err)
	}
	points := []string{"intent", "mint", "minted"}
	for i := 1; i <= 2; i++ {
		for _, op := range []string{"put", "verify"} {
			points = append(points, fmt.Sprintf("%s:%d", op, i), fmt.Sprintf("%s:%d:done", op, i))
		}
	}
	points = append(points, "delivered", "commit:1", "commit:1:done", "commit:2", "commit:2:done", "committed", "retired")
	for _, point := range points {
		t.Run(point, func(t *testing.T) {
			e := newDeliveryEnv(t)
			sinks := []string{"vault:secret/ci/axero#token", "aws-sm:ci/axero"}
			r := e.run(bin, map[string]string{"AXERO_TEST_CRASH_AT": point}, append([]string{"token", "rotate", "ci"}, toArgs(sinks)...)...)
			if r.signal != syscall.SIGKILL {
				t.Fatalf("the run was not killed at %s: exit %d\n%s", point, r.code, r.stderr)
			}
			// The invariants, right after the kill.
			held := e.held()
			if e.revoked(e.old) {
				for _, k := range []string{"vault", "aws-sm"} {
					if _, ok := e.tokenOf(held[k]); !ok {
						t.Fatalf("the old token is revoked, but %s holds no live token", k)
					}
				}
			}
			for _, ts := range e.live("ci") {
				if ts.TokenID != e.old && len(e.pendingFiles()) == 0 {
					t.Fatalf("token %d is live, with no pending file to finish its delivery", ts.TokenID)
				}
			}
			// A plain run does not take the unfinished rotation for an
			// ambiguous name: it says how to finish it, or, when nothing
			// was kept yet, settles it and starts afresh.
			if point != "intent" && point != "mint" {
				r = e.run(bin, nil, append([]string{"token", "rotate", "ci"}, toArgs(sinks)...)...)
				if r.code != 1 || !strings.Contains(r.stderr, "is unfinished") || !strings.Contains(r.stderr, "axero token rotate ci --resume") {
					t.Fatalf("a plain run after %s: exit %d\n%s", point, r.code, r.stderr)
				}
			}
			r = e.run(bin, nil, append([]string{"token", "rotate", "ci", "--resume"}, toArgs(sinks)...)...)
			if r.code != 0 {
				t.Fatalf("resume after %s: exit %d\n%s", point, r.code, r.stderr)
			}
			e.noSecretIn("stderr", r.stderr)
			e.checkDone("vault", "aws-sm")
			for _, ts := range e.srv.Tokens() {
				if ts.Name == "ci" && !ts.Revoked && ts.TokenID != e.live("ci")[0].TokenID {
					t.Fatalf("token %d was minted and is neither delivered nor revoked", ts.TokenID)
				}
			}
		})
	}
}

// Two overlapping rotations of one token, 20 times: exactly one live
// token of the name afterwards, every time. Half the rounds share a
// configuration directory (the second waits for the first's lock), half
// do not (two machines: the lower TokenID wins).
func TestOverlappingRotationsLeaveOneLiveToken(t *testing.T) {
	for round := range 20 {
		e := newDeliveryEnv(t)
		var wg sync.WaitGroup
		results := make([]deliveryRun, 2)
		for i := range 2 {
			extra := map[string]string{}
			if round%2 == 1 {
				extra["AXERO_CONFIG_DIR"] = filepath.Join(e.dir, fmt.Sprintf("machine-%d", i))
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.run(e.bin, extra, "token", "rotate", "ci", "--to", fmt.Sprintf("file:%s", filepath.Join(e.dir, fmt.Sprintf("out-%d", i))))
			}()
		}
		wg.Wait()
		live := e.live("ci")
		if len(live) != 1 {
			t.Fatalf("round %d: %d live tokens named ci\nrun 1: exit %d %s\nrun 2: exit %d %s", round, len(live), results[0].code, results[0].stderr, results[1].code, results[1].stderr)
		}
		ok := 0
		for _, r := range results {
			switch r.code {
			case 0:
				ok++
			case 1, 4:
				if strings.Contains(r.stderr, "now holds") {
					t.Fatalf("round %d: a run that failed claims a profile holds its token:\n%s", round, r.stderr)
				}
			default:
				t.Fatalf("round %d: exit %d\n%s", round, r.code, r.stderr)
			}
		}
		if ok == 0 {
			t.Fatalf("round %d: neither run succeeded\n%s\n%s", round, results[0].stderr, results[1].stderr)
		}
		// The live token is the one a successful run delivered.
		delivered := false
		for i := range 2 {
			b, _ := os.ReadFile(filepath.Join(e.dir, fmt.Sprintf("out-%d", i))) //nolint:gosec // the test's own file
			if ts, ok := e.tokenOf(strings.TrimSpace(string(b))); ok && ts.TokenID == live[0].TokenID {
				delivered = true
			}
		}
		if !delivered {
			t.Fatalf("round %d: the live token %d is in no sink", round, live[0].TokenID)
		}
	}
}

// The same with the token held by a profile (no AXERO_TOKEN): the profile
// ends up holding the one live token, and a run that did not store it
// never claims it did.
func TestOverlappingRotationsOfAProfilesToken(t *testing.T) {
	for round := range 6 {
		e := newDeliveryEnv(t)
		delete(e.vars, "AXERO_TOKEN")
		cmd := exec.Command(e.bin, "login", "--with-token", "--insecure-storage") //nolint:gosec // the axero binary this test suite built
		for k, v := range e.vars {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Stdin = strings.NewReader(e.oldSecret + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("login: %v\n%s", err, out)
		}
		var wg sync.WaitGroup
		results := make([]deliveryRun, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.run(e.bin, nil, "token", "rotate", "ci")
			}()
		}
		wg.Wait()
		live := e.live("ci")
		if len(live) != 1 {
			t.Fatalf("round %d: %d live tokens named ci\n%s\n%s", round, len(live), results[0].stderr, results[1].stderr)
		}
		held, err := os.ReadFile(filepath.Join(e.dir, "config", "credentials", "default")) //nolint:gosec // the test's own file
		if err != nil {
			t.Fatal(err)
		}
		if ts, ok := e.tokenOf(strings.TrimSpace(string(held))); !ok || ts.TokenID != live[0].TokenID {
			t.Fatalf("round %d: the profile does not hold the live token %d\n%s\n%s", round, live[0].TokenID, results[0].stderr, results[1].stderr)
		}
		for _, r := range results {
			if r.code != 0 && strings.Contains(r.stderr, "now holds") {
				t.Fatalf("round %d: a failed run claims the profile holds its token:\n%s", round, r.stderr)
			}
		}
	}
}

// Two overlapping rotations of one token given by ID: the one that waited
// finds it gone, and says so.
func TestOverlappingRotationsByID(t *testing.T) {
	for round := range 3 {
		e := newDeliveryEnv(t)
		var wg sync.WaitGroup
		results := make([]deliveryRun, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.run(e.bin, nil, "token", "rotate", fmt.Sprint(e.old), "--to", "file:"+filepath.Join(e.dir, fmt.Sprintf("out-%d", i)))
			}()
		}
		wg.Wait()
		codes := []int{results[0].code, results[1].code}
		oneWon := codes[0]+codes[1] == 4 && codes[0]*codes[1] == 0
		if len(e.live("ci")) != 1 || !oneWon {
			t.Fatalf("round %d: exits %v, %d live\n%s\n%s", round, codes, len(e.live("ci")), results[0].stderr, results[1].stderr)
		}
		for _, r := range results {
			if r.code == 4 && !strings.Contains(r.stderr, fmt.Sprintf("token %d no longer exists: another rotation replaced it", e.old)) && !strings.Contains(r.stderr, "no token matches") {
				t.Fatalf("round %d: %s", round, r.stderr)
			}
		}
	}
}

func TestGraceThenRevokeSuperseded(t *testing.T) {
	e := newDeliveryEnv(t)
	r := e.run(e.bin, nil, "token", "rotate", "ci", "--to", "vault:secret/ci/axero#token", "--grace", "7d")
	if r.code != 0 || !strings.Contains(r.stderr, "superseded; revoke after") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if e.revoked(e.old) {
		t.Fatal("--grace revoked the old token")
	}
	// Not yet due: nothing to revoke.
	r = e.run(e.bin, nil, "token", "revoke", "--superseded", "--yes")
	if r.code != 0 || e.revoked(e.old) {
		t.Fatalf("exit %d, old revoked %v\n%s", r.code, e.revoked(e.old), r.stderr)
	}
	// A token whose marker has passed is revoked; the fresh one is not.
	past, err := e.srv.MintToken(3, "nightly (superseded; revoke after 2026-01-01T00:00Z)", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	r = e.run(e.bin, nil, "token", "revoke", "--superseded", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprint(past.TokenID)) || strings.Contains(r.stdout, fmt.Sprint(e.old)) {
		t.Fatalf("dry run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = e.run(e.bin, nil, "token", "revoke", "--superseded")
	if r.code != 2 || e.revoked(past.TokenID) {
		t.Fatalf("without --yes: exit %d", r.code)
	}
	r = e.run(e.bin, nil, "token", "revoke", "--superseded", "--yes")
	if r.code != 0 || !e.revoked(past.TokenID) || e.revoked(e.old) {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

func TestDeliveredCreateAndAbandon(t *testing.T) {
	e := newDeliveryEnv(t)
	r := e.run(e.bin, nil, "token", "create", "--name", "svc", "--to", "vault:secret/svc#token", "--dry-run")
	if r.code != 0 || len(e.live("svc")) != 0 {
		t.Fatalf("--dry-run: exit %d, %d minted\n%s", r.code, len(e.live("svc")), r.stderr)
	}
	r = e.run(e.bin, nil, "token", "create", "--name", "svc", "--to", "vault:secret/svc#token")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	data, _, _ := e.set.Vault.Read("", "secret", "svc")
	if ts, ok := e.tokenOf(data["token"]); !ok || ts.Name != "svc" {
		t.Fatal("vault does not hold the new token")
	}
	// A sink whose check fails: nothing is minted, exit 3 for a refused
	// credential.
	e.vars["VAULT_TOKEN"] = "hvs.wrong"
	r = e.run(e.bin, nil, "token", "create", "--name", "svc2", "--to", "vault:secret/svc2#token")
	if r.code != 3 || len(e.live("svc2")) != 0 || !strings.Contains(r.stderr, "vault:secret/svc2#token") {
		t.Fatalf("exit %d, %d minted\n%s", r.code, len(e.live("svc2")), r.stderr)
	}
	e.vars["VAULT_TOKEN"] = sinkset.VaultToken
	// Under GitHub Actions the token is masked before any sink runs.
	r = e.run(e.bin, map[string]string{"GITHUB_ACTIONS": "true"}, "token", "create", "--name", "svc4", "--to", "vault:secret/svc4#token")
	data, _, _ = e.set.Vault.Read("", "secret", "svc4")
	if r.code != 0 || data["token"] == "" || !strings.Contains(r.stderr, "::add-mask::"+data["token"]+"\n") || strings.Count(r.stderr, "::add-mask::") != 1 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	// A partial delivery, then --abandon: the new token is revoked.
	e.set.GitHub.SetFaults(sinkemu.Faults{ForbidWrites: true})
	r = e.run(e.bin, nil, "token", "create", "--name", "svc3", "--to", "vault:secret/svc3#token", "--to", "github:acme/api#SVC3")
	if r.code != 5 || len(e.live("svc3")) != 1 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	r = e.run(e.bin, nil, "token", "create", "--name", "svc3", "--abandon")
	if r.code != 0 || len(e.live("svc3")) != 0 || !strings.Contains(r.stderr, "vault:secret/svc3#token") || len(e.pendingFiles()) != 0 {
		t.Fatalf("abandon: exit %d\n%s", r.code, r.stderr)
	}
}
