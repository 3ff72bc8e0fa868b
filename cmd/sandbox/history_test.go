package sandbox

import (
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/emulator"
)

// --history gives the generated users a past to audit (20 users when
// --users does not say), the same past for the same seed, and says so in
// the banner.
func TestSandboxHistory(t *testing.T) {
	t.Parallel()
	pasts := func(seed string) (map[string]int, string) {
		kinds := map[string]int{}
		out, _, code := runSandbox(t, func(s *emulator.Server) {
			for _, tok := range s.Tokens() {
				if tok.UserID <= 1000 {
					continue
				}
				kinds["all"]++
				if tok.ExpirationDate == nil {
					kinds["never"]++
				}
				if tok.IsImpersonation {
					kinds["impersonation"]++
				}
				if tok.LastUsedDate == nil {
					kinds["unused"]++
				}
			}
		}, "--history", "--history-seed", seed)
		if code != 0 {
			t.Fatalf("sandbox --history exited %d", code)
		}
		return kinds, out
	}
	a, out := pasts("7")
	if a["all"] < 20*4 || a["never"] == 0 || a["impersonation"] == 0 || a["unused"] == 0 {
		t.Fatalf("the history lacks kinds of tokens: %v", a)
	}
	for _, want := range []string{"# 20 generated users", "# History (seed 7):", "axero token audit --stale 180d"} {
		if !strings.Contains(out, want) {
			t.Errorf("the banner lacks %q:\n%s", want, out)
		}
	}
	if b, _ := pasts("7"); b["all"] != a["all"] || b["never"] != a["never"] {
		t.Errorf("the same seed gave another past: %v, then %v", a, b)
	}
}

func TestSandboxHistorySeedNeedsHistory(t *testing.T) {
	t.Parallel()
	_, _, code := runSandbox(t, func(*emulator.Server) {}, "--history-seed", "3")
	if code != 2 {
		t.Fatalf("--history-seed without --history exited %d, want 2", code)
	}
}
