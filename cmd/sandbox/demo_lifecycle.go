package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
)

// seedDemoHistory gives the tour's site a past worth auditing: two tokens
// nobody has used for months and one that never expires, beside the
// fresh tokens the tour minted.
func seedDemoHistory(srv *emulator.Server) error {
	now := time.Now()
	days := func(n int) time.Time { return now.AddDate(0, 0, n) }
	ptr := func(t time.Time) *time.Time { return &t }
	_, err := srv.SeedHistory([]emulator.HistoryToken{
		{UserID: 1002, Name: "legacy-import", Created: days(-700), LastUsed: ptr(days(-300)), Expires: ptr(days(60))},
		{UserID: 1004, Name: "old-report", Created: days(-400), Expires: ptr(days(120))},
		{UserID: 1003, Name: "chatops-bot", Created: days(-90), LastUsed: ptr(days(-1))},
	})
	if err != nil {
		return fmt.Errorf("demo: seeding the site's history: %w", err)
	}
	return nil
}

// auditAndRevoke is the clean-up path the README documents: audit, save
// the findings as CSV, look at them, revoke exactly those, audit again.
func (d *demo) auditAndRevoke() {
	d.narrate("Audit every user's tokens: which has nobody used for six months, which never expire? --exit-code exits 6 when something is found, for CI:")
	d.run("", 6, "token", "audit", "--stale", "180d", "--never-expires", "--exit-code")

	stalePath := filepath.Join(d.dir, "stale.csv")
	d.narrate("The clean-up path: save the stale tokens as CSV, look at it, then revoke exactly those.")
	file, err := os.OpenFile(stalePath, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600) //nolint:gosec // a file the demo itself creates in its own temporary directory
	if err != nil {
		if d.failure == nil {
			d.failure = fmt.Errorf("demo: %w", err)
		}
		return
	}
	d.runTo(file, "stale.csv", "", 0, "token", "audit", "--stale", "180d", "-o", "csv")
	if err := file.Close(); err != nil && d.failure == nil {
		d.failure = fmt.Errorf("demo: writing %s: %w", stalePath, err)
	}
	d.show("$ cat stale.csv", stalePath)
	d.narrate("Each token is checked against its owner's current tokens before it is revoked; on a terminal axero asks, in scripts pass --yes:")
	d.run("", 0, "token", "revoke", "--from", stalePath, "--yes")
	d.narrate("Nothing stale is left:")
	d.run("", 0, "token", "audit", "--stale", "180d", "--exit-code")
}
