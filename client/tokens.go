package client

import (
	"bytes"
	"context"
	"errors"
	"net/http"
)

// Policy returns the site's expiration policy.
func (c *Client) Policy(ctx context.Context) (*Policy, error) {
	var p Policy
	cl := call{method: http.MethodGet, path: c.path(c.site.paths.Policy, nil)}
	if _, err := c.fetch(ctx, cl, wantData, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ListTokens returns one page of the caller's own tokens.
func (c *Client) ListTokens(ctx context.Context, startPage, pageSize int) (Page[Token], error) {
	return listPage[Token](ctx, c, c.path(c.site.paths.Tokens, nil), nil, startPage, pageSize)
}

// ListAllTokens returns every one of the caller's tokens, fetching the
// pages after the first concurrently.
func (c *Client) ListAllTokens(ctx context.Context) ([]Token, error) {
	return listAll(ctx, c, c.path(c.site.paths.Tokens, nil), tokenKey)
}

// ListUserTokens returns one page of a user's tokens, impersonation ones
// included (admin who can impersonate).
func (c *Client) ListUserTokens(ctx context.Context, userID int64, startPage, pageSize int) (Page[Token], error) {
	return listPage[Token](ctx, c, c.path(c.site.paths.UserTokens, &ids{user: userID}), nil, startPage, pageSize)
}

// ListAllUserTokens returns every token of a user.
func (c *Client) ListAllUserTokens(ctx context.Context, userID int64) ([]Token, error) {
	return listAll(ctx, c, c.path(c.site.paths.UserTokens, &ids{user: userID}), tokenKey)
}

func tokenKey(t Token) int64 { return t.TokenID }

// GetToken returns one token's metadata.
func (c *Client) GetToken(ctx context.Context, tokenID int64) (*Token, error) {
	var t Token
	cl := call{method: http.MethodGet, path: c.path(c.site.paths.Token, &ids{token: tokenID})}
	if _, err := c.fetch(ctx, cl, wantData, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// RenameToken renames a token.
func (c *Client) RenameToken(ctx context.Context, tokenID int64, name string) (*Token, error) {
	var t Token
	cl := call{
		method: http.MethodPut,
		path:   c.path(c.site.paths.Token, &ids{token: tokenID}),
		body:   RenameTokenRequest{Name: name},
	}
	if _, err := c.fetch(ctx, cl, wantData, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// RevokeToken revokes a token, immediately and irreversibly. When an
// earlier attempt was sent but its answer was lost, a 404 on the retry
// means that attempt did the work, so it counts as success.
func (c *Client) RevokeToken(ctx context.Context, tokenID int64) error {
	cl := call{method: http.MethodDelete, path: c.path(c.site.paths.Token, &ids{token: tokenID})}
	resp, rec, err := c.exchange(ctx, cl)
	if err != nil {
		return err
	}
	_, err = c.interpret(cl, resp, wantNothing)
	if IsNotFound(err) && rec.answerLost() {
		return nil
	}
	return err
}

// CreateToken mints a token for the caller. It is never re-sent after the
// request may have reached the server: a lost answer yields
// *OutcomeUnknownError. A 429 or 503 (nothing done) is retried.
func (c *Client) CreateToken(ctx context.Context, req CreateTokenRequest) (*CreatedToken, error) {
	return c.create(ctx, c.path(c.site.paths.Tokens, nil), req)
}

// CreateUserToken mints an impersonation token for a user; same retry and
// outcome-unknown rules as CreateToken.
func (c *Client) CreateUserToken(ctx context.Context, userID int64, req CreateTokenRequest) (*CreatedToken, error) {
	return c.create(ctx, c.path(c.site.paths.UserTokens, &ids{user: userID}), req)
}

// create sends a mint request. Besides the transport rules applied by
// exchange, two answers leave the outcome unknown: a 502 or 504 (a gateway
// gave up while the backend may have minted), and a success status whose
// body does not deliver the secret. Every other failure status means the
// server did not mint.
func (c *Client) create(ctx context.Context, path string, req CreateTokenRequest) (*CreatedToken, error) {
	cl := call{method: http.MethodPost, path: path, body: req, policy: retryCreate}
	resp, rec, err := c.exchange(ctx, cl)
	if err != nil {
		return nil, err
	}
	unknown := func(err error) error {
		return &OutcomeUnknownError{Method: cl.method, Path: cl.pathOnly(), Started: rec.startedAt(), Err: err}
	}
	status := resp.StatusCode()
	p, err := c.interpret(cl, resp, wantData)
	if err != nil {
		if status == http.StatusBadGateway || status == http.StatusGatewayTimeout {
			return nil, unknown(err)
		}
		if status >= 200 && status < 300 && KindOf(err) != KindHTML && !isServerRefusal(resp.Body()) {
			return nil, unknown(err)
		}
		return nil, err
	}
	var ct CreatedToken
	if err := decodeInto(cl, status, p, &ct); err != nil {
		return nil, unknown(err)
	}
	if ct.Secret == "" {
		return nil, unknown(&Error{Kind: KindBadJSON, Status: status, Method: cl.method, Path: cl.pathOnly(),
			Err: errors.New("the create response carried no token value")})
	}
	return &ct, nil
}

// isServerRefusal reports an IsError: true envelope: the server says it
// refused, so nothing was minted even though the status was 2xx.
func isServerRefusal(body []byte) bool {
	env, ok := parseEnvelope(bytes.TrimSpace(body))
	return ok && env.IsError
}
