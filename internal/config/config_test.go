package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
)

func skipPermsOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions")
	}
}

func perm(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func TestDir(t *testing.T) {
	t.Setenv("AXERO_CONFIG_DIR", "/some/where")
	if d, err := Dir(); err != nil || d != "/some/where" {
		t.Fatalf("Dir = %q, %v", d, err)
	}
	t.Setenv("AXERO_CONFIG_DIR", "")
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	t.Setenv("HOME", "/home/u")
	d, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(d) != "axero" {
		t.Errorf("Dir = %q, want .../axero", d)
	}
}

func TestLoadMissingIsEmpty(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "nope"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Profiles) != 0 || c.ProfileNames() == nil {
		t.Errorf("profiles = %v", c.Profiles)
	}
}

func TestSaveLoadRoundTripAndPermissions(t *testing.T) {
	skipPermsOnWindows(t)
	dir := filepath.Join(t.TempDir(), "cfg")
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2027, 2, 24, 17, 0, 0, 0, time.UTC)
	c.SetProfile("work", &Profile{URL: "https://intranet.example.com", User: "jdoe", UserID: 42,
		TokenStore: StoreKeychain, TokenID: 1017, TokenName: "laptop", TokenExpires: &exp,
		Paths: client.Paths{Tokens: "/api/v2/tokens"}}) //nolint:gosec // test fixture, not a credential
	c.SetProfile("another", &Profile{URL: "http://127.0.0.1:8080", AllowHTTP: true})
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if got := perm(t, dir); got != 0o700 {
		t.Errorf("dir mode = %04o, want 0700", got)
	}
	if got := perm(t, filepath.Join(dir, FileName)); got != 0o600 {
		t.Errorf("file mode = %04o, want 0600", got)
	}
	c2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c2.ProfileNames(), ","); got != "another,work" {
		t.Errorf("ProfileNames = %s", got)
	}
	p, ok := c2.Profile("work")
	if !ok || p.User != "jdoe" || p.TokenID != 1017 || p.TokenExpires == nil || !p.TokenExpires.Equal(exp) ||
		p.Paths.Tokens != "/api/v2/tokens" || p.TokenStore != StoreKeychain {
		t.Errorf("work = %+v", p)
	}
	c2.DeleteProfile("work")
	if err := c2.Save(); err != nil {
		t.Fatal(err)
	}
	c3, _ := Load(dir)
	if _, ok := c3.Profile("work"); ok {
		t.Error("deleted profile came back")
	}
}

func TestSaveTightensLooseDirectory(t *testing.T) {
	skipPermsOnWindows(t)
	dir := filepath.Join(t.TempDir(), "cfg")
	if err := os.Mkdir(dir, 0o755); err != nil { //nolint:gosec // testdata directory for golden files
		t.Fatal(err)
	}
	c, _ := Load(dir)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if got := perm(t, dir); got != 0o700 {
		t.Errorf("dir mode = %04o, want 0700", got)
	}
}

func TestCorruptFileNamesIt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte("profiles: [this is: not\n  valid"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	if err == nil {
		t.Fatal("Load of a corrupt file succeeded")
	}
	if !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
		t.Errorf("error = %q; want one line naming %s", err, path)
	}
}

func TestWrongTypeDoesNotQuoteTheFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("eyJhbGciOi.secret.value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	if err == nil {
		t.Fatal("Load succeeded")
	}
	if strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("error = %q; want the line, not the content", err)
	}
}

func TestNullProfileIsDropped(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("profiles:\n  empty:\n  ok:\n    url: https://a.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.ProfileNames(), ","); got != "ok" {
		t.Errorf("ProfileNames = %s", got)
	}
}

func TestValidateProfileName(t *testing.T) {
	for _, ok := range []string{"default", "a", "ci-prod", "jane.doe_2", strings.Repeat("x", 64)} {
		if err := ValidateProfileName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "../x", "a/b", "a b", "-x", ".hidden", "é", strings.Repeat("x", 65), "a\nb"} {
		if err := ValidateProfileName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
