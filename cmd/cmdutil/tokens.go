package cmdutil

import (
	"context"
	"errors"
	"strings"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/resolve"
)

// ListTokens returns the caller's tokens, or with user (a UserID, email
// address or user name) the tokens of that user, impersonation ones
// included. The result is never nil.
func ListTokens(ctx context.Context, c *client.Client, user string) ([]client.Token, error) {
	var tokens []client.Token
	var err error
	if strings.TrimSpace(user) == "" {
		tokens, err = c.ListAllTokens(ctx)
	} else {
		var u *client.User
		u, err = resolve.User(ctx, c, user)
		if err != nil {
			return nil, err
		}
		tokens, err = c.ListAllUserTokens(ctx, u.UserID)
	}
	if err != nil {
		return nil, err
	}
	if tokens == nil {
		tokens = []client.Token{}
	}
	return tokens, nil
}

// FindToken finds one token by TokenID or exact name among the caller's
// tokens (or, with user, that user's; see ListTokens). A name several
// tokens share is a *resolve.AmbiguousError listing their IDs; an unknown
// ID or name is a *resolve.NotFoundError (exit 4).
func FindToken(ctx context.Context, c *client.Client, user, idOrName string) (client.Token, error) {
	tokens, err := ListTokens(ctx, c, user)
	if err != nil {
		return client.Token{}, err
	}
	return ResolveToken(ctx, c, tokens, idOrName)
}

// ResolveToken is FindToken over a list already fetched with ListTokens.
// A TokenID that is not in the list is asked for directly, so that an
// administrator can name an impersonation token by ID.
func ResolveToken(ctx context.Context, c *client.Client, tokens []client.Token, idOrName string) (client.Token, error) {
	t, err := resolve.Token(tokens, idOrName)
	if err == nil {
		return t, nil
	}
	id, isID := resolve.ParseID(idOrName)
	var notFound *resolve.NotFoundError
	if !errors.As(err, &notFound) || !isID {
		return client.Token{}, err
	}
	got, gerr := c.GetToken(ctx, id)
	if client.IsNotFound(gerr) {
		return client.Token{}, err
	}
	if gerr != nil {
		return client.Token{}, gerr
	}
	return *got, nil
}
