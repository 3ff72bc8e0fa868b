package token_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
)

// The bulk commands size their connection pool to their concurrency; they
// must do it on the transport that trusts the private CA, not on one of
// their own that would drop it.
func TestBulkCommandsTrustThePrivateCA(t *testing.T) {
	t.Parallel()
	e, caFile := cmdtest.NewTLS(t)
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	e.Vars["AXERO_CA_FILE"] = caFile
	dir := t.TempDir()
	users := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(users, []byte("user\njdoe\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.jsonl")
	renewed := filepath.Join(dir, "renewed.jsonl")

	e.MustRun("token", "create-for-user", "--from", users, "--out", out, "--name", "sync", "--expires", "30d")
	if r := e.MustRun("token", "audit", "--users", users, "--impersonation", "-o", "csv"); !strings.Contains(r.Stdout, ",sync,impersonation,") {
		t.Fatalf("audit under a private CA: stdout %q", r.Stdout)
	}
	e.MustRun("token", "rotate", "--from", out, "--out", renewed)
	e.MustRun("token", "revoke", "--from", renewed, "--yes")
	if active := e.ActiveNamed("sync"); len(active) != 0 {
		t.Fatalf("tokens left after revoke --from: %+v", active)
	}
}
