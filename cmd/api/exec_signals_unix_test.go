//go:build !windows

package api_test

import (
	"bufio"
	"context"
	"github.com/axero-cli/axero/cmd/cmdtest"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/axero-cli/axero/cmd/root"
)

// TestExecForwardsSignals sends SIGTERM to this test process while axero
// exec runs a child; exec must catch it and pass it on, and the child's
// trap decides the exit status.
func TestExecForwardsSignals(t *testing.T) {
	skipExecOnWindows(t)
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")

	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pr.Close() }()
	f, _, errOut := e.Factory()
	f.IO.Out = pw
	args := []string{"exec", "--", "sh", "-c", `trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done`}
	done := make(chan int, 1)
	go func() { done <- root.Execute(context.Background(), f, args) }()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("child said %q, %v", line, err)
	}
	// The child is running, so exec has installed its signal handler.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code := <-done
	_ = pw.Close()
	if code != 42 {
		t.Fatalf("exit %d, want 42 (stderr %q)", code, errOut.String())
	}
}
