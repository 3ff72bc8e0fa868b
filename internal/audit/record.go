package audit

import (
	"strconv"
	"strings"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/textsafe"
)

// Token types in Row.Type.
const (
	TypeImpersonation = "impersonation"
	TypePersonal      = "personal"
)

// Row is one reported token. Its JSON and CSV field names are the ones
// bulk revoke reads (TokenID and UserID), so an audit's output can be fed
// to `token revoke --from` as it is.
type Row struct {
	UserID          int64      `json:"UserID"`
	UserName        string     `json:"UserName"`
	TokenID         int64      `json:"TokenID"`
	Name            string     `json:"Name"`
	Type            string     `json:"Type"` // TypeImpersonation or TypePersonal
	CreatedByUserID int64      `json:"CreatedByUserID"`
	CreatedBy       string     `json:"CreatedBy"` // the creator's user name, "" when it could not be found
	Created         time.Time  `json:"Created"`
	LastUsed        *time.Time `json:"LastUsed"` // nil: never used
	Expires         *time.Time `json:"Expires"`  // nil: never expires
	Findings        []Finding  `json:"Findings"`
}

// CSVHeader is the header row of an audit CSV.
var CSVHeader = []string{"UserID", "UserName", "TokenID", "Name", "Type", "CreatedByUserID", "CreatedBy", "Created", "LastUsed", "Expires", "Findings"}

// CSVRecord is r as a CSV row matching CSVHeader: times in RFC 3339 UTC,
// LastUsed empty when never used, Expires "never" when it never expires,
// findings joined by ";". Text from the server is neutralised against
// spreadsheet formulas (textsafe.CSVCell; textsafe.CSVUncell reverses it).
func (r Row) CSVRecord() []string {
	last := ""
	if r.LastUsed != nil {
		last = r.LastUsed.UTC().Format(time.RFC3339)
	}
	exp := "never"
	if r.Expires != nil {
		exp = r.Expires.UTC().Format(time.RFC3339)
	}
	f := make([]string, len(r.Findings))
	for i, x := range r.Findings {
		f[i] = string(x)
	}
	return []string{
		strconv.FormatInt(r.UserID, 10),
		textsafe.CSVCell(r.UserName),
		strconv.FormatInt(r.TokenID, 10),
		textsafe.CSVCell(r.Name),
		r.Type,
		strconv.FormatInt(r.CreatedByUserID, 10),
		textsafe.CSVCell(r.CreatedBy),
		r.Created.UTC().Format(time.RFC3339),
		last,
		exp,
		strings.Join(f, ";"),
	}
}

// rowFor builds the row of a token of user.
func rowFor(user *client.User, t *client.Token, createdBy string, findings []Finding) Row {
	r := Row{
		UserID:          user.UserID,
		UserName:        user.UserName,
		TokenID:         t.TokenID,
		Name:            t.Name,
		Type:            TypePersonal,
		CreatedByUserID: t.CreatedByUserID,
		CreatedBy:       createdBy,
		Created:         t.DateCreated.UTC(),
		Findings:        findings,
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if t.IsImpersonation {
		r.Type = TypeImpersonation
	}
	if t.LastUsedDate != nil {
		lu := t.LastUsedDate.UTC()
		r.LastUsed = &lu
	}
	if t.ExpirationDate != nil {
		e := t.ExpirationDate.UTC()
		r.Expires = &e
	}
	return r
}
