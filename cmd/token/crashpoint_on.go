//go:build axero_crashpoints && unix

package token

import (
	"os"
	"strings"
	"syscall"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// crashHook makes the process kill itself with SIGKILL (no deferred
// function, no flush) at the step that AXERO_TEST_CRASH_AT names, e.g.
// "mint" or "put:2:done", so that the end-to-end tests can prove that the
// next run finishes what a killed one left. Only binaries built with the
// axero_crashpoints tag have it.
func crashHook(f *cmdutil.Factory) func(string) {
	at := strings.TrimSpace(f.Getenv("AXERO_TEST_CRASH_AT"))
	if at == "" {
		return nil
	}
	return func(point string) {
		if point == at {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal arrives before anything else runs
		}
	}
}
