package token

import (
	"testing"

	"github.com/axero-cli/axero/internal/tokenfile"
)

// The plan names a token by what its row says: name and user when the
// file has them, the UserID, and never a raw control character.
func TestDescribePlanned(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		r    tokenfile.Record
		want string
	}{
		{tokenfile.Record{TokenID: 7, UserID: 42, User: "jdoe", Name: "jira-sync"}, `TokenID 7 "jira-sync" of jdoe (UserID 42)`},
		{tokenfile.Record{TokenID: 7, UserID: 42}, `TokenID 7 of UserID 42`},
		{tokenfile.Record{TokenID: 7, UserID: 42, User: "42", Name: "ci"}, `TokenID 7 "ci" of UserID 42`},
		{tokenfile.Record{TokenID: 7, User: "jdoe@example.com"}, `TokenID 7 of jdoe@example.com`},
		{tokenfile.Record{TokenID: 7}, `TokenID 7`},
		{tokenfile.Record{TokenID: 7, UserID: 1, User: "x\x1b[2J", Name: "evil\x1b]0;pwned\a"}, `TokenID 7 "evil\x1b]0;pwned\x07" of x\x1b[2J (UserID 1)`},
	} {
		if got := describePlanned(c.r); got != c.want {
			t.Errorf("describePlanned(%+v) = %q, want %q", c.r, got, c.want)
		}
	}
}
