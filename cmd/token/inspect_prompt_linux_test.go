//go:build linux

package token

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/internal/ptytest"
)

// ptyStreams are streams whose stdin is a new terminal; what a person
// types goes to master.
func ptyStreams(t *testing.T) (ios *iostreams.IOStreams, master *os.File, errOut *strings.Builder, fd int) {
	t.Helper()
	master, tty := ptytest.Open(t)
	ios, _, _, _ = iostreams.Test()
	errOut = &strings.Builder{}
	ios.In, ios.ErrOut, ios.StdinFd = tty, errOut, int(tty.Fd())
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	ios.SetStderrTTY(true)
	return ios, master, errOut, int(tty.Fd())
}

// At a terminal, inspect's paste prompt hides the token as login's does:
// echo is off while it waits, and back on once the line is read.
func TestInspectPromptHidesThePastedToken(t *testing.T) {
	ios, master, errOut, fd := ptyStreams(t)

	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := readTokenInput(context.Background(), ios)
		done <- result{b, err}
	}()
	waitForEcho(t, fd, false)
	if _, err := master.WriteString("eyJ.pasted.token\n"); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || strings.TrimSpace(string(r.b)) != "eyJ.pasted.token" {
		t.Fatalf("readTokenInput = %q, %v", r.b, r.err)
	}
	if !strings.Contains(errOut.String(), "input is hidden") {
		t.Errorf("prompt = %q", errOut.String())
	}
	if !ptytest.EchoOn(t, fd) {
		t.Error("echo is still off after the prompt")
	}
}

// Ctrl-C at the prompt gives the terminal back as it was, and exit 130.
func TestInspectPromptRestoresTerminalOnInterrupt(t *testing.T) {
	ios, _, _, fd := ptyStreams(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := readTokenInput(ctx, ios)
		done <- err
	}()
	waitForEcho(t, fd, false)
	cancel()
	if err := <-done; !errors.Is(err, cmdutil.ErrInterrupted) {
		t.Fatalf("err = %v, want interrupted", err)
	}
	if !ptytest.EchoOn(t, fd) {
		t.Error("the terminal was left without echo")
	}
}

// waitForEcho waits until the prompt has turned echo on or off, as a
// person would type only once it asks.
func waitForEcho(t *testing.T, fd int, on bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ptytest.EchoOn(t, fd) != on; {
		if time.Now().After(deadline) {
			t.Fatalf("echo never turned %v", on)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
