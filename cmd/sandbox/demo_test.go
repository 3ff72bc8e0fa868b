package sandbox_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/cmd/root"
	"github.com/axero-cli/axero/internal/iostreams"
)

// TestDemoRunsEveryStep runs the whole tour, as `axero demo` does on a fresh
// machine: it must pass every step and leave no directory behind. The
// factory's environment points at a configuration directory and a site
// that must not be touched: the tour reads its own.
func TestDemoRunsEveryStep(t *testing.T) {
	t.Parallel()
	ios, _, out, errOut := iostreams.Test()
	f := cmdutil.New("test")
	f.IO = ios
	outside := t.TempDir()
	env := map[string]string{"AXERO_CONFIG_DIR": outside, "AXERO_URL": "https://must-not-be-used.invalid", "AXERO_TOKEN": "not-a-token"}
	f.Getenv = func(k string) string { return env[k] }
	if code := root.Execute(context.Background(), f, []string{"demo"}); code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"$ axero login --url",
		"$ axero token create --name ci-deploy --expires 30d",
		"$ axero token rotate ci-deploy-prod",
		"$ axero token rotate ci-deploy-prod --to github:acme/api#AXERO_TOKEN --to gitlab:project/acme/api#AXERO_TOKEN --to vault:secret/ci/axero#token --to file:",
		"$ axero token create-for-user --from",
		"holds 5 token records, mode -rw-------",
		"$ axero token audit --stale 180d --never-expires --exit-code",
		"(exit code 6, as expected)",
		"$ axero token audit --stale 180d -o csv > stale.csv",
		",legacy-import,personal,1002,user0002,",
		"$ axero token revoke --from ",
		"$ axero token audit --stale 180d --exit-code",
		"$ axero token rotate --from ",
		"renewed.jsonl holds 5 token records, mode -rw-------",
		"current.jsonl --if-expiring-within 30d",
		"$ axero token revoke ci-deploy-prod --yes",
		"That was the tour.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`Delivered token \d+ to 4 sinks\.\nRevoked the old token \d+\.`).MatchString(out.String() + errOut.String()) {
		t.Errorf("the delivered rotation did not deliver to the four sinks and then revoke the old token:\n%s\n%s", out, errOut)
	}
	if !regexp.MustCompile(`(?m)^\d+ ci-deploy-prod$`).MatchString(out.String()) {
		t.Errorf("the tour does not show the one token left")
	}
	if !strings.Contains(errOut.String(), "revoked 2, already revoked 0, expired 0, refused 0, failed 0") {
		t.Errorf("the revoke from the audit's CSV did not revoke exactly the two stale tokens:\n%s", errOut)
	}
	// The renewal's summaries go to stderr, as every bulk run's do.
	for _, want := range []string{
		"renewed 5, copied unchanged 0, failed 0, old tokens revoked 5",
		"renewed 0, copied unchanged 5, failed 0, old tokens revoked 0",
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q\n%s", want, errOut)
		}
	}
	m := regexp.MustCompile(`configuration lives in (\S+) and is removed`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatal("the demo did not say where its configuration lives")
	}
	if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("the demo left %s behind", m[1])
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("the demo wrote to the configuration directory of its caller: %v", entries)
	}
}
