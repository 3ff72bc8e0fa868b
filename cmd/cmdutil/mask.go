package cmdutil

import (
	"fmt"
	"strings"
)

// MaskInCI asks the GitHub Actions runner to hide secret in every later
// log line, before anything reveals it. The workflow command goes to
// stderr, which the runner reads for commands too, so that it works even
// when stdout is captured with $(...) and holds nothing but the token.
// Outside GitHub Actions it does nothing. Every command that may print a
// new token calls it first: token create, rotate and create-for-user, and
// call for a Token in an answer.
func MaskInCI(f *Factory, secret string) {
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
