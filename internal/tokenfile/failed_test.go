package tokenfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/safefile"
)

// A failed file neutralises every cell for spreadsheets and reads back,
// as --from, exactly as the rows that failed.
func TestFailedFileRoundTripsThroughTheUsersReader(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "out.failed.csv")
	fw, err := NewFailedFile(path, []string{"user", "name"})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]string{{"=cmd", "+x"}, {"'=quoted", "plain"}, {"@sum", ""}}
	for _, r := range rows {
		if err := fw.Write(r, "-why"); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil || fw.Count() != 3 {
		t.Fatal(err, fw.Count())
	}
	raw, _ := os.ReadFile(path) //nolint:gosec // the test's own file
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n")[1:] {
		if strings.ContainsAny(line[:1], "=+-@") {
			t.Errorf("a cell is a formula: %q", line)
		}
	}
	f, _ := os.Open(path) //nolint:gosec // the test's own file
	defer func() { _ = f.Close() }()
	in, err := NewUsers(f, path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		r, err := in.Next()
		if errors.Is(err, io.EOF) {
			if i != len(rows) {
				t.Fatalf("%d rows read back, want %d", i, len(rows))
			}
			break
		}
		if r.User != rows[i][0] || r.Name != rows[i][1] || r.Fields[2] != "-why" {
			t.Errorf("row %d read back as %q", i, r.Fields)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
}

// Anything at the path but a failed file of axero is refused before the
// run starts, and never written: a symbolic link, a file with other hard
// links, a file without a reason column.
func TestFailedFileRefusesWhatIsNotOurs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link, hard, foreign := filepath.Join(dir, "link.csv"), filepath.Join(dir, "hard.csv"), filepath.Join(dir, "foreign.csv")
	if err := os.Symlink(victim, link); err != nil {
		t.Skip("no symlinks here")
	}
	if err := os.Link(victim, hard); err != nil {
		t.Skip("no hard links here")
	}
	if err := os.WriteFile(foreign, []byte("user,name\nx,y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{link, hard, foreign} {
		_, err := NewFailedFile(p, []string{"user"})
		var ne *safefile.RefusedError
		if !errors.As(err, &ne) {
			t.Errorf("%s: %v, want a refusal", filepath.Base(p), err)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" { //nolint:gosec // the test's own file
		t.Fatalf("victim %q", b)
	}
}

// The failed file of an earlier run is replaced, not truncated: an input
// being re-run from it keeps reading what it held, though the run writes
// a new failed file at the same path. The file is larger than the
// reader's buffer, so a truncation would cut what is still to be read.
func TestFailedFileIsReplacedNotTruncated(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "out.failed.csv")
	fw, _ := NewFailedFile(path, []string{"user"})
	for i := range 3000 {
		if err := fw.Write([]string{fmt.Sprintf("ghost%04d", i)}, "no user"); err != nil {
			t.Fatal(err)
		}
	}
	_ = fw.Close()
	f, err := os.Open(path) //nolint:gosec // the test's own file
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	in, err := NewUsers(f, path)
	if err != nil {
		t.Fatal(err)
	}
	again, err := NewFailedFile(path, in.Header())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		r, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		n++
		if err := again.Write(r.Fields, "still no user"); err != nil {
			t.Fatal(err)
		}
	}
	if err := again.Close(); err != nil || n != 3000 || again.Count() != 3000 {
		t.Fatalf("read %d rows, wrote %d (%v); want 3000", n, again.Count(), err)
	}
}

// With no failure, an earlier run's failed file is removed, so that it
// cannot be mistaken for this run's.
func TestNoFailureRemovesTheEarlierFailedFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "out.failed.csv")
	if err := os.WriteFile(path, []byte("user,reason\nx,why\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fw, err := NewFailedFile(path, []string{"user"})
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the earlier failed file is still there: %v", err)
	}
}
