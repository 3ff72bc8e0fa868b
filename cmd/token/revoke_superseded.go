package token

import (
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/rotation"
)

// supersededDue are the tokens whose name carries the superseded marker
// of a rotation with --grace, with a time that has passed.
func supersededDue(tokens []client.Token, now time.Time) []client.Token {
	var out []client.Token
	for _, t := range tokens {
		if rotation.Due(t.Name, now) {
			out = append(out, t)
		}
	}
	return out
}

// nothingToRevoke says, on a terminal, that the filters found nothing.
func nothingToRevoke(opts *RevokeOptions) string {
	switch {
	case opts.Superseded && opts.Expired:
		return "No expired or superseded tokens to revoke."
	case opts.Superseded:
		return "No superseded tokens past their time to revoke."
	}
	return "No expired tokens to revoke."
}
