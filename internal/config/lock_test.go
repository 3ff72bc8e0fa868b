package config

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// addProfiles adds n profiles named prefix-0..n-1, one change each, the
// way separate logins would: Load, SetProfile, Save.
func addProfiles(dir, prefix string, n int) error {
	for i := range n {
		c, err := Load(dir)
		if err != nil {
			return err
		}
		c.SetProfile(prefix+"-"+strconv.Itoa(i), &Profile{URL: "https://" + prefix + ".example.com", UserID: int64(i + 1)})
		if err := c.Save(); err != nil {
			return err
		}
	}
	return nil
}

func wantProfiles(t *testing.T, dir string, names []string) {
	t.Helper()
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if _, ok := c.Profile(n); !ok {
			t.Errorf("profile %s was lost (have %d profiles)", n, len(c.Profiles))
		}
	}
}

func TestConcurrentSavesLoseNoProfile(t *testing.T) {
	dir := t.TempDir()
	const workers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	var names []string
	for w := range workers {
		prefix := "g" + strconv.Itoa(w)
		for i := range each {
			names = append(names, prefix+"-"+strconv.Itoa(i))
		}
		wg.Go(func() { errs <- addProfiles(dir, prefix, each) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	wantProfiles(t, dir, names)
}

func TestConcurrentUpdatesLoseNoProfile(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			err := Update(dir, func(c *Config) error {
				c.SetProfile("u"+strconv.Itoa(i), &Profile{URL: "https://x.example.com"})
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var names []string
	for i := range 20 {
		names = append(names, "u"+strconv.Itoa(i))
	}
	wantProfiles(t, dir, names)
}

const childEnv = "AXERO_CONFIG_LOCK_CHILD"

// TestLockChildProcess is the body of the processes that
// TestConcurrentProcessesLoseNoProfile starts; on its own it does nothing.
func TestLockChildProcess(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("run by TestConcurrentProcessesLoseNoProfile")
	}
	dir, prefix := filepath.Dir(spec), filepath.Base(spec)
	if err := addProfiles(dir, prefix, 10); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentProcessesLoseNoProfile(t *testing.T) {
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var cmds []*exec.Cmd
	var names []string
	for p := range 3 {
		prefix := "proc" + strconv.Itoa(p)
		cmd := exec.Command(exe, "-test.run=^TestLockChildProcess$", "-test.count=1") //nolint:gosec // test runs the test binary or the go tool it was built with
		cmd.Env = append(os.Environ(), childEnv+"="+filepath.Join(dir, prefix))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		for i := range 10 {
			names = append(names, prefix+"-"+strconv.Itoa(i))
		}
	}
	// This process joins in too.
	if err := addProfiles(dir, "parent", 10); err != nil {
		t.Error(err)
	}
	for i := range 10 {
		names = append(names, "parent-"+strconv.Itoa(i))
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %v: %v", cmd.Env[len(cmd.Env)-1], err)
		}
	}
	wantProfiles(t, dir, names)
}

func TestSaveKeepsDeletionsAndEditsAgainstOtherWriters(t *testing.T) {
	dir := t.TempDir()
	if err := addProfiles(dir, "a", 2); err != nil {
		t.Fatal(err)
	}
	mine, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Another process adds b-0 meanwhile.
	if err := addProfiles(dir, "b", 1); err != nil {
		t.Fatal(err)
	}
	mine.DeleteProfile("a-0")
	p, _ := mine.Profile("a-1")
	p.User = "edited"
	if err := mine.Save(); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Profile("a-0"); ok {
		t.Error("the deletion was lost")
	}
	if p, ok := got.Profile("a-1"); !ok || p.User != "edited" {
		t.Errorf("the edit was lost: %+v", p)
	}
	if _, ok := got.Profile("b-0"); !ok {
		t.Error("the other writer's profile was lost")
	}
	if _, ok := mine.Profile("b-0"); !ok {
		t.Error("Save did not leave the merged configuration in memory")
	}
}

func TestUpdateErrorWritesNothing(t *testing.T) {
	dir := t.TempDir()
	boom := errors.New("boom")
	err := Update(dir, func(c *Config) error {
		c.SetProfile("x", &Profile{URL: "https://x.example.com"})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the file was written: %v", err)
	}
}

func TestLockFileIsEmptyPrivateAndNoSymlink(t *testing.T) {
	dir := t.TempDir()
	if err := addProfiles(dir, "a", 1); err != nil {
		t.Fatal(err)
	}
	info, err := os.Lstat(filepath.Join(dir, LockFileName))
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() != 0 {
		t.Errorf("the lock file holds %d bytes", info.Size())
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v", info.Mode().Perm())
	}

	other := t.TempDir()
	target := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.Symlink(target, filepath.Join(other, LockFileName)); err != nil {
		t.Skip("no symlinks here:", err)
	}
	err = Update(other, func(*Config) error { return nil })
	if err == nil {
		t.Fatal("a symlinked lock file was used")
	}
	if _, statErr := os.Lstat(target); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("the link's target was created: %v", statErr)
	}
	if want := fmt.Sprintf("refusing to use %s", filepath.Join(other, LockFileName)); !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v", err)
	}
}

// A switch of the default profile by another process survives a Save
// that did not change the default, and a Save that did wins.
func TestSaveKeepsTheDefaultProfileOfOtherWriters(t *testing.T) {
	dir := t.TempDir()
	if err := addProfiles(dir, "a", 2); err != nil {
		t.Fatal(err)
	}
	mine, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := Update(dir, func(c *Config) error { c.DefaultProfile = "a-1"; return nil }); err != nil {
		t.Fatal(err)
	}
	mine.SetProfile("c", &Profile{URL: "https://c.example.com"})
	if err := mine.Save(); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.DefaultProfile != "a-1" || mine.DefaultProfile != "a-1" {
		t.Fatalf("the other writer's default was lost: on disk %q, in memory %q", got.DefaultProfile, mine.DefaultProfile)
	}
	// Deleting the default profile forgets it as the default too.
	mine.DeleteProfile("a-1")
	if err := mine.Save(); err != nil {
		t.Fatal(err)
	}
	if got, err = Load(dir); err != nil || got.DefaultProfile != "" {
		t.Fatalf("default after deleting its profile: %q, %v", got.DefaultProfile, err)
	}
}
