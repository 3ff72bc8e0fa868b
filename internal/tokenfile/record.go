// Package tokenfile reads and writes the files of axero's bulk commands:
// the token files (create-for-user's and a renewal's output, `token audit
// -o json|csv`, a renewal's or revocation's failed file, any CSV with a
// TokenID column), the users files (create-for-user's --from and its
// failed file, audit's --users), a dry run's plan and the failed files.
//
// One reader takes every token file whatever wrote it: it sniffs the
// format from the content ('[' a JSON array, '{' JSON Lines, anything
// else CSV), finds its columns by the header (or the JSON field names,
// in any case), tolerates a byte order mark and CRLF line ends, and
// undoes the spreadsheet neutralisation (textsafe.CSVCell) that axero
// applies to the CSV it writes. So any file one command writes, the
// others read.
package tokenfile

import (
	"strconv"
	"strings"
	"time"

	"github.com/axero-cli/axero/client"
)

// Record is one token as a token file lists it. In the JSON Lines output
// of create-for-user and a renewal it is written as is.
type Record struct {
	User    string     `json:"user"` // as given to create-for-user, or the user name
	UserID  int64      `json:"UserID"`
	TokenID int64      `json:"TokenID"`
	Name    string     `json:"name"`
	Expiry  *time.Time `json:"expiry"` // nil: never expires, or not said
	Token   string     `json:"token"`  // the secret; "" in files that hold none
}

// RecordFor is the record of a token just created for user (as given).
func RecordFor(user string, ct *client.CreatedToken) Record {
	r := Record{User: user, UserID: ct.UserID, TokenID: ct.TokenID, Name: ct.Name, Token: ct.Secret}
	if ct.ExpirationDate != nil && !ct.ExpirationDate.IsZero() {
		t := ct.ExpirationDate.UTC()
		r.Expiry = &t
	}
	return r
}

// OutputColumns is the CSV header of a token file axero writes.
var OutputColumns = []string{"user", "UserID", "TokenID", "name", "expiry", "token"}

// Fields is r as a CSV row under OutputColumns.
func (r Record) Fields() []string {
	return []string{r.User, ID(r.UserID), ID(r.TokenID), r.Name, FormatExpiry(r.Expiry), r.Token}
}

// ID is an ID as a file writes it: "" for none.
func ID(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// FormatExpiry writes an expiry as the files do: RFC 3339 UTC, or never.
func FormatExpiry(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

// IsCSVPath reports whether an output path means CSV rather than JSON
// Lines: it ends in .csv, in any case.
func IsCSVPath(path string) bool {
	return strings.EqualFold(strings.TrimSpace(path[max(0, len(path)-4):]), ".csv")
}
