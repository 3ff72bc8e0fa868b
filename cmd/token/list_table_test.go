package token

import (
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/iostreams"
)

// tableEpoch is a fixed clock, so that no result depends on when the
// tests run.
var tableEpoch = time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)

func TestTokenListSortLastUsed(t *testing.T) {
	t.Parallel()
	var a, b, c client.Token
	t1 := client.Time{Time: tableEpoch}
	t2 := client.Time{Time: tableEpoch.Add(time.Hour)}
	a = client.Token{TokenID: 1, LastUsedDate: &t1}
	b = client.Token{TokenID: 2}
	c = client.Token{TokenID: 3, LastUsedDate: &t2}
	tokens := []client.Token{a, b, c}
	sortTokens(tokens, "last-used")
	if tokens[0].TokenID != 3 || tokens[1].TokenID != 1 || tokens[2].TokenID != 2 {
		t.Fatalf("order %d %d %d, want 3 1 2 (most recent first, never used last)", tokens[0].TokenID, tokens[1].TokenID, tokens[2].TokenID)
	}
}

// On a colour terminal the impersonation type is purple; NO_COLOR or a
// pipe gets the plain word.
func TestTokenListImpersonationColour(t *testing.T) {
	t.Parallel()
	f := &cmdutil.Factory{}
	ios, _, _, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetColorEnabled(true)
	f.IO = ios
	tokens := []client.Token{{TokenID: 1, Name: "x", IsImpersonation: true, DateCreated: client.Time{Time: tableEpoch}}}
	td := tokenTable(f, tokens, true, tableEpoch)
	if got := td.Rows[0][5]; got != "\x1b[35mimpersonation\x1b[0m" {
		t.Errorf("tty colour cell %q", got)
	}
	if got := tokenTable(f, tokens, false, tableEpoch).Rows[0][5]; got != "impersonation" {
		t.Errorf("piped cell %q", got)
	}
	ios.SetColorEnabled(false)
	if got := tokenTable(f, tokens, true, tableEpoch).Rows[0][5]; got != "impersonation" {
		t.Errorf("NO_COLOR cell %q", got)
	}
}
