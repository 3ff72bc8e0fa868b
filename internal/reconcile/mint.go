package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/jwtinfo"
)

// CleanupTimeout bounds the requests that settle a lost answer after the
// caller gave up (Ctrl-C): a minted token must not be left behind
// undelivered, so they run anyway, but not for ever.
const CleanupTimeout = 30 * time.Second

// UserTokens is the part of the client that minting for other users
// needs: create, list and revoke a user's tokens. *client.Client has it.
type UserTokens interface {
	CreateUserToken(ctx context.Context, userID int64, req client.CreateTokenRequest) (*client.CreatedToken, error)
	ListAllUserTokens(ctx context.Context, userID int64) ([]client.Token, error)
	RevokeToken(ctx context.Context, tokenID int64) error
}

// Mint is one token to create, and how to find what a lost create may
// have left behind.
type Mint struct {
	Name   string // the token's name
	Create func(ctx context.Context) (*client.CreatedToken, error)
	// Source lists the tokens a create may have added to and revokes one.
	Source Source
	// Orphans narrow which tokens of that name a lost create may have
	// minted (Existing, Keep, Impersonation, CreatedBy); Mint sets its
	// Name and Since.
	Orphans Orphans
	// Since is when the first attempt began (a bulk run records its
	// intent before Mint is called); zero means now.
	Since time.Time
	// Again, when set, runs before each attempt after the first: a bulk
	// run journals the intent of that attempt durably. Its error stops
	// Mint and is returned.
	Again func() error
	// Stop, when set, ends Mint before another attempt once it is done,
	// with its error: a bulk run's Ctrl-C, whose requests run on a context
	// the signal does not end. Nil means ctx.
	Stop context.Context
	// Log hears one line per step of a reconciliation; may be nil.
	Log func(format string, args ...any)
	// For, when not 0, is the user the token is minted for: a token the
	// server answers with that is another user's (by its UserID or by
	// the JWT's sub) is not ours to keep, so it is revoked and Mint
	// returns a *StrayError.
	For int64
	// Claim, when set, takes a token the server answered with for this
	// mint, and reports false when someone holds it already (the server
	// handed it out twice): Mint then returns a *HeldError and leaves the
	// token alone, since revoking it would take it from its holder.
	Claim func(tokenID int64) bool
}

// HeldError says that the server answered a create with a token someone
// holds already.
type HeldError struct{ TokenID int64 }

func (e *HeldError) Error() string {
	return fmt.Sprintf("the server answered with token %d, which is held already; it is not recorded twice", e.TokenID)
}

// StrayError says that the server answered a create with another user's
// token, and whether it could be revoked.
type StrayError struct {
	TokenID, UserID, Want int64
	RevokeErr             error // nil when the stray token was revoked
}

func (e *StrayError) Error() string {
	if e.RevokeErr != nil {
		return fmt.Sprintf("the server answered with token %d of UserID %d, not of UserID %d, and revoking it failed (%v): revoke it with `axero token revoke %d`", e.TokenID, e.UserID, e.Want, e.RevokeErr, e.TokenID)
	}
	return fmt.Sprintf("the server answered with token %d of UserID %d, not of UserID %d; it was revoked", e.TokenID, e.UserID, e.Want)
}

// owner is the user a created token belongs to, by its UserID and by its
// JWT's sub: a disagreement, or the first that is not want, wins.
func owner(ct *client.CreatedToken, want int64) int64 {
	if ct.UserID != 0 && ct.UserID != want {
		return ct.UserID
	}
	if info, err := jwtinfo.Decode(ct.Secret); err == nil && info.UserID != 0 && info.UserID != want {
		return info.UserID
	}
	return want
}

// LostError says that a create's answer was lost and that checking for
// the token it may have minted failed: one may be active whose secret
// nobody holds. It unwraps to the failure of the check.
type LostError struct {
	Name     string
	Err      error // the create's failure
	CheckErr error // the check's
}

func (e *LostError) Error() string {
	return fmt.Sprintf("the answer to creating %q was lost (%v), and checking whether it was created anyway failed: %v", e.Name, e.Err, e.CheckErr)
}

func (e *LostError) Unwrap() error { return e.CheckErr }

// GaveUpError says that every attempt's answer was lost; none of their
// tokens is left active.
type GaveUpError struct {
	Name     string
	Attempts int
	Err      error // the last attempt's failure
}

func (e *GaveUpError) Error() string {
	return fmt.Sprintf("gave up after %d attempts to create %q, whose answers were all lost (none of their tokens is left active): %v", e.Attempts, e.Name, e.Err)
}

func (e *GaveUpError) Unwrap() error { return e.Err }

