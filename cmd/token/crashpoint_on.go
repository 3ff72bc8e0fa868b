//go:build axero_crashpoints && unix

package token

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// crashHook makes the process kill itself with SIGKILL (no deferred
// function, no flush) at the step that AXERO_TEST_CRASH_AT names, e.g.
// "mint" or "put:2:done", so that the end-to-end tests can prove that the
// next run finishes what a killed one left. "POINT@N" kills at the Nth
// time any row of a bulk run reaches POINT ("row:put:1@3"); without @N,
// at the first. Only binaries built with the axero_crashpoints tag have
// it.
func crashHook(f *cmdutil.Factory) func(string) {
	at := strings.TrimSpace(f.Getenv("AXERO_TEST_CRASH_AT"))
	if at == "" {
		return nil
	}
	nth := int64(1)
	if p, n, ok := strings.Cut(at, "@"); ok {
		if v, err := strconv.ParseInt(n, 10, 64); err == nil && v > 0 {
			at, nth = p, v
		}
	}
	var seen atomic.Int64
	return func(point string) {
		if point == at && seen.Add(1) == nth {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal arrives before anything else runs
		}
	}
}
