package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	skipPermsOnWindows(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := WriteFileAtomic(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("two"), 0o640); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if string(data) != "two" {
		t.Errorf("content = %q", data)
	}
	if got := perm(t, path); got != 0o640 {
		t.Errorf("mode = %04o, want 0640", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("stray files left behind: %v", entries)
	}
}

func TestWriteFileAtomicKeepsOldOnFailure(t *testing.T) {
	skipPermsOnWindows(t)
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := WriteFileAtomic(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o500); err != nil { //nolint:gosec // test sets permissions on purpose to exercise the permission checks
		t.Fatal(err)
	}
	defer func() { _ = os.Chmod(dir, 0o700) }() //nolint:gosec // test sets permissions on purpose to exercise the permission checks
	err := WriteFileAtomic(path, []byte("new"), 0o600)
	if err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Fatalf("err = %v", err)
	}
	data, _ := os.ReadFile(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if string(data) != "old" {
		t.Errorf("content = %q, want the old one", data)
	}
}

func TestFileToken(t *testing.T) {
	skipPermsOnWindows(t)
	dir := filepath.Join(t.TempDir(), "cfg")
	c, _ := Load(dir)
	if _, err := c.ReadFileToken("p"); !errors.Is(err, ErrNoToken) {
		t.Fatalf("read before write: %v", err)
	}
	if err := c.WriteFileToken("p", "tok.en.value"); err != nil {
		t.Fatal(err)
	}
	path := c.FileTokenPath("p")
	if got := perm(t, path); got != 0o600 {
		t.Errorf("token file mode = %04o", got)
	}
	if got := perm(t, filepath.Dir(path)); got != 0o700 {
		t.Errorf("credentials dir mode = %04o", got)
	}
	if got, err := c.ReadFileToken("p"); err != nil || got != "tok.en.value" {
		t.Fatalf("ReadFileToken = %q, %v", got, err)
	}
	if err := c.DeleteFileToken("p"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteFileToken("p"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := c.ReadFileToken("p"); !errors.Is(err, ErrNoToken) {
		t.Fatalf("read after delete: %v", err)
	}
}

func TestFileTokenRefusesReadableFile(t *testing.T) {
	skipPermsOnWindows(t)
	c, _ := Load(t.TempDir())
	if err := c.WriteFileToken("p", "secret-value"); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(c.FileTokenPath("p"), 0o644); err != nil { //nolint:gosec // test sets permissions on purpose to exercise the permission checks
		t.Fatal(err)
	}
	_, err := c.ReadFileToken("p")
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "secret-value") {
		t.Error("the error shows the token")
	}
}

func TestFileTokenRejectsPathNames(t *testing.T) {
	c, _ := Load(t.TempDir())
	if err := c.WriteFileToken("../escape", "x"); err == nil {
		t.Fatal("wrote a token outside the credentials directory")
	}
	if _, err := c.ReadFileToken(".."); err == nil || errors.Is(err, ErrNoToken) {
		t.Fatalf("read with profile '..': %v", err)
	}
}

func TestCreateSecretFile(t *testing.T) {
	skipPermsOnWindows(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "token.json")
	if err := CreateSecretFile(path, []byte("first"), false); err != nil {
		t.Fatal(err)
	}
	if got := perm(t, path); got != 0o600 {
		t.Errorf("mode = %04o", got)
	}

	err := CreateSecretFile(path, []byte("second"), false)
	if want := path + " exists; refusing to overwrite it (use --force)"; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if !errors.Is(err, fs.ErrExist) {
		t.Error("errors.Is(err, fs.ErrExist) is false")
	}
	if data, _ := os.ReadFile(path); string(data) != "first" { //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
		t.Errorf("content after refusal = %q", data)
	}

	if err := os.Chmod(path, 0o644); err != nil { //nolint:gosec // test sets permissions on purpose to exercise the permission checks
		t.Fatal(err)
	}
	if err := CreateSecretFile(path, []byte("third"), true); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "third" { //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
		t.Errorf("content after --force = %q", data)
	}
	if got := perm(t, path); got != 0o600 {
		t.Errorf("mode after --force = %04o, want 0600", got)
	}
}

func TestCreateSecretFileRefusesSymlink(t *testing.T) {
	skipPermsOnWindows(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	link := filepath.Join(dir, "out")
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	if err := CreateSecretFile(link, []byte("x"), false); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Error("wrote through a dangling symlink")
	}
}

func TestCreateSecretFileUnwritableDir(t *testing.T) {
	skipPermsOnWindows(t)
	missing := filepath.Join(t.TempDir(), "no", "such", "f")
	err := CreateSecretFile(missing, []byte("x"), false)
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing dir: %v", err)
	}
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil { //nolint:gosec // test sets permissions on purpose to exercise the permission checks
		t.Fatal(err)
	}
	defer func() { _ = os.Chmod(dir, 0o700) }() //nolint:gosec // test sets permissions on purpose to exercise the permission checks
	for _, force := range []bool{false, true} {
		err := CreateSecretFile(filepath.Join(dir, "f"), []byte("x"), force)
		if err == nil || !strings.Contains(err.Error(), "not writable") {
			t.Errorf("force=%v: %v", force, err)
		}
	}
}

func TestCreateSecretFileForceRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := CreateSecretFile(dir, []byte("x"), true); err == nil {
		t.Fatal("replaced a directory")
	}
}
