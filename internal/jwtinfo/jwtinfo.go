// Package jwtinfo decodes an Axero bearer token offline. It verifies nothing:
// only the server can say whether a token is valid. It reads the claims so
// that commands can show a token's ID, user and expiry without a request.
package jwtinfo

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/axero-cli/axero/internal/textsafe"
)

// Info is what an Axero token says about itself.
type Info struct {
	TokenID   int64      `json:"TokenID"`             // jti
	UserID    int64      `json:"UserID"`              // sub
	Issuer    string     `json:"Issuer"`              // iss: the site URL
	Name      string     `json:"Name,omitempty"`      // name at creation
	IssuedAt  *time.Time `json:"IssuedAt,omitempty"`  // iat
	ExpiresAt *time.Time `json:"ExpiresAt"`           // exp; nil: never expires
	ActorID   int64      `json:"ActorID,omitempty"`   // act: the impersonating admin
	Algorithm string     `json:"Algorithm,omitempty"` // the header's alg
}

// ErrNotJWT is returned for anything that is not a JWT.
var ErrNotJWT = errors.New("not a JWT: expected three base64url parts separated by dots")

// Decode reads a token's claims without verifying its signature. An iat or
// exp claim that is present but is not a time between the years 1 and 9999
// is a *ClaimError: such a token cannot be shown truthfully, and its times
// would not survive JSON.
func Decode(token string) (*Info, error) {
	token = strings.TrimSpace(token)
	token = strings.TrimPrefix(token, "Bearer ")
	if strings.Count(token, ".") != 2 {
		return nil, ErrNotJWT
	}
	claims := jwt.MapClaims{}
	parsed, _, err := jwt.NewParser().ParseUnverified(token, claims)
	if err != nil {
		return nil, ErrNotJWT
	}
	info := &Info{}
	if alg, ok := parsed.Header["alg"].(string); ok {
		info.Algorithm = alg
	}
	info.Issuer, _ = claims["iss"].(string)
	info.Name, _ = claims["name"].(string)
	info.UserID = intClaim(claims["sub"])
	info.TokenID = intClaim(claims["jti"])
	info.ActorID = intClaim(claims["act"])
	if info.IssuedAt, err = timeClaim(claims, "iat"); err != nil {
		return nil, err
	}
	if info.ExpiresAt, err = timeClaim(claims, "exp"); err != nil {
		return nil, err
	}
	return info, nil
}

// Bounds of a time claim that can be shown and printed as RFC 3339 (which
// encoding/json requires: years 0001 to 9999).
var (
	minClaimTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	maxClaimTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
)

// ClaimError: a time claim is present but is not a number of seconds that
// can be a real time. An exp of 1e300 is not "never": it is nonsense, and
// showing it as anything else would mislead.
type ClaimError struct {
	Claim string
	Value string // the claim as written, shortened
}

func (e *ClaimError) Error() string {
	return fmt.Sprintf("the token's %s claim (%s) is not a time between the years 1 and 9999", e.Claim, e.Value)
}

// timeClaim reads a NumericDate claim (seconds since 1970, possibly with a
// fraction). An absent claim is nil; one that is not a number in range is a
// *ClaimError, never a silently absent or clamped time.
func timeClaim(claims jwt.MapClaims, name string) (*time.Time, error) {
	v, present := claims[name]
	if !present || v == nil {
		return nil, nil
	}
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || f < float64(minClaimTime) || f > float64(maxClaimTime) {
		return nil, &ClaimError{Claim: name, Value: shortClaim(v)}
	}
	sec, frac := math.Modf(f)
	t := time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC()
	return &t, nil
}

// shortClaim writes a claim value for an error message: one line, short,
// escaped, since it comes from whoever made the token.
func shortClaim(v any) string {
	s := fmt.Sprint(v)
	if f, ok := v.(float64); ok {
		s = strconv.FormatFloat(f, 'g', -1, 64)
	} else if str, ok := v.(string); ok {
		s = strconv.Quote(str)
	}
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return textsafe.Terminal(s)
}

// intClaim reads an ID claim that Axero writes as a string ("42") but that
// other issuers may write as a number.
func intClaim(v any) int64 {
	switch x := v.(type) {
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	case float64:
		return int64(x)
	case map[string]any:
		// RFC 8693 writes act as an object: {"sub": "7"}.
		return intClaim(x["sub"])
	}
	return 0
}

// Expiry returns the token's exp claim; ok is false when it cannot be read
// or the token never expires.
func Expiry(token string) (time.Time, bool) {
	info, err := Decode(token)
	if err != nil || info.ExpiresAt == nil {
		return time.Time{}, false
	}
	return *info.ExpiresAt, true
}
