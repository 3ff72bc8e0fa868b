package token

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/reconcile"
)

// selfMint mints a token for the caller of c; log hears each step of a
// reconciliation.
func selfMint(c *client.Client, req client.CreateTokenRequest, log io.Writer) reconcile.Mint {
	return reconcile.Mint{
		Name:   req.Name,
		Create: func(ctx context.Context) (*client.CreatedToken, error) { return c.CreateToken(ctx, req) },
		Source: reconcile.Source{List: c.ListAllTokens, Revoke: c.RevokeToken},
		Log:    func(format string, args ...any) { fmt.Fprintf(log, format, args...) },
	}
}

// userMint mints an impersonation token for userID with the admin client c.
func userMint(c *client.Client, userID int64, req client.CreateTokenRequest, log io.Writer) reconcile.Mint {
	m := selfMint(c, req, log)
	m.Create = func(ctx context.Context) (*client.CreatedToken, error) { return c.CreateUserToken(ctx, userID, req) }
	m.Source.List = func(ctx context.Context) ([]client.Token, error) { return c.ListAllUserTokens(ctx, userID) }
	m.For = userID
	return m
}

// withExisting records the tokens that existed before minting, so that
// reconciling a lost answer does not depend on the server's clock agreeing
// with ours.
func withExisting(m reconcile.Mint, tokens []client.Token) reconcile.Mint {
	m.Orphans.Existing = make(map[int64]bool, len(tokens))
	for _, t := range tokens {
		m.Orphans.Existing[t.TokenID] = true
	}
	return m
}

// snapshot lists the tokens as they are before minting.
func snapshot(ctx context.Context, m reconcile.Mint) (reconcile.Mint, error) {
	tokens, err := m.Source.List(ctx)
	if err != nil {
		return m, err
	}
	return withExisting(m, tokens), nil
}

// mintReconciled mints by the program's one policy (reconcile.Mint) and
// says what to do when a lost answer could not be settled.
func mintReconciled(ctx context.Context, m reconcile.Mint) (*client.CreatedToken, error) {
	ct, err := reconcile.Default.Mint(ctx, m)
	var lost *reconcile.LostError
	if errors.As(err, &lost) {
		return nil, fmt.Errorf("%w; run `axero token list` and revoke any you did not receive", err)
	}
	return ct, err
}
