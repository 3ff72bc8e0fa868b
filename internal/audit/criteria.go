package audit

import (
	"time"

	"github.com/axero-cli/axero/client"
)

// Finding names a reason to report a token. The names are stable: they
// appear in the CSV and JSON output and in scripts that read them.
type Finding string

// The findings, in the order a row lists them.
const (
	FindingStale         Finding = "stale"         // not used for Criteria.Stale, or never used and older than it
	FindingExpiring      Finding = "expiring"      // expires within Criteria.ExpiringWithin, not yet expired
	FindingNeverExpires  Finding = "never-expires" // no expiration date
	FindingExpired       Finding = "expired"       // past its expiration date
	FindingImpersonation Finding = "impersonation" // minted for the user by an administrator (CreatedBy narrows it)
)

// AllFindings lists every finding in row order, for summaries.
var AllFindings = []Finding{FindingStale, FindingExpiring, FindingNeverExpires, FindingExpired, FindingImpersonation}

// Criteria select the findings to look for. A token is reported when it
// matches any selected finding. With nothing selected, every token is
// reported (an inventory) and rows carry no findings.
type Criteria struct {
	Stale          time.Duration // 0: not looked for
	ExpiringWithin time.Duration // 0: not looked for
	NeverExpires   bool
	Expired        bool
	Impersonation  bool
	// CreatedBy narrows the impersonation finding to the tokens one
	// administrator minted: a UserID, an email address or a user name,
	// resolved once before the scan. It implies Impersonation.
	CreatedBy string
}

// Any reports whether some finding is selected.
func (c Criteria) Any() bool {
	return c.Stale > 0 || c.ExpiringWithin > 0 || c.NeverExpires || c.Expired || c.Impersonation || c.CreatedBy != ""
}

// matcher is Criteria with CreatedBy resolved and the clock fixed, so that
// every token of one scan is judged at the same instant.
type matcher struct {
	Criteria
	createdByID int64 // 0: any administrator
	now         time.Time
}

// findings returns the selected findings that t matches, in row order.
func (m *matcher) findings(t *client.Token) []Finding {
	var out []Finding
	expires := t.ExpirationDate
	expired := t.Expired(m.now)
	if m.Stale > 0 {
		since := t.DateCreated.Time
		if t.LastUsedDate != nil {
			since = t.LastUsedDate.Time
		}
		if m.now.Sub(since) >= m.Stale {
			out = append(out, FindingStale)
		}
	}
	if m.ExpiringWithin > 0 && !t.NeverExpires() && !expired && expires.Sub(m.now) <= m.ExpiringWithin {
		out = append(out, FindingExpiring)
	}
	if m.NeverExpires && t.NeverExpires() {
		out = append(out, FindingNeverExpires)
	}
	if m.Expired && expired {
		out = append(out, FindingExpired)
	}
	if (m.Impersonation || m.CreatedBy != "") && t.IsImpersonation && (m.createdByID == 0 || t.CreatedByUserID == m.createdByID) {
		out = append(out, FindingImpersonation)
	}
	return out
}
