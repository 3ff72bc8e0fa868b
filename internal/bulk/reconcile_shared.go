package bulk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/axero-cli/axero/client"
)

// Reconciler settles creates whose answers were lost: it revokes the tokens
// that such a create may have minted and whose secret nobody received. It is
// the one rule that every bulk operation which mints follows, so that
// renewal and minting agree on which tokens are theirs to revoke.
type Reconciler struct {
	API API
	// AdminID is the caller: only impersonation tokens it created are ever
	// revoked. 0 means any creator (a test double without identities).
	AdminID int64
	// ClockSkew is how much earlier than our clock the server may date a
	// token; tokens created since (since - ClockSkew) count as suspects.
	ClockSkew time.Duration
	// Retry runs each idempotent request (the list, each revoke); nil
	// means one attempt.
	Retry func(ctx context.Context, do func() error) error
	// OnRevoked is called after each token is revoked.
	OnRevoked func(tokenID int64)
}

// Reconcile lists userID's tokens and revokes those named name that the
// admin created since since (less the clock skew) and that keep does not
// claim: the tokens whose secret never reached an output file.
func (r Reconciler) Reconcile(ctx context.Context, userID int64, name string, since time.Time, keep func(tokenID int64) bool) error {
	retry := r.Retry
	if retry == nil {
		retry = func(_ context.Context, do func() error) error { return do() }
	}
	var tokens []client.Token
	err := retry(ctx, func() (err error) {
		tokens, err = r.API.ListAllUserTokens(ctx, userID)
		return err
	})
	if err != nil {
		return err
	}
	cutoff := since.Truncate(time.Second).Add(-r.ClockSkew)
	var errs []error
	for _, t := range tokens {
		if t.Name != name || t.DateCreated.Before(cutoff) {
			continue
		}
		if !t.IsImpersonation || (r.AdminID != 0 && t.CreatedByUserID != r.AdminID) {
			continue
		}
		if keep != nil && keep(t.TokenID) {
			continue
		}
		err := retry(ctx, func() error {
			err := r.API.RevokeToken(ctx, t.TokenID)
			if client.IsNotFound(err) {
				return nil // a retried revoke whose first answer was lost
			}
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("revoking token %d: %w", t.TokenID, err))
			continue
		}
		if r.OnRevoked != nil {
			r.OnRevoked(t.TokenID)
		}
	}
	return errors.Join(errs...)
}
