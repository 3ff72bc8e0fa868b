package client

import (
	"encoding/json"
	"time"
)

// User is an Axero user as the REST API returns it.
type User struct {
	UserID         int64  `json:"UserID"`
	UserName       string `json:"UserName"`
	DisplayName    string `json:"DisplayName"`
	Email          string `json:"Email"`
	IsSiteAdmin    bool   `json:"IsSiteAdmin"`
	CanImpersonate bool   `json:"CanImpersonate"`
}

// Token is a bearer token's metadata. It never holds the secret.
type Token struct {
	TokenID         int64  `json:"TokenID"`
	Name            string `json:"Name"`
	UserID          int64  `json:"UserID"`
	DateCreated     Time   `json:"DateCreated"`
	ExpirationDate  *Time  `json:"ExpirationDate"`
	LastUsedDate    *Time  `json:"LastUsedDate"`
	IsImpersonation bool   `json:"IsImpersonation"`
	CreatedByUserID int64  `json:"CreatedByUserID"`
	Status          string `json:"Status"`
}

// NeverExpires reports a token with no expiration date. A zero date, which
// some servers write for "none", counts as none.
func (t Token) NeverExpires() bool {
	return t.ExpirationDate == nil || t.ExpirationDate.IsZero()
}

// Expired reports whether t has expired at now: the server says so, or its
// expiration date has passed. Every command and engine that sorts tokens
// into expired and active (list, revoke --expired, audit, revoke --from)
// asks this one rule.
func (t Token) Expired(now time.Time) bool {
	if t.Status == StatusExpired {
		return true
	}
	return !t.NeverExpires() && !t.ExpirationDate.After(now)
}

// Token statuses. A revoked token no longer exists on the server.
const (
	StatusActive  = "Active"
	StatusExpired = "Expired"
)

// CreatedToken is the answer to a create: the metadata plus the secret,
// which the server returns this once and never again.
type CreatedToken struct {
	Token
	Secret string `json:"Token"`
}

// Policy is the site's expiration policy for new tokens.
type Policy struct {
	SecurityLevel            string `json:"SecurityLevel"`
	MaxExpirationMinutes     int64  `json:"MaxExpirationMinutes"` // 0: no maximum
	AllowNoExpiration        bool   `json:"AllowNoExpiration"`
	DefaultExpirationMinutes int64  `json:"DefaultExpirationMinutes"`
}

// CreateTokenRequest is the body of a create. ExpiresInMinutes nil means
// "the server's default"; a pointer to 0 means "never expires".
type CreateTokenRequest struct {
	Name             string `json:"Name"`
	ExpiresInMinutes *int64 `json:"ExpiresInMinutes,omitempty"`
}

// RenameTokenRequest is the body of a rename.
type RenameTokenRequest struct {
	Name string `json:"Name"`
}

// Page is one page of a list answer.
type Page[T any] struct {
	Items        []T
	TotalRecords int
	StartPage    int
	PageSize     int
}

// Envelope is Axero's response wrapper. Lists add TotalRecords.
type Envelope struct {
	IsError      bool            `json:"IsError"`
	ErrorMessage string          `json:"ErrorMessage,omitempty"`
	ErrorCode    string          `json:"ErrorCode,omitempty"`
	ResponseData json.RawMessage `json:"ResponseData,omitempty"`
	TotalRecords *int            `json:"TotalRecords,omitempty"`
}
