package file

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/sink"
)

// secret looks like a token, so that a leak of it would be caught by the
// checks below and by the JWT-shape redaction alike.
const secret = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiIsImp0aSI6IjcifQ.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ" //nolint:gosec // a made-up token for the tests

func value() sink.Value {
	return sink.Value{Secret: secret, TokenID: 7, Name: "ci", Started: time.Now()}
}

func parse(t *testing.T, spec string) sink.Sink {
	t.Helper()
	s, err := Parse(spec, sink.Env{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatalf("Parse(%q): %v", spec, err)
	}
	return s
}

// noSecret fails the test when err's message holds the token.
func noSecret(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), secret) {
		t.Fatalf("the error holds the token: %v", err)
	}
}

// wantKind fails unless err is a sink error of kind k whose message holds
// every one of want.
func wantKind(t *testing.T, err error, k sink.Kind, want ...string) {
	t.Helper()
	noSecret(t, err)
	if err == nil {
		t.Fatalf("no error, want kind %d", k)
	}
	if got := sink.KindOf(err); got != k {
		t.Fatalf("kind %d, want %d: %v", got, k, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not say %q", err, w)
		}
	}
}

// readFile reads a file the test wrote in its temporary directory.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func skipOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes, owners or O_NOFOLLOW on Windows")
	}
}

func TestParseRejectsMalformedSpecs(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]string{
		"":             "no path",
		"#KEY":         "no path",
		"a.env#":       `"" is not a dotenv key`,
		"a.env#1ST":    `"1ST" is not a dotenv key`,
		"a.env#MY-KEY": `"MY-KEY" is not a dotenv key`,
		"a.env#A B":    `"A B" is not a dotenv key`,
		"dir/":         "names a directory",
		"a\x00b":       "NUL",
	} {
		_, err := Parse(spec, sink.Env{})
		wantKind(t, err, sink.Invalid, want, "file:")
	}
	s := parse(t, "rel/x.env#TOKEN")
	if s.String() != "file:rel/x.env#TOKEN" {
		t.Errorf("String = %q", s)
	}
	if p := s.(*Sink).path; !filepath.IsAbs(p) {
		t.Errorf("path %q is not absolute", p)
	}
}

func TestWholeFileIsTheTokenAndANewline(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "token")
	s := parse(t, path)
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx, value()); err == nil {
		t.Fatal("Verify passed before Put")
	}
	for range 2 { // Put is idempotent.
		if err := s.Put(ctx, value()); err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(ctx, value()); err != nil {
			t.Fatal(err)
		}
	}
	got := readFile(t, path)
	if string(got) != secret+"\n" {
		t.Fatalf("file holds %q", got)
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("mode %04o, want 0600", m)
	}
	if err := s.Commit(ctx, value()); err != nil {
		t.Fatal(err)
	}
	// A file that no longer holds the token fails verification, without
	// the token in the message.
	if err := os.WriteFile(path, []byte("something else\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.Verify(ctx, value()), sink.Failed, "does not hold the new token")
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestDotenvKeepsEveryOtherByte(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), ".env")
	before := "# deploy settings\r\n" +
		"export API_URL=https://intranet.example.com # the site\r\n" +
		"QUOTED='it has # and spaces'\r\n" +
		"MULTI=\"first\r\nAXERO_TOKEN=not-an-entry\r\nlast\"\r\n" +
		"AXERO_TOKEN=\"old-token\" # rotated by axero\r\n" +
		"\r\n" +
		"TAIL=kept"
	if err := os.WriteFile(path, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	s := parse(t, path+"#AXERO_TOKEN")
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, value()); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx, value()); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, path)
	want := strings.Replace(before, `AXERO_TOKEN="old-token"`, "AXERO_TOKEN="+secret, 1)
	if string(got) != want {
		t.Fatalf("file\n got %q\nwant %q", got, want)
	}
	// Putting again changes nothing.
	if err := s.Put(ctx, value()); err != nil {
		t.Fatal(err)
	}
	if again := readFile(t, path); string(again) != want {
		t.Fatalf("a second Put changed the file: %q", again)
	}
}

// TestDotenvReadsBackInAShell sources the file with a real shell, the
// strictest reader of the dotenv dialect: the value a script gets is the
// token, and the other values are what they were.
func TestDotenvReadsBackInAShell(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	path := filepath.Join(t.TempDir(), "app.env")
	if err := os.WriteFile(path, []byte("A='one two'\nB=\"x\\\"y\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := parse(t, path+"#TOKEN")
	if err := s.Put(context.Background(), value()); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sh, "-c", `. "$1" && printf '%s|%s|%s' "$A" "$B" "$TOKEN"`, "sh", path).Output() //nolint:gosec // the test's own shell and file
	if err != nil {
		t.Fatal(err)
	}
	if want := `one two|x"y|` + secret; string(out) != want {
		t.Fatalf("the shell read %q, want %q", out, want)
	}
}

func TestDotenvAddsAMissingKeyAndCreatesAMissingFile(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "new.env")
	s := parse(t, missing+"#TOKEN")
	if err := s.Put(ctx, value()); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, missing); string(got) != "TOKEN="+secret+"\n" {
		t.Fatalf("new file holds %q", got)
	}
	if m := mode(t, missing); m != 0o600 {
		t.Errorf("mode %04o, want 0600", m)
	}
	crlf := filepath.Join(dir, "crlf.env")
	if err := os.WriteFile(crlf, []byte("A=1\r\nB=2"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = parse(t, crlf+"#TOKEN")
	if err := s.Put(ctx, value()); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, crlf); string(got) != "A=1\r\nB=2\r\nTOKEN="+secret+"\r\n" {
		t.Fatalf("CRLF file became %q", got)
	}
	if err := s.Verify(ctx, value()); err != nil {
		t.Fatal(err)
	}
}

