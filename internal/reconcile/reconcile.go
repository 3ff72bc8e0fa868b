// Package reconcile mints tokens safely and settles a create whose answer
// was lost. A create is not idempotent, so it is never re-sent blindly:
// the tokens it may have minted are listed and revoked first (nobody holds
// their secret). token create, token rotate, bulk minting and renewal all
// mint here (Mint), with one clock-skew rule and one retry policy for the
// whole program (Policy): the same backoff on 429 and 503 everywhere, and
// the same retries of the lists and revokes.
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/axero-cli/axero/client"
)

// ClockSkew is how much earlier than our own clock the server may date a
// token it minted for our request. Without a list of the tokens that
// existed before, tokens of the right name created since (start, to the
// second, less ClockSkew) count as the lost create's.
const ClockSkew = 10 * time.Second

// Orphans says which of the listed tokens a lost create may have minted.
type Orphans struct {
	Name string
	// Since is when the lost create (or the first of its attempts) began.
	Since time.Time
	// Existing holds the IDs of the tokens listed before minting. When
	// set, a token of the right name that is not among them is an orphan,
	// whatever the server's clock says; when nil, creation times decide.
	Existing map[int64]bool
	// Keep reports tokens that were delivered after all (the bulk
	// engine's output file); may be nil.
	Keep func(tokenID int64) bool
	// Impersonation limits the orphans to impersonation tokens, and
	// CreatedBy, when not 0, to those that this administrator created.
	Impersonation bool
	CreatedBy     int64
}

// Cutoff is the earliest creation time a token of the lost create can
// carry: Since to the second, less ClockSkew.
func (o Orphans) Cutoff() time.Time { return o.Since.Truncate(time.Second).Add(-ClockSkew) }

func (o Orphans) match(t client.Token) bool {
	switch {
	case t.Name != o.Name:
		return false
	case o.Existing != nil && o.Existing[t.TokenID]:
		return false
	case o.Existing == nil && t.DateCreated.Before(o.Cutoff()):
		return false
	case o.Impersonation && !t.IsImpersonation,
		o.CreatedBy != 0 && t.CreatedByUserID != o.CreatedBy:
		return false
	case o.Keep != nil && o.Keep(t.TokenID):
		return false
	}
	return true
}

// Source lists the tokens a create may have added to, and revokes one.
type Source struct {
	List   func(ctx context.Context) ([]client.Token, error)
	Revoke func(ctx context.Context, tokenID int64) error
	// Revoked, when set, hears of each revocation as soon as it is done.
	Revoked func(tokenID int64)
}

// RevokeOrphans lists the tokens and revokes each orphan o describes,
// retrying transient failures of either by p, and returns the IDs it
// revoked. A revoke answered 404 counts as done (a retry whose first
// answer was lost). It tries every orphan even when one fails, and
// returns the failures joined.
func RevokeOrphans(ctx context.Context, src Source, o Orphans, p Policy) ([]int64, error) {
	var tokens []client.Token
	err := p.Do(ctx, func() (err error) {
		tokens, err = src.List(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	var revoked []int64
	var errs []error
	for _, t := range tokens {
		if !o.match(t) {
			continue
		}
		err := p.Do(ctx, func() error {
			if err := src.Revoke(ctx, t.TokenID); err != nil && !client.IsNotFound(err) {
				return err
			}
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("revoking token %d: %w", t.TokenID, err))
			continue
		}
		revoked = append(revoked, t.TokenID)
		if src.Revoked != nil {
			src.Revoked(t.TokenID)
		}
	}
	return revoked, errors.Join(errs...)
}
