package cmd

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/iostreams"
)

// TestDemoRunsEveryStep runs the whole tour, as `axero demo` does on a fresh
// machine: it must pass every step and leave no directory behind.
func TestDemoRunsEveryStep(t *testing.T) {
	for _, k := range demoEnv {
		if v, ok := os.LookupEnv(k); ok {
			t.Setenv(k, v) // restored after the test; demoRun clears them
		} else {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	ios, _, out, errOut := iostreams.Test()
	f := cmdutil.New("test")
	f.IO = ios
	if err := demoRun(context.Background(), f); err != nil {
		t.Fatalf("demo failed: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	for _, want := range []string{
		"$ axero login --url",
		"$ axero token create --name ci-deploy --expires 30d",
		"$ axero token rotate ci-deploy-prod",
		"$ axero token create-for-user --from",
		"holds 5 token records, mode -rw-------",
		"$ axero token revoke ci-deploy-prod --yes",
		"That was the tour.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q\n%s", want, out)
		}
	}
	dir := os.Getenv("AXERO_CONFIG_DIR")
	if dir == "" {
		t.Fatal("the demo did not set its config directory")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the demo left %s behind", dir)
	}
}
