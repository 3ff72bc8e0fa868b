package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func skipOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no symlinks or modes to speak of on Windows")
	}
}

func refused(t *testing.T, err error, why string) {
	t.Helper()
	var r *RefusedError
	if !errors.As(err, &r) || !strings.Contains(r.Why, why) {
		t.Fatalf("err = %v, want a refusal saying %q", err, why)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	dir := t.TempDir()
	if fi, err := Check(filepath.Join(dir, "missing")); fi != nil || err != nil {
		t.Fatalf("missing: %v, %v", fi, err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, err := Check(plain); fi == nil || err != nil {
		t.Fatalf("plain: %v, %v", fi, err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(plain, link); err != nil {
		t.Fatal(err)
	}
	_, err := Check(link)
	refused(t, err, "symbolic link")
	_, err = Check(dir)
	refused(t, err, "directory")
	if err := os.Link(plain, filepath.Join(dir, "second")); err != nil {
		t.Fatal(err)
	}
	_, err = Check(plain)
	refused(t, err, "hard links")
}

func TestReplaceRefusesAFileThatChangedMeanwhile(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old, err := Check(path)
	if err != nil {
		t.Fatal(err)
	}
	// Another writer replaces the file after the caller read it.
	if err := os.WriteFile(path+".new", []byte("two, longer\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
	refused(t, Replace(path, []byte("three\n"), 0o600, old), "changed while")
	if got, _ := os.ReadFile(path); string(got) != "two, longer\n" { //nolint:gosec // test reads a file it wrote itself in its temporary directory
		t.Errorf("the other writer's content was lost: %q", got)
	}
	// A file that appeared where none was is not replaced either.
	fresh := filepath.Join(dir, "fresh")
	if err := os.WriteFile(fresh, []byte("theirs\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	refused(t, Replace(fresh, []byte("ours\n"), 0o600, nil), "changed while")
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestOpenNoticesASwap(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := Check(path)
	if err != nil {
		t.Fatal(err)
	}
	// Another file is renamed over it (a new file while the checked one
	// still exists elsewhere, so that it cannot reuse its inode).
	if err := os.Link(path, filepath.Join(dir, "kept")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".new", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path, os.O_RDONLY, fi)
	refused(t, err, "replaced while")
	// A symlink swapped in is not followed at all.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), path); err != nil {
		t.Fatal(err)
	}
	if f, err := Open(path, os.O_RDWR|os.O_CREATE, fi); err == nil {
		_ = f.Close()
		t.Fatal("opened through a symlink")
	}
	if _, err := os.Lstat(filepath.Join(dir, "elsewhere")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the symlink's target was created: %v", err)
	}
}

func TestCheckPrivate(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil { //nolint:gosec // the readable file under test
		t.Fatal(err)
	}
	fi, _ := Check(path)
	refused(t, CheckPrivate(path, fi), "mode 0640")
}
