// Package exec is the sink `exec:COMMAND ARGS...`: it runs a command with
// the token on its standard input, and exit status 0 means delivered. It
// is how a token reaches anything that reads a secret from stdin:
// `kubectl create secret ... --from-file=token=/dev/stdin`, `gh secret set
// NAME`, `op`, `doppler`, `vault kv put ... token=-`.
//
// The command line is split like a shell would split it, but no shell runs
// it (split.go). The token goes to stdin exactly, with no newline added,
// and nowhere else: never into argv, never into the environment. The
// command's environment is axero's own, less AXERO_TOKEN (the credential
// axero itself uses), plus AXERO_TOKEN_ID, AXERO_TOKEN_NAME and
// AXERO_TOKEN_EXPIRES (RFC 3339, or "never") describing the new token.
//
// The command's output is kept, bounded, and shown only when it fails,
// escaped for the terminal and with every copy of the token cut out. When
// the context ends (a timeout, Ctrl-C) the command's whole process group
// is killed, so that nothing it started lives on with the token.
package exec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	osexec "os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/axero-cli/axero/internal/sink"
)

// Scheme is the sink's prefix, without the colon.
const Scheme = "exec"

// Environment variables that describe the new token to the command
// (their names; the token itself is never in the environment).
const (
	EnvTokenID      = "AXERO_TOKEN_ID"      //nolint:gosec // a variable name, not a credential
	EnvTokenName    = "AXERO_TOKEN_NAME"    //nolint:gosec // a variable name, not a credential
	EnvTokenExpires = "AXERO_TOKEN_EXPIRES" //nolint:gosec // a variable name, not a credential
)

// outputLimit bounds what is kept of each of the command's stdout and
// stderr: the end, where a failing command says why.
const outputLimit = 4 << 10

// waitDelay bounds how long Put waits, once the command has exited or been
// killed, for anything it left behind to close its output.
const waitDelay = 5 * time.Second

// Sink is one exec sink.
type Sink struct {
	spec string
	argv []string
}

var _ sink.Sink = (*Sink)(nil)

// Parse splits the part of `exec:COMMAND ARGS...` after the scheme.
func Parse(spec string, _ sink.Env) (sink.Sink, error) {
	s := &Sink{spec: spec}
	argv, err := split(spec)
	if err != nil {
		return nil, sink.ParseError(s.String(), err)
	}
	if len(argv) == 0 || argv[0] == "" {
		return nil, sink.Errorf(s.String(), "parse", sink.Invalid, "no command: write exec:COMMAND ARGS...")
	}
	s.argv = argv
	return s, nil
}

// String is the sink as written.
func (s *Sink) String() string { return Scheme + ":" + s.spec }

// Check finds the command: on PATH, or at the path given.
func (s *Sink) Check(context.Context) error {
	if _, err := osexec.LookPath(s.argv[0]); err != nil {
		return sink.Errorf(s.String(), "check", sink.Invalid, "%s", lookPathReason(s.argv[0], err))
	}
	return nil
}

// lookPathReason says why a command cannot be run, without the noise of
// *exec.Error.
func lookPathReason(name string, err error) string {
	switch {
	case errors.Is(err, osexec.ErrDot):
		return fmt.Sprintf("%s is found only in the current directory through PATH; name it as ./%s", name, name)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("%s is not executable (permission denied)", name)
	case errors.Is(err, osexec.ErrNotFound):
		if strings.ContainsRune(name, os.PathSeparator) || strings.ContainsRune(name, '/') {
			return fmt.Sprintf("%s is not an executable file", name)
		}
		return fmt.Sprintf("%s is not found on PATH", name)
	}
	var ee *osexec.Error
	if errors.As(err, &ee) {
		return fmt.Sprintf("%s cannot be run: %v", name, ee.Err)
	}
	return err.Error()
}

// Put runs the command with the token on stdin. Exit status 0 is the
// delivery; anything else fails with the command's own words.
func (s *Sink) Put(ctx context.Context, v sink.Value) error {
	cmd := osexec.CommandContext(ctx, s.argv[0], s.argv[1:]...) //nolint:gosec // the command the user named with --to exec:...; it gets the token on stdin only
	cmd.Stdin = strings.NewReader(v.Secret)
	cmd.Env = childEnv(os.Environ(), v)
	stdout, stderr := &tailBuffer{limit: outputLimit}, &tailBuffer{limit: outputLimit}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = waitDelay
	ownProcessGroup(cmd)
	err := cmd.Run()
	var exitErr *osexec.ExitError
	switch {
	case err == nil, errors.Is(err, osexec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success():
		// Exit status 0. A process the command left behind holding
		// its output open does not undo the delivery.
		return nil
	case ctx.Err() != nil:
		return sink.Errorf(s.String(), "put", sink.Failed, "stopped (%v) before the command finished; its process group was killed%s", context.Cause(ctx), said(stdout, stderr, v.Secret))
	case errors.As(err, &exitErr):
		return sink.Errorf(s.String(), "put", sink.Failed, "%s %s%s", s.argv[0], describeExit(exitErr), said(stdout, stderr, v.Secret))
	}
	var ee *osexec.Error
	if errors.As(err, &ee) {
		return sink.Errorf(s.String(), "put", sink.Invalid, "%s", lookPathReason(s.argv[0], ee))
	}
	return sink.Errorf(s.String(), "put", sink.Failed, "%s could not be run: %v", s.argv[0], err)
}

// describeExit is "exited with status 3" or "was killed by signal: killed".
func describeExit(e *osexec.ExitError) string {
	if code := e.ExitCode(); code >= 0 {
		return "exited with status " + strconv.Itoa(code)
	}
	return "ended: " + e.String()
}

// said is what the command printed, for an error message: stderr, else
// stdout, scrubbed of the token and escaped.
func said(stdout, stderr *tailBuffer, secret string) string {
	for _, b := range []struct {
		name string
		buf  *tailBuffer
	}{{"stderr", stderr}, {"stdout", stdout}} {
		if text := strings.TrimSpace(scrub(b.buf, secret)); text != "" {
			return fmt.Sprintf("; its %s: %s", b.name, text)
		}
	}
	return ""
}

// Verify does nothing more: a command is a write-only sink, and its exit
// status 0 in Put is the proof of delivery.
func (s *Sink) Verify(context.Context, sink.Value) error { return nil }

// Commit does nothing: the command delivered the token when it ran.
func (s *Sink) Commit(context.Context, sink.Value) error { return nil }

// childEnv is environ without AXERO_TOKEN and any stale description of a
// token, plus the description of v. The token itself is never in it.
func childEnv(environ []string, v sink.Value) []string {
	out := make([]string, 0, len(environ)+3)
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "AXERO_TOKEN", EnvTokenID, EnvTokenName, EnvTokenExpires:
			continue
		}
		out = append(out, kv)
	}
	expires := "never"
	if !v.Expires.IsZero() {
		expires = v.Expires.UTC().Format(time.RFC3339)
	}
	return append(out,
		EnvTokenID+"="+strconv.FormatInt(v.TokenID, 10),
		EnvTokenName+"="+strings.ReplaceAll(v.Name, "\x00", ""),
		EnvTokenExpires+"="+expires,
	)
}
