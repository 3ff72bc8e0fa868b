//go:build unix

package file

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOwnerIsKept: a privileged process replacing another user's file
// gives the new file the same owner, so that the consumer can still read
// it.
func TestOwnerIsKept(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	if os.Geteuid() != 0 {
		t.Skip("only root can give a file to another user")
	}
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte("TOKEN=old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 65534, 65533); err != nil {
		t.Skipf("cannot chown here: %v", err)
	}
	s := parse(t, path+"#TOKEN")
	if err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), value()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Fatalf("no owner in %T", fi.Sys())
	}
	if st.Uid != 65534 || st.Gid != 65533 {
		t.Errorf("owner %d:%d, want 65534:65533", st.Uid, st.Gid)
	}
}
