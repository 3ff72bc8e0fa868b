package client

// PLACEHOLDER: the client implementation replaces this file. The exported
// signatures below are the contract other packages compile against.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

var errNotImplemented = errors.New("not implemented yet")

// Config configures a Client.
type Config struct {
	BaseURL      string        // the site URL, e.g. https://intranet.example.com (no /api)
	Token        string        // the bearer token; may be empty for unauthenticated probes
	Paths        Paths         // endpoint paths; empty fields take DefaultPaths
	Timeout      time.Duration // per request attempt; 0 means 30s
	AllowHTTP    bool          // permit http:// to a non-loopback host
	UserAgent    string        // e.g. "axero/1.2.3"
	Debug        io.Writer     // when non-nil, each exchange is logged here, redacted
	MaxRetries   int           // retries after the first attempt for retryable requests; <0 none, 0 default (3)
	RetryMaxWait time.Duration // cap on one Retry-After/backoff wait; 0 means 60s
	Transport    http.RoundTripper
}

// Client talks to one Axero site with one token. It is safe for concurrent
// use; all goroutines sharing a Client share its rate-limit pause: a 429 or
// 503 with Retry-After holds back every request until the delay is over.
type Client struct{}

// New validates cfg (URL scheme and host, http only on loopback unless
// AllowHTTP) and builds a Client.
func New(cfg Config) (*Client, error) { return nil, errNotImplemented }

// WithToken returns a Client for the same site and settings with another token.
func (c *Client) WithToken(token string) *Client { return c }

// BaseURL returns the site URL the client talks to.
func (c *Client) BaseURL() string { return "" }

// Me returns the caller (GET users/me).
func (c *Client) Me(ctx context.Context) (*User, error) { return nil, errNotImplemented }

// GetUser returns one user by ID (site admin).
func (c *Client) GetUser(ctx context.Context, userID int64) (*User, error) {
	return nil, errNotImplemented
}

// UserQuery filters FindUsers; empty fields are not sent.
type UserQuery struct {
	Email    string
	UserName string
}

// FindUsers searches users by email or user name (site admin), one page.
func (c *Client) FindUsers(ctx context.Context, q UserQuery, startPage, pageSize int) (Page[User], error) {
	return Page[User]{}, errNotImplemented
}

// Policy returns the site's expiration policy.
func (c *Client) Policy(ctx context.Context) (*Policy, error) { return nil, errNotImplemented }

// ListTokens returns one page of the caller's own tokens.
func (c *Client) ListTokens(ctx context.Context, startPage, pageSize int) (Page[Token], error) {
	return Page[Token]{}, errNotImplemented
}

// ListAllTokens returns every one of the caller's tokens, fetching the
// pages after the first concurrently.
func (c *Client) ListAllTokens(ctx context.Context) ([]Token, error) { return nil, errNotImplemented }

// GetToken returns one token's metadata.
func (c *Client) GetToken(ctx context.Context, tokenID int64) (*Token, error) {
	return nil, errNotImplemented
}

// CreateToken mints a token for the caller. It is never re-sent after the
// request may have reached the server: a lost answer yields
// *OutcomeUnknownError. A 429 or 503 (nothing done) is retried.
func (c *Client) CreateToken(ctx context.Context, req CreateTokenRequest) (*CreatedToken, error) {
	return nil, errNotImplemented
}

// RenameToken renames a token.
func (c *Client) RenameToken(ctx context.Context, tokenID int64, name string) (*Token, error) {
	return nil, errNotImplemented
}

// RevokeToken revokes a token, immediately and irreversibly.
func (c *Client) RevokeToken(ctx context.Context, tokenID int64) error { return errNotImplemented }

// ListUserTokens returns one page of a user's tokens, impersonation ones
// included (admin who can impersonate).
func (c *Client) ListUserTokens(ctx context.Context, userID int64, startPage, pageSize int) (Page[Token], error) {
	return Page[Token]{}, errNotImplemented
}

// ListAllUserTokens returns every token of a user.
func (c *Client) ListAllUserTokens(ctx context.Context, userID int64) ([]Token, error) {
	return nil, errNotImplemented
}

// CreateUserToken mints an impersonation token for a user; same retry and
// outcome-unknown rules as CreateToken.
func (c *Client) CreateUserToken(ctx context.Context, userID int64, req CreateTokenRequest) (*CreatedToken, error) {
	return nil, errNotImplemented
}

// RawRequest is an arbitrary authenticated request (axero call).
type RawRequest struct {
	Method string
	Path   string // with or without a leading /api; may carry a query string
	Header http.Header
	Body   []byte
}

// RawResponse is the undecoded answer to a RawRequest.
type RawResponse struct {
	Status int
	Proto  string
	Header http.Header
	Body   []byte
}

// Do sends a RawRequest with the same safety rules (redirects, size cap,
// redaction, retries for idempotent methods). HTTP error statuses are not
// Go errors here: the caller reads Status.
func (c *Client) Do(ctx context.Context, req RawRequest) (*RawResponse, error) {
	return nil, errNotImplemented
}
