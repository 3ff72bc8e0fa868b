package resolve

import (
	"context"
	"fmt"
	"strings"

	"github.com/axero-cli/axero/client"
)

// UserLookup is the part of the client that finds users.
type UserLookup interface {
	GetUser(ctx context.Context, userID int64) (*client.User, error)
	FindUsers(ctx context.Context, q client.UserQuery, startPage, pageSize int) (client.Page[client.User], error)
}

// User finds one user by UserID, email address or user name. Email and
// user name must match exactly (case-insensitively); several matches are an
// AmbiguousError, none a NotFoundError.
func User(ctx context.Context, c UserLookup, u string) (*client.User, error) {
	in := strings.TrimSpace(u)
	if in == "" {
		return nil, fmt.Errorf("empty user: give a UserID, an email address or a user name")
	}
	if id, ok := ParseID(in); ok {
		user, err := c.GetUser(ctx, id)
		if client.IsNotFound(err) {
			return nil, &NotFoundError{What: "user", Input: in}
		}
		if err != nil {
			return nil, fmt.Errorf("looking up user %s: %w", in, err)
		}
		return user, nil
	}
	q := client.UserQuery{UserName: in}
	field := func(x client.User) string { return x.UserName }
	if strings.Contains(in, "@") {
		q = client.UserQuery{Email: in}
		field = func(x client.User) string { return x.Email }
	}
	page, err := c.FindUsers(ctx, q, 1, 100)
	if err != nil {
		return nil, fmt.Errorf("looking up user %s: %w", in, err)
	}
	var matches []client.User
	for _, x := range page.Items {
		if strings.EqualFold(field(x), in) {
			matches = append(matches, x)
		}
	}
	switch len(matches) {
	case 0:
		return nil, &NotFoundError{What: "user", Input: in}
	case 1:
		return &matches[0], nil
	}
	desc := make([]string, len(matches))
	for i, m := range matches {
		desc[i] = fmt.Sprintf("%d (%s, %s)", m.UserID, m.UserName, m.Email)
	}
	return nil, &AmbiguousError{What: "user", Input: in, Matches: desc}
}
