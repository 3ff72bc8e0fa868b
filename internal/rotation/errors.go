package rotation

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/axero-cli/axero/internal/delivery"
)

// PartialError: some sink does not hold the new token. The old token is
// untouched and the pending file kept, for --resume.
type PartialError struct {
	Name           string
	NewID, OldID   int64
	Holding, Sinks int
	Report         delivery.Report
}

func (e *PartialError) Error() string {
	old := ""
	if e.OldID != 0 {
		old = fmt.Sprintf("; the old token %d was not touched and still works", e.OldID)
	}
	why := ""
	if err := e.Report.Err(); err != nil {
		why = ": " + err.Error()
	}
	return fmt.Sprintf("the new token %d reached %d of %d sinks%s%s", e.NewID, e.Holding, e.Sinks, why, old)
}

// LostRaceError: another run minted a replacement of the same token at
// the same time, and won; this run revoked its own and changed nothing.
type LostRaceError struct {
	Name   string
	Winner int64
}

func (e *LostRaceError) Error() string {
	return fmt.Sprintf("another rotation of %q replaced it at the same time (token %d); this run changed nothing", e.Name, e.Winner)
}

// ProofError: the new token did not authenticate, and was revoked. It
// does not unwrap, for the reason RetireError does not.
type ProofError struct{ Err error }

func (e *ProofError) Error() string { return e.Err.Error() }

// RetireError: every sink holds the new token, but revoking (or renaming)
// the old one failed; the pending file is kept so that --resume retries.
type RetireError struct {
	OldID, NewID int64
	Name         string
	Rename       bool
	Err          error
}

func (e *RetireError) Error() string {
	what := "revoking"
	if e.Rename {
		what = "renaming"
	}
	return fmt.Sprintf("the new token %d is delivered, but %s the old token %d failed (%v); finish with `axero token rotate %s --resume`, or revoke it with `axero token revoke %d`", e.NewID, what, e.OldID, e.Err, ShellQuote(e.Name), e.OldID)
}

// RetireError does not unwrap: a wrapped context.Canceled would shrink
// the message to "interrupted", and it must say which token is where.

// ShellQuote quotes a token name for a command line shown to the user:
// as it is when it is made only of letters, digits, '-', '_' and '.',
// else in single quotes.
func ShellQuote(s string) string {
	plain := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' && r != '.' || r > unicode.MaxASCII
	}) < 0
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
