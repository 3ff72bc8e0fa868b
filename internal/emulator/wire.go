package emulator

import (
	"strconv"
	"time"
)

// The objects below are what the emulator sends, written from the wire
// contract (docs/api.md) and declared here rather than borrowed from the
// client package: were the emulator to encode its answers with the
// client's own structs, a wrong field name in the client would be echoed
// back by the server and every test would pass. The goldens under
// testdata/wire hold both sides to the contract instead.

// wireUser is the User object.
type wireUser struct {
	UserID         int64  `json:"UserID"`
	UserName       string `json:"UserName"`
	DisplayName    string `json:"DisplayName"`
	Email          string `json:"Email"`
	IsSiteAdmin    bool   `json:"IsSiteAdmin"`
	CanImpersonate bool   `json:"CanImpersonate"`
}

// wireToken is the Token object: a token's metadata, never its value.
// ExpirationDate and LastUsedDate are null when there is none, not absent.
type wireToken struct {
	TokenID         int64     `json:"TokenID"`
	Name            string    `json:"Name"`
	UserID          int64     `json:"UserID"`
	DateCreated     wireTime  `json:"DateCreated"`
	ExpirationDate  *wireTime `json:"ExpirationDate"`
	LastUsedDate    *wireTime `json:"LastUsedDate"`
	IsImpersonation bool      `json:"IsImpersonation"`
	CreatedByUserID int64     `json:"CreatedByUserID"`
	Status          string    `json:"Status"`
}

// Token statuses on the wire. A revoked token is not listed at all.
const (
	statusActive  = "Active"
	statusExpired = "Expired"
)

// wireCreatedToken is the answer to a create: the Token object plus the
// value, which is sent this once.
type wireCreatedToken struct {
	wireToken
	Token string `json:"Token"`
}

// Policy is the site's expiration policy for new tokens, as the policy
// endpoint returns it.
type Policy struct {
	// SecurityLevel is Compatible, High or Maximum.
	SecurityLevel string `json:"SecurityLevel"`
	// MaxExpirationMinutes is the longest lifetime a create may ask for;
	// 0 means no maximum.
	MaxExpirationMinutes int64 `json:"MaxExpirationMinutes"`
	// AllowNoExpiration lets a create ask for a token that never expires
	// (ExpiresInMinutes 0).
	AllowNoExpiration bool `json:"AllowNoExpiration"`
	// DefaultExpirationMinutes is the lifetime of a token whose create
	// names none.
	DefaultExpirationMinutes int64 `json:"DefaultExpirationMinutes"`
}

// okEnvelope wraps every success; lists add TotalRecords.
type okEnvelope struct {
	IsError      bool `json:"IsError"`
	ResponseData any  `json:"ResponseData"`
	TotalRecords *int `json:"TotalRecords,omitempty"`
}

// errEnvelope is every error answer's body.
type errEnvelope struct {
	IsError      bool   `json:"IsError"`
	ErrorMessage string `json:"ErrorMessage"`
	ErrorCode    string `json:"ErrorCode"`
}

// Fields of a create or rename body, lower-cased: the emulator matches
// them without regard to case, as ASP.NET model binding does.
const (
	fieldName             = "name"
	fieldExpiresInMinutes = "expiresinminutes"
)

// wireTime is an instant in the one form the emulator writes: RFC 3339 in
// UTC, to the second (2026-11-26T17:00:00Z). Clients must accept older
// forms as well; the emulator never sends them.
type wireTime time.Time

func (t wireTime) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(time.Time(t).UTC().Format(time.RFC3339))), nil
}

// wireTimeOf is the wire form of t, or nil for none.
func wireTimeOf(t *time.Time) *wireTime {
	if t == nil {
		return nil
	}
	w := wireTime(*t)
	return &w
}
