package reconcile

import (
	"context"
	"time"

	"github.com/axero-cli/axero/client"
)

// Policy is how hard the program tries, beyond the client's own retries
// of each request (which honour Retry-After): one set of numbers for
// token create and rotate, the bulk commands and their start-up checks.
type Policy struct {
	// Attempts bounds the creates sent for one token.
	Attempts int
	// Tries bounds the tries of each idempotent request (a lookup, a
	// list, a revoke) that fails transiently.
	Tries int
	// Wait is the first pause between tries of an idempotent request,
	// doubled after each, at most MaxWait.
	Wait time.Duration
	// Backoff is the first pause before a create is sent again after a
	// 429 or 503 that outlasted the client's own retries; it doubles.
	Backoff time.Duration
	// Settle is waited before listing the tokens after a lost answer, so
	// that a create still being processed shows up.
	Settle time.Duration
}

// MaxWait caps one pause between the tries of an idempotent request.
const MaxWait = 10 * time.Second

// Default is the policy of the whole program.
var Default = Policy{Attempts: 3, Tries: 5, Wait: 250 * time.Millisecond, Backoff: 2 * time.Second, Settle: 250 * time.Millisecond}

// OrDefault fills the zero fields of p from Default.
func (p Policy) OrDefault() Policy {
	if p.Attempts <= 0 {
		p.Attempts = Default.Attempts
	}
	if p.Tries <= 0 {
		p.Tries = Default.Tries
	}
	if p.Wait <= 0 {
		p.Wait = Default.Wait
	}
	if p.Backoff <= 0 {
		p.Backoff = Default.Backoff
	}
	if p.Settle <= 0 {
		p.Settle = Default.Settle
	}
	return p
}

// Do runs an idempotent request (a lookup, a list, a revoke) until it
// succeeds, fails with an error that a repeat would meet again, or
// Tries tries are spent, pausing in between.
func (p Policy) Do(ctx context.Context, do func() error) error {
	p = p.OrDefault()
	wait := p.Wait
	for attempt := 1; ; attempt++ {
		err := do()
		if err == nil || !Transient(err) || attempt >= p.Tries || ctx.Err() != nil {
			return err
		}
		if !Sleep(ctx, wait) {
			return err
		}
		wait = min(2*wait, MaxWait)
	}
}

// Transient reports an error that a repeated read or revoke may not meet:
// a server fault (5xx), an overloaded server (429, 503), a broken
// connection or body.
func Transient(err error) bool {
	if client.IsOutcomeUnknown(err) {
		return true
	}
	switch client.KindOf(err) {
	case client.KindServer, client.KindUnavailable, client.KindRateLimited, client.KindTransport,
		client.KindBadJSON, client.KindEmptyBody:
		return true
	}
	return false
}

// Sleep waits d or until ctx is done, and reports whether it waited.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
