package auth_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/emulator"
)

// login --ca-file records the bundle's absolute path in the profile, and
// later commands trust it without the flag; AXERO_CA_FILE overrides it.
func TestLoginRecordsCAFile(t *testing.T) {
	t.Parallel()
	e, caFile := cmdtest.NewTLS(t)
	delete(e.Vars, "AXERO_TOKEN")
	dir, base := filepath.Split(caFile)
	e.Login("jdoe", "--ca-file", filepath.Join(dir, ".", base))

	p, ok := e.Config().Profile("default")
	if !ok || p.CAFile != caFile || !filepath.IsAbs(p.CAFile) {
		t.Fatalf("profile = %+v, want ca_file %s", p, caFile)
	}
	if r := e.MustRun("token", "list"); !strings.Contains(r.Stdout, "seed") {
		t.Fatalf("token list with the profile's ca_file: %q", r.Stdout)
	}
	if r := e.MustRun("status", "-o", "json"); !strings.Contains(r.Stdout, `"Cause":"valid"`) && !strings.Contains(r.Stdout, `"Cause": "valid"`) {
		t.Fatalf("status with the profile's ca_file: %s", r.Stdout)
	}

	// A later login without the flag keeps the recorded bundle.
	e.Login("jdoe")
	if p, _ := e.Config().Profile("default"); p.CAFile != caFile {
		t.Fatalf("a login without --ca-file dropped ca_file: %+v", p)
	}

	other, err := emulator.NewCA("Some Other CA")
	if err != nil {
		t.Fatal(err)
	}
	e.Vars["AXERO_CA_FILE"] = e.WriteCA(other)
	e.Expect(cmdutil.ExitFailure, "unknown authority", "token", "list")
}

// Without the CA, login stores nothing and says what to pass.
func TestLoginWithoutCAFails(t *testing.T) {
	t.Parallel()
	e, _ := cmdtest.NewTLS(t)
	delete(e.Vars, "AXERO_TOKEN")
	e.Stdin = e.Srv.SeedToken("jdoe") + "\n"
	e.Expect(cmdutil.ExitFailure, "--ca-file", "login", "--with-token")
	if _, ok := e.Config().Profile("default"); ok {
		t.Fatal("a failed login saved a profile")
	}
}
