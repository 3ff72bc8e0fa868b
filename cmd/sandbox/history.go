package sandbox

import (
	"fmt"
	"io"

	"github.com/axero-cli/axero/internal/emulator"
)

// generatedUsers counts the users beyond the seeded ones (the history
// administrators included, whom --history adds).
func generatedUsers(srv *emulator.Server) int {
	n := 0
	for _, u := range srv.Users() {
		if u.UserID > 1000 {
			n++
		}
	}
	return n
}

// printHistoryHint says what --history gave the sandbox and how to audit
// it, in banner comments.
func printHistoryHint(w io.Writer, srv *emulator.Server, opts *SandboxOptions) {
	tokens := 0
	for _, t := range srv.Tokens() {
		if t.UserID > 1000 {
			tokens++
		}
	}
	fmt.Fprintf(w, "# History (seed %d): %d tokens of the generated users, created and last used long ago,\n", opts.HistorySeed, tokens)
	fmt.Fprintln(w, "#   expiring soon, never expiring, expired, and minted by admin, secadmin or opsadmin.")
	fmt.Fprintln(w, "#   Audit them as admin:  AXERO_TOKEN=\"$ADMIN_TOKEN\" axero token audit --stale 180d --never-expires")
}
