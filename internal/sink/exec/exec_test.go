package exec

import (
	"context"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/sink"
)

const secret = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiIsImp0aSI6IjcifQ.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ" //nolint:gosec // a made-up token for the tests

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == helperArg {
		os.Exit(runHelper(os.Args[2:]))
	}
	// The credential axero itself uses must not reach the command.
	_ = os.Setenv("AXERO_TOKEN", parentCredential)
	os.Exit(m.Run())
}

// quote puts s in single quotes for a sink spec.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// helperSpec is the spec of a sink that runs this test binary as the
// helper with args.
func helperSpec(args ...string) string {
	words := []string{quote(os.Args[0]), helperArg}
	for _, a := range args {
		words = append(words, quote(a))
	}
	return strings.Join(words, " ")
}

func parse(t *testing.T, spec string) sink.Sink {
	t.Helper()
	s, err := Parse(spec, sink.Env{})
	if err != nil {
		t.Fatalf("Parse(%q): %v", spec, err)
	}
	return s
}

func value() sink.Value {
	return sink.Value{
		Secret:  secret,
		TokenID: 4242,
		Name:    "deploy bot",
		Expires: time.Date(2027, 1, 31, 23, 59, 59, 0, time.UTC),
		Started: time.Now(),
	}
}

func TestPutHandsTheTokenOnStdinOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	record := filepath.Join(t.TempDir(), "record")
	s := parse(t, helperSpec("record", record))
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, value()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(record) //nolint:gosec // test reads a file its helper wrote in its temporary directory
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("stdin=%q\nid=4242\nname=deploy bot\nexpires=2027-01-31T23:59:59Z\naxero_token=\"\"\n", secret)
	if string(got) != want {
		t.Errorf("the command saw\n%s\nwant\n%s", got, want)
	}
	if err := s.Verify(ctx, value()); err != nil {
		t.Error(err)
	}
	if err := s.Commit(ctx, value()); err != nil {
		t.Error(err)
	}
}

func TestNeverExpiringTokenSaysNever(t *testing.T) {
	t.Parallel()
	record := filepath.Join(t.TempDir(), "record")
	v := value()
	v.Expires = time.Time{}
	if err := parse(t, helperSpec("record", record)).Put(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(record) //nolint:gosec // test reads a file its helper wrote in its temporary directory
	if !strings.Contains(string(got), "\nexpires=never\n") {
		t.Errorf("record: %s", got)
	}
}

// TestHelperCatchesATokenInItsEnvironment proves the helper's own check:
// given the token in its environment, it refuses.
func TestHelperCatchesATokenInItsEnvironment(t *testing.T) {
	t.Parallel()
	cmd := osexec.Command(os.Args[0], helperArg, "record", filepath.Join(t.TempDir(), "r")) //nolint:gosec // the test binary itself
	cmd.Stdin = strings.NewReader(secret)
	cmd.Env = append(os.Environ(), "LEAK="+secret)
	err := cmd.Run()
	var exitErr *osexec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 97 {
		t.Fatalf("the helper did not catch the token in its environment: %v", err)
	}
}

func TestFailureShowsTheCommandsWordsWithoutTheToken(t *testing.T) {
	t.Parallel()
	err := parse(t, helperSpec("fail", "3")).Put(context.Background(), value())
	if sink.KindOf(err) != sink.Failed || err == nil {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"exited with status 3", "its stderr: error: the server refused [REDACTED]", `\x1b[31m (red)`} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, secret) || strings.Contains(msg, "\x1b") || strings.Contains(msg, "\n") {
		t.Errorf("message holds the token, a raw escape or a newline: %q", msg)
	}
}

func TestOutputIsBoundedAndScrubbedAtTheCut(t *testing.T) {
	t.Parallel()
	b := &tailBuffer{limit: 64}
	_, _ = b.Write([]byte(strings.Repeat("x", 100)))
	_, _ = b.Write([]byte("start " + secret + " end"))
	got := scrub(b, secret)
	if strings.Contains(got, secret[len(secret)-minFragment:]) {
		t.Errorf("a piece of the token survived the cut: %q", got)
	}
	if !strings.HasPrefix(got, "[") || !strings.Contains(got, "bytes before this cut] [REDACTED] end") {
		t.Errorf("scrubbed = %q", got)
	}
	b = &tailBuffer{limit: 1 << 10}
	_, _ = b.Write([]byte("died while writing " + secret[:30]))
	if got := scrub(b, secret); strings.Contains(got, secret[:30]) || !strings.HasSuffix(got, "[REDACTED]") {
		t.Errorf("scrubbed = %q", got)
	}
	b = &tailBuffer{limit: 1 << 10}
	_, _ = b.Write([]byte("data:\n  token: ZXlKaGJHY2lPaUpJVXpJMU5pSjkuZXlKemRXSWlPaUkwTWlJc0ltcDBhU0k2SWpjaWZRLmMybG5ibUYwZFhKbExYTmxZM0psZEMxMllXeDFaUQ==\n"))
	if got := scrub(b, secret); !strings.Contains(got, "token: [REDACTED]") {
		t.Errorf("the base64 copy a manifest holds was not scrubbed: %q", got)
	}
}

func TestCheckFindsTheCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	err := parse(t, "axero-no-such-command-anywhere arg").Check(ctx)
	if sink.KindOf(err) != sink.Invalid || !strings.Contains(err.Error(), "axero-no-such-command-anywhere is not found on PATH") {
		t.Fatalf("err = %v", err)
	}
	notExec := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(notExec, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		err = parse(t, quote(notExec)).Check(ctx)
		if sink.KindOf(err) != sink.Invalid || !strings.Contains(err.Error(), "is not executable") {
			t.Fatalf("err = %v", err)
		}
	}
	if err := parse(t, helperSpec()).Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestParseRefusesShellSyntax(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{"", "   ", "kubectl apply -f - | tee", "''"} {
		_, err := Parse(spec, sink.Env{})
		if sink.KindOf(err) != sink.Invalid || !strings.HasPrefix(err.Error(), "exec:"+spec+": parse: ") {
			t.Errorf("Parse(%q) = %v", spec, err)
		}
	}
}
