package sandbox

import (
	"fmt"
	"io"

	"github.com/axero-cli/axero/internal/emulator/sinkset"
)

// printSinksBanner writes the export lines that point each kind of --to
// sink at its emulator, and what each emulator holds.
func printSinksBanner(w io.Writer, set *sinkset.Set) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "# Sink emulators for --to (sandbox credentials, not real ones):")
	fmt.Fprintf(w, "#   GitHub, repository %s:        --to github:%s#AXERO_TOKEN\n", sinkset.Repo, sinkset.Repo)
	fmt.Fprintf(w, "#   GitLab, project %s (id %d): --to gitlab:project/%s#AXERO_TOKEN\n", sinkset.Repo, sinkset.GitLabProjectID, sinkset.Repo)
	fmt.Fprintf(w, "#   Vault, KV version 2 mount %s:   --to vault:%s/ci/axero#token\n", sinkset.VaultMount, sinkset.VaultMount)
	fmt.Fprintf(w, "#   AWS Secrets Manager, secret %s: --to aws-sm:%s\n", sinkset.AWSSecret, sinkset.AWSSecret)
	for _, v := range set.Env() {
		fmt.Fprintf(w, "export %s=%s\n", v.Name, shellQuote(v.Value))
	}
}
