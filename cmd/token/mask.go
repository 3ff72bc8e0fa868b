package token

import (
	"fmt"
	"strings"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// maskInCI asks the GitHub Actions runner to hide secret in every later
// log line, before anything reveals it. The workflow command goes to
// stderr, which the runner reads for commands too, so that it works even
// when stdout is captured with $(...) and holds nothing but the token.
// Outside GitHub Actions it does nothing.
func maskInCI(f *cmdutil.Factory, secret string) {
	if !strings.EqualFold(strings.TrimSpace(f.Getenv("GITHUB_ACTIONS")), "true") || secret == "" {
		return
	}
	fmt.Fprintf(f.IO.ErrOut, "::add-mask::%s\n", escapeWorkflowData(secret))
}

// escapeWorkflowData escapes a workflow command's value as the runner
// unescapes it, so that no character of it can end the command early.
func escapeWorkflowData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}