// Mint creates the token and returns it with its secret. A create is not
// idempotent, so an attempt whose answer may have been lost is never
// re-sent blindly: the tokens are listed, every token of that name the
// lost attempts may have minted (m.Orphans) is revoked, and only then is
// the create sent again, at most p.Attempts creates in all. A 429 or 503
// that outlasted the client's own retries is sent again after a pause
// (p.Backoff, doubling). Afterwards exactly one token of that name from
// this call is active: the one returned. A token of the same name that
// someone else created in those same seconds would be revoked too; that
// is the price of never leaving an undelivered token behind.
//
// Errors: the create's own when the server refused it, or when the last
// 429 or 503 outlasted every attempt; a *LostError when an answer was
// lost and the check failed; a *GaveUpError when every answer was lost;
// Stop's (or ctx's) error when it ended before another attempt; Again's.
func (p Policy) Mint(ctx context.Context, m Mint) (*client.CreatedToken, error) {
	p = p.OrDefault()
	stop := m.Stop
	if stop == nil {
		stop = ctx
	}
	since := m.Since
	if since.IsZero() {
		since = time.Now()
	}
	backoff := p.Backoff
	var lost error
	for attempt := 1; attempt <= p.Attempts; attempt++ {
		if attempt > 1 {
			if err := stop.Err(); err != nil {
				return nil, err
			}
			if m.Again != nil {
				if err := m.Again(); err != nil {
					return nil, err
				}
			}
		}
		ct, err := m.Create(ctx)
		if err == nil {
			return m.keep(ctx, p, ct)
		}
		switch classify(err) {
		case notMinted:
			return nil, err
		case busy:
			if attempt == p.Attempts {
				return nil, err
			}
			if !Sleep(stop, backoff) {
				return nil, stop.Err()
			}
			backoff *= 2
			continue
		}
		lost = err
		if err := m.settle(ctx, p, since, err); err != nil {
			return nil, err
		}
	}
	return nil, &GaveUpError{Name: m.Name, Attempts: p.Attempts, Err: lost}
}

// keep returns ct, unless it is held already (a *HeldError) or another
// user's than m.For: then it is revoked, and the answer is a
// *StrayError.
func (m Mint) keep(ctx context.Context, p Policy, ct *client.CreatedToken) (*client.CreatedToken, error) {
	if m.Claim != nil && !m.Claim(ct.TokenID) {
		return nil, &HeldError{TokenID: ct.TokenID}
	}
	got := owner(ct, m.For)
	if m.For == 0 || got == m.For {
		return ct, nil
	}
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), CleanupTimeout)
		defer cancel()
	}
	err := p.Do(ctx, func() error {
		if err := m.Source.Revoke(ctx, ct.TokenID); err != nil && !client.IsNotFound(err) {
			return err
		}
		return nil
	})
	return nil, &StrayError{TokenID: ct.TokenID, UserID: got, Want: m.For, RevokeErr: err}
}

// settle revokes what a lost attempt may have minted. After the caller
// gave up the check still runs, on a context of its own with a time
// limit, so that an interrupted create leaves no token behind; then ctx's
// error is returned instead of minting again.
func (m Mint) settle(ctx context.Context, p Policy, since time.Time, createErr error) error {
	m.logf("The answer to creating %q was lost; checking whether the server created it.\n", m.Name)
	checkCtx, cancel := ctx, context.CancelFunc(func() {})
	if ctx.Err() != nil {
		checkCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), CleanupTimeout)
	}
	defer cancel()
	Sleep(checkCtx, p.Settle)
	o := m.Orphans
	o.Name, o.Since = m.Name, since
	revoked, err := RevokeOrphans(checkCtx, m.Source, o, p)
	for _, id := range revoked {
		m.logf("Revoked token %d: it was created but its secret never arrived.\n", id)
	}
	if err != nil {
		return &LostError{Name: m.Name, Err: createErr, CheckErr: err}
	}
	return ctx.Err()
}

func (m Mint) logf(format string, args ...any) {
	if m.Log != nil {
		m.Log(format, args...)
	}
}

// What a failed create may have done.
type createFailure int

const (
	notMinted   createFailure = iota // refused, or never sent: nothing to settle
	busy                             // 429/503 after the client's retries: nothing done, try later
	maybeMinted                      // a token may exist whose secret we lack
)

func classify(err error) createFailure {
	if client.IsOutcomeUnknown(err) {
		return maybeMinted
	}
	switch client.KindOf(err) {
	case client.KindValidation, client.KindNotFound, client.KindInsecure, client.KindCertificate, client.KindHTML,
		client.KindUnauthorized, client.KindForbidden:
		return notMinted
	case client.KindTransport:
		// The client says OutcomeUnknown whenever the request was written:
		// a transport error without it never reached the server.
		return notMinted
	case client.KindRateLimited, client.KindUnavailable:
		return busy
	}
	// A 500, a broken or empty body: the server may have acted, so the
	// attempt is settled before any other.
	return maybeMinted
}
