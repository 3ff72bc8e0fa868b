package token

import (
	"context"
	"errors"
	"fmt"
	"github.com/axero-cli/axero/internal/reconcile"
	"io"
	"time"

	"github.com/axero-cli/axero/client"
)

// reconcileAttempts bounds how often a create whose answer was lost is tried:
// the first request and at most two more after reconciling.
const reconcileAttempts = 3

// minter is one way to create a token and to see and revoke the tokens it
// may have created: the caller's own (CreateToken, ListAllTokens) or a
// user's (CreateUserToken, ListAllUserTokens).
type minter struct {
	create func(ctx context.Context) (*client.CreatedToken, error)
	list   func(ctx context.Context) ([]client.Token, error)
	revoke func(ctx context.Context, tokenID int64) error
	// log receives one line per reconciliation step; may be nil.
	log io.Writer
	// retry bounds the retries of the lists and revokes of a
	// reconciliation.
	retry reconcile.Retry
	// existing holds the IDs of the tokens listed before minting. When set,
	// a token of the right name that is not among them is ours, whatever
	// the server's clock says; when nil, creation times decide.
	existing map[int64]bool
}

// withExisting records the tokens that existed before minting, so that
// reconciliation does not depend on the server's clock agreeing with ours.
func (m minter) withExisting(tokens []client.Token) minter {
	m.existing = make(map[int64]bool, len(tokens))
	for _, t := range tokens {
		m.existing[t.TokenID] = true
	}
	return m
}

// snapshot lists the tokens as they are before minting.
func (m minter) snapshot(ctx context.Context) (minter, error) {
	tokens, err := m.list(ctx)
	if err != nil {
		return m, err
	}
	return m.withExisting(tokens), nil
}

// selfMinter mints tokens for the caller of c.
func selfMinter(c *client.Client, req client.CreateTokenRequest, log io.Writer) minter {
	return minter{
		create: func(ctx context.Context) (*client.CreatedToken, error) { return c.CreateToken(ctx, req) },
		list:   c.ListAllTokens,
		revoke: c.RevokeToken,
		log:    log,
		retry:  reconcile.DefaultRetry,
	}
}

// userMinter mints impersonation tokens for userID with the admin client c.
func userMinter(c *client.Client, userID int64, req client.CreateTokenRequest, log io.Writer) minter {
	return minter{
		create: func(ctx context.Context) (*client.CreatedToken, error) { return c.CreateUserToken(ctx, userID, req) },
		list:   func(ctx context.Context) ([]client.Token, error) { return c.ListAllUserTokens(ctx, userID) },
		revoke: c.RevokeToken,
		log:    log,
		retry:  reconcile.DefaultRetry,
	}
}

// mintReconciled creates one token named name and returns it with its
// secret. A create is not idempotent, so a request whose answer was lost is
// never re-sent blindly: it lists the tokens, revokes every token of that
// name that did not exist before (m.existing) or, without that list, was
// created since the lost request began (the server may have minted it, but
// nobody holds its secret), and only then mints again. Afterwards exactly
// one token of that name from this call is active: the one returned. A
// token of the same name that someone else created in those same seconds
// would be revoked too; that is the price of never leaving an undelivered
// token behind.
func mintReconciled(ctx context.Context, m minter, name string) (*client.CreatedToken, error) {
	var lastUnknown error
	for attempt := 1; attempt <= reconcileAttempts; attempt++ {
		ct, err := m.create(ctx)
		if err == nil {
			return ct, nil
		}
		var ou *client.OutcomeUnknownError
		if !errors.As(err, &ou) {
			return nil, err
		}
		lastUnknown = err
		m.logf("The answer to creating %q was lost; checking whether the server created it.\n", name)
		// After Ctrl-C the check still runs, on a context of its own with a
		// time limit, so that an interrupted create leaves no token behind;
		// then the command stops instead of minting again.
		checkCtx, cancel := ctx, context.CancelFunc(func() {})
		if ctx.Err() != nil {
			checkCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		}
		revoked, err := m.revokeOrphans(checkCtx, name, ou.Started)
		cancel()
		for _, id := range revoked {
			m.logf("Revoked token %d: it was created but its secret never arrived.\n", id)
		}
		if err != nil {
			return nil, fmt.Errorf("the answer to creating %q was lost, and checking for a token created anyway failed: %w; run `axero token list` and revoke any you did not receive", name, err)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, fmt.Errorf("gave up after %d attempts to create %q whose answers were all lost (no token from them is left active): %w", reconcileAttempts, name, lastUnknown)
}

// revokeOrphans revokes the tokens named name that the lost create begun
// at since may have minted, by the one rule of package reconcile, and
// returns their IDs.
func (m minter) revokeOrphans(ctx context.Context, name string, since time.Time) ([]int64, error) {
	src := reconcile.Source{List: m.list, Revoke: m.revoke}
	return reconcile.RevokeOrphans(ctx, src, reconcile.Orphans{Name: name, Since: since, Existing: m.existing}, m.retry)
}

func (m minter) logf(format string, args ...any) {
	if m.log != nil {
		fmt.Fprintf(m.log, format, args...)
	}
}
