//go:build !windows

package cmd

import (
	"bufio"
	"context"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/keychain"
)

// TestExecForwardsSignals sends SIGTERM to this test process while axero
// exec runs a child; exec must catch it and pass it on, and the child's
// trap decides the exit status.
func TestExecForwardsSignals(t *testing.T) {
	skipExecOnWindows(t)
	e := newAuthEnv(t)
	e.login("jdoe")

	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	f := cmdutil.New("test")
	ios, _, _, errOut := iostreams.Test()
	ios.Out = pw
	f.IO = ios
	f.Getenv = func(k string) string { return e.env[k] }
	f.Keychain = func() keychain.Store { return e.keychain }
	root := NewRootCmd(f)
	root.SetArgs([]string{"exec", "--", "sh", "-c", `trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done`})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(context.Background()) }()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("child said %q, %v", line, err)
	}
	// The child is running, so exec has installed its signal handler.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = <-done
	pw.Close()
	if code := cmdutil.ExitCode(err); code != 42 {
		t.Fatalf("exit %d, want 42 (stderr %q)", code, errOut.String())
	}
}