func TestDotenvVerifyChecksEveryEntry(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), ".env")
	s := parse(t, path+"#TOKEN")
	if err := os.WriteFile(path, []byte("OTHER=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.Verify(ctx, value()), sink.Failed, "has no TOKEN")
	if err := os.WriteFile(path, []byte("TOKEN="+secret+"\nTOKEN=stale\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.Verify(ctx, value()), sink.Failed, "TOKEN in", "is not the new token")
}

func TestUnclosedQuoteIsRefusedBeforeMinting(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte("TOKEN=\"open\nX=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantKind(t, parse(t, path+"#TOKEN").Check(context.Background()), sink.Invalid, "never closes")
}

func TestSymlinksAreRefused(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	ctx := context.Background()
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	if err := os.WriteFile(target, []byte("A=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.env")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "nothing-yet"), dangling); err != nil {
		t.Fatal(err)
	}
	for _, spec := range []string{link, link + "#TOKEN", dangling} {
		s := parse(t, spec)
		wantKind(t, s.Check(ctx), sink.Invalid, "symbolic link")
		wantKind(t, s.Put(ctx, value()), sink.Invalid, "symbolic link")
	}
	if got := readFile(t, target); string(got) != "A=1\n" {
		t.Errorf("the link's target changed: %q", got)
	}
	if _, err := os.Lstat(filepath.Join(dir, "nothing-yet")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a dangling link was followed: %v", err)
	}
}

func TestOtherFilesAreRefused(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	ctx := context.Background()
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	wantKind(t, parse(t, sub).Check(ctx), sink.Invalid, "is a directory")
	shared := filepath.Join(dir, "shared")
	if err := os.WriteFile(shared, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(shared, filepath.Join(dir, "other-name")); err != nil {
		t.Fatal(err)
	}
	wantKind(t, parse(t, shared).Check(ctx), sink.Invalid, "hard links")
	wantKind(t, parse(t, filepath.Join(dir, "no-such-dir", "x")).Check(ctx), sink.Invalid, "does not exist")
	notDir := filepath.Join(dir, "plain")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	wantKind(t, parse(t, filepath.Join(notDir, "x")).Check(ctx), sink.Invalid, "is not a directory")
}

// TestReadableFileIsRefusedNotLoosened: a file that others can read is
// refused before anything is minted (the token would reach them), and a
// tighter mode than 0600 is kept.
func TestReadableFileIsRefusedNotLoosened(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	ctx := context.Background()
	dir := t.TempDir()
	open := filepath.Join(dir, "open.env")
	if err := os.WriteFile(open, []byte("A=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o644); err != nil { //nolint:gosec // the readable file under test
		t.Fatal(err)
	}
	s := parse(t, open+"#TOKEN")
	wantKind(t, s.Check(ctx), sink.Invalid, "mode 0644", "chmod 600")
	wantKind(t, s.Put(ctx, value()), sink.Invalid, "mode 0644")
	if got := readFile(t, open); string(got) != "A=1\n" {
		t.Errorf("a refused file changed: %q", got)
	}
	tight := filepath.Join(dir, "tight")
	if err := os.WriteFile(tight, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tight, 0o400); err != nil {
		t.Fatal(err)
	}
	s = parse(t, tight)
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, value()); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, tight); m != 0o400 {
		t.Errorf("mode %04o, want the 0400 it had", m)
	}
	if err := s.Verify(ctx, value()); err != nil {
		t.Fatal(err)
	}
}

// TestReadOnlyDirectoryIsRefused makes a directory that refuses new files:
// immutable (chattr +i) when running as root, which ignores modes, else
// mode 0500.
func TestReadOnlyDirectoryIsRefused(t *testing.T) {
	t.Parallel()
	skipOnWindows(t)
	dir := t.TempDir()
	makeReadOnly(t, dir)
	path := filepath.Join(dir, ".env")
	wantKind(t, parse(t, path+"#TOKEN").Check(context.Background()), sink.Invalid, "not writable")
	wantKind(t, parse(t, path).Put(context.Background(), value()), sink.Failed, "not writable")
}

func makeReadOnly(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o500); err != nil { //nolint:gosec // a test directory made read-only on purpose
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(dir, 0o700) }) //nolint:gosec // restored so that the test can remove it
		return
	}
	if err := setImmutable(dir, true); err != nil {
		t.Skipf("cannot make a directory read-only for root here: %v", err)
	}
	t.Cleanup(func() {
		if err := setImmutable(dir, false); err != nil {
			t.Errorf("cannot undo the immutable flag on %s: %v", dir, err)
		}
	})
}
