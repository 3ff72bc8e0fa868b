package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

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
// Go errors here: the caller reads Status. A non-idempotent request whose
// answer was lost after it was sent yields *OutcomeUnknownError.
func (c *Client) Do(ctx context.Context, req RawRequest) (*RawResponse, error) {
	method := strings.ToUpper(strings.TrimSpace(req.Method))
	if method == "" {
		method = http.MethodGet
	}
	path, err := c.rawPath(req.Path)
	if err != nil {
		return nil, &Error{Kind: KindInsecure, Method: method, Path: req.Path, Err: err}
	}
	cl := call{method: method, path: path, header: req.Header, raw: req.Body, policy: policyFor(method)}
	resp, _, err := c.exchange(ctx, cl)
	if err != nil {
		return nil, err
	}
	return &RawResponse{
		Status: resp.StatusCode(),
		Proto:  resp.Proto(),
		Header: resp.Header().Clone(),
		Body:   resp.Body(),
	}, nil
}

// rawPath turns what a user typed into a request target. "users/me",
// "/users/me" and "/api/users/me" all mean /api/users/me; a query string
// is kept. An absolute URL is accepted only on the site's own host.
func (c *Client) rawPath(p string) (string, error) {
	p = strings.TrimSpace(p)
	u, err := url.Parse(p)
	if err != nil {
		return "", fmt.Errorf("invalid path %q: %w", p, err)
	}
	if u.Scheme != "" || u.Host != "" {
		if u.Scheme == "" {
			u.Scheme = c.site.base.Scheme
		}
		if err := c.site.checkSameSite(c.site.base, u, "request"); err != nil {
			return "", err
		}
		return u.String(), nil
	}
	rest := strings.TrimLeft(p, "/")
	if strings.EqualFold(rest, "api") {
		rest = ""
	} else if len(rest) >= 4 && strings.EqualFold(rest[:4], "api/") || len(rest) >= 4 && strings.EqualFold(rest[:4], "api?") {
		rest = rest[3:]
		rest = strings.TrimLeft(rest, "/")
	}
	if strings.HasPrefix(rest, "?") {
		return "/api" + rest, nil
	}
	return "/api/" + rest, nil
}
