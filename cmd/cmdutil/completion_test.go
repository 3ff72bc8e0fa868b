package cmdutil

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
)

func TestTokenCandidatesLeaveOutAmbiguousNames(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	past := client.Time{Time: now.Add(-72 * time.Hour)}
	tokens := []client.Token{
		{TokenID: 11, Name: "ci"},
		{TokenID: 12, Name: "ci"},
		{TokenID: 13, Name: "old", ExpirationDate: &past},
	}
	got := tokenCandidates(tokens, nil, "", now)
	var values []string
	for _, c := range got {
		values = append(values, strings.SplitN(c, "\t", 2)[0])
	}
	if !slices.Equal(values, []string{"11", "12", "13", "old"}) {
		t.Errorf("candidates %q, want the IDs, and only the unambiguous name", values)
	}
	if !strings.Contains(got[2], "expired 3 days ago") {
		t.Errorf("expired token described as %q", got[2])
	}
	if !strings.Contains(got[0], "never expires") {
		t.Errorf("token without expiry described as %q", got[0])
	}
}
