//go:build unix

package exec

import (
	"context"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/sink"
)

// TestTimeoutKillsTheProcessGroup: when the context ends, the command and
// everything it started are killed, not left running with the token.
func TestTimeoutKillsTheProcessGroup(t *testing.T) {
	t.Parallel()
	if _, err := osexec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	pids := filepath.Join(t.TempDir(), "pids")
	s := parse(t, "sh -c "+quote(`cat >/dev/null; sleep 600 & echo $$ $! > "$1.tmp" && mv "$1.tmp" "$1"; wait`)+" sh "+quote(pids))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Put(ctx, value()) }()
	var shell, child int
	for {
		if data, err := os.ReadFile(pids); err == nil { //nolint:gosec // the file the test's command writes in its temporary directory
			if _, err := fmt.Sscan(string(data), &shell, &child); err != nil {
				t.Fatalf("pids %q: %v", data, err)
			}
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the command ended on its own: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	err := <-done
	if sink.KindOf(err) != sink.Failed || !strings.Contains(err.Error(), "process group was killed") {
		t.Fatalf("err = %v", err)
	}
	for _, pid := range []int{shell, child} {
		for alive(pid) {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// alive reports whether pid runs (a zombie waiting for its reaper does
// not count).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !errors.Is(err, os.ErrNotExist) && runtime.GOOS != "linux"
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}
