package token_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/internal/emulator"
)

func jwtWith(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + ".c2ln"
}

// A time claim that is no real time is one line, in every format.
func TestInspectRefusesAnUnrepresentableExpInOneLine(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	for _, format := range []string{"json", "yaml", "table"} {
		e.Stdin = jwtWith(`{"jti":"7","sub":"3","exp":1e300}`) + "\n"
		r := e.Run("token", "inspect", "-o", format)
		if r.Code != 1 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "exp claim") || strings.Contains(r.Stderr, "MarshalJSON") {
			t.Errorf("-o %s: exit %d, stderr %q", format, r.Code, r.Stderr)
		}
		if r.Stdout != "" {
			t.Errorf("-o %s printed %q", format, r.Stdout)
		}
	}
}

// A --from file that is not text is refused without echoing its bytes.
func TestBulkBinaryFromIsNotEchoed(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	dir := t.TempDir()
	from := filepath.Join(dir, "users.csv")
	binary := []byte("\x7fELF\x02\x01\x01\x00\x1b]0;pwned\a\x1b[2J\xff\xfe\x00\x00user\n")
	if err := os.WriteFile(from, binary, 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.Run("token", "create-for-user", "--from", from, "--out", filepath.Join(dir, "out.jsonl"), "--name", "x")
	if r.Code != 2 {
		t.Fatalf("exit %d, want 2: %q", r.Code, r.Stderr)
	}
	if rawControl(r.Stderr) || strings.Contains(r.Stderr, "ELF") || !strings.Contains(r.Stderr, from) || strings.Count(r.Stderr, "\n") != 1 {
		t.Fatalf("want one line naming the file, no bytes of it: %q", r.Stderr)
	}
	if e.Srv.RequestCount("", "/api") != 0 {
		t.Fatal("a request was sent")
	}
}
