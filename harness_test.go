package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// recordT is a testscript.T that records failures instead of failing the
// test, so that the harness's own assertions can be shown to fail.
type recordT struct {
	mu     sync.Mutex
	failed bool
	log    strings.Builder
}

func (t *recordT) Skip(args ...any) { runtime.Goexit() }
func (t *recordT) Fatal(args ...any) {
	t.Log(args...)
	t.FailNow()
}
func (t *recordT) Parallel() {}
func (t *recordT) Log(args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, a := range args {
		t.log.WriteString(strings.TrimSpace(toString(a)) + "\n")
	}
}
func (t *recordT) FailNow() {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
	runtime.Goexit()
}
func (t *recordT) Run(name string, f func(testscript.T)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(t)
	}()
	<-done
}
func (t *recordT) Verbose() bool { return false }

func toString(a any) string {
	if s, ok := a.(string); ok {
		return s
	}
	if e, ok := a.(error); ok {
		return e.Error()
	}
	return ""
}

// runScript runs one script text through the harness and reports whether
// it failed, with the log.
func runScript(t *testing.T, script string) (failed bool, log string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "s.txtar"), []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	rt := &recordT{}
	testscript.RunT(rt, scriptParams(dir))
	return rt.failed, rt.log.String()
}

// The harness's assertions must be able to fail: each script below breaks
// one of them and must fail, while the control script passes.
func TestHarnessAssertionsCanFail(t *testing.T) {
	if failed, log := runScript(t, "emulator count jdoe seed active 1\nexitcode 2 axero no-such-command\n"); failed {
		t.Fatalf("the control script failed:\n%s", log)
	}
	for name, c := range map[string]struct{ script, want string }{
		"noleak stdout":      {"exec sh -c 'echo \"$USER_TOKEN\"'\nemulator noleak stdout\n", "stdout contains the value of token 100003"},
		"noleak signature":   {"exec sh -c 'echo \"${USER_TOKEN##*.}\" > dir/sig.txt'\nemulator noleak dir\n-- dir/keep --\n", "sig.txt contains the value of token 100003"},
		"noleak minted":      {"emulator mint jdoe x 1h env X\nexec sh -c 'echo \"$X\" > f.txt'\nemulator noleak f.txt\n", "f.txt contains the value of token 100005"},
		"count":              {"emulator count jdoe seed active 2\n", "jdoe has 1 active tokens named \"seed\", want 2"},
		"secret-valid":       {"emulator secret-valid f.txt\n-- f.txt --\nnot a token\n", "holds no value of a live, unexpired token"},
		"not secret-valid":   {"exec sh -c 'echo \"$USER_TOKEN\" > f.txt'\n! emulator secret-valid f.txt\n", "holds the value of live token(s) [100003]"},
		"exitcode":           {"exitcode 0 axero no-such-command\n", "exited with status 2, want 0"},
		"requests":           {"emulator requests GET /api 1\n", "received 0 GET requests under /api, want 1"},
		"envfrom":            {"envfrom f.txt 'id=(\\d+)' ID\n-- f.txt --\nnothing\n", "envfrom: no match"},
		"unknown fault knob": {"emulator fault nosuch 1\n", "unknown knob"},
		"revoked seed":       {"env AXERO_TOKEN=$USER_TOKEN\nexec axero call DELETE bearertokens/100003\nemulator count jdoe seed active 1\n", "jdoe has 0 active tokens"},
		"policy bad value":   {"emulator policy max soon\n", "want a lifetime"},
		"mint unknown user":  {"emulator mint nobody x 1h\n", "no user \"nobody\""},
	} {
		failed, log := runScript(t, c.script)
		if !failed {
			t.Errorf("%s: the script passed; want a failure:\n%s", name, log)
		} else if !strings.Contains(log, c.want) {
			t.Errorf("%s: the script failed without %q:\n%s", name, c.want, log)
		}
	}
}
