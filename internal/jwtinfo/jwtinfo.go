// Package jwtinfo decodes an Axero bearer token offline. It verifies nothing:
// only the server can say whether a token is valid. It reads the claims so
// that commands can show a token's ID, user and expiry without a request.
package jwtinfo

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
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

// Decode reads a token's claims without verifying its signature.
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
	var err2 error
	if info.IssuedAt, err2 = timeClaim("iat", claims.GetIssuedAt); err2 != nil {
		return nil, err2
	}
	if info.ExpiresAt, err2 = timeClaim("exp", claims.GetExpirationTime); err2 != nil {
		return nil, err2
	}
	return info, nil
}

// timeClaim reads a NumericDate claim; nil when it is absent. A claim that
// is present but unreadable, or outside the years 0000 to 9999, is an
// error: showing "never expires" for it would be a lie, and JSON output
// could not write it.
func timeClaim(name string, get func() (*jwt.NumericDate, error)) (*time.Time, error) {
	d, err := get()
	if err != nil {
		return nil, fmt.Errorf("the token's %s claim is not a time", name)
	}
	if d == nil {
		return nil, nil
	}
	t := d.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("the token's %s claim is outside the years 0000 to 9999", name)
	}
	return &t, nil
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
