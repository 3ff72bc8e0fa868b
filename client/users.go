package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// UserQuery filters FindUsers; empty fields are not sent.
type UserQuery struct {
	Email    string
	UserName string
}

// Me returns the caller (GET users/me).
func (c *Client) Me(ctx context.Context) (*User, error) {
	var u User
	cl := call{method: http.MethodGet, path: c.path(c.site.paths.Me, nil)}
	if _, err := c.fetch(ctx, cl, wantData, &u); err != nil {
		return nil, err
	}
	// Commands build on the caller's ID (logins, impersonation checks): an
	// answer without one is malformed, not a user.
	if u.UserID <= 0 {
		return nil, malformed(cl, http.StatusOK, "it names no user (no positive UserID)")
	}
	return &u, nil
}

// GetUser returns one user by ID (site admin).
func (c *Client) GetUser(ctx context.Context, userID int64) (*User, error) {
	var u User
	cl := call{method: http.MethodGet, path: c.path(c.site.paths.User, &ids{user: userID})}
	if _, err := c.fetch(ctx, cl, wantData, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// FindUsers searches users by email or user name (site admin), one page.
func (c *Client) FindUsers(ctx context.Context, q UserQuery, startPage, pageSize int) (Page[User], error) {
	query := url.Values{}
	if q.Email != "" {
		query.Set("Email", q.Email)
	}
	if q.UserName != "" {
		query.Set("UserName", q.UserName)
	}
	return listPage[User](ctx, c, c.path(c.site.paths.Users, nil), query, startPage, pageSize)
}

// ids are the values substituted into a path template.
type ids struct {
	user  int64
	token int64
}

// path expands {UserID} and {TokenID} in a configured path and makes sure
// it starts with a slash, since it is appended to the site URL.
func (c *Client) path(tmpl string, v *ids) string {
	vars := map[string]string{}
	if v != nil {
		vars["UserID"] = strconv.FormatInt(v.user, 10)
		vars["TokenID"] = strconv.FormatInt(v.token, 10)
	}
	p := expandPath(tmpl, vars)
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	return p
}
