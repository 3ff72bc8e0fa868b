package client

import (
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
)

// defaultRetryWait is the base of the jittered exponential backoff used
// when the server gives no Retry-After.
const defaultRetryWait = 300 * time.Millisecond

// maxRetryAfterSeconds is the largest Retry-After kept as it is: about 292
// years, the most a time.Duration can hold.
const maxRetryAfterSeconds = int64(math.MaxInt64 / int64(time.Second))

// retryPolicy says which failures of one request may be retried.
type retryPolicy int

const (
	// retryIdempotent: GET, PUT, DELETE and friends. Re-sending cannot do
	// more than the first attempt did, so transport errors and 429, 502,
	// 503 and 504 are retried.
	retryIdempotent retryPolicy = iota
	// retryCreate: a POST that mints a token. It is retried only when the
	// server certainly did nothing: a 429 or 503 (the contract says nothing
	// was done), or a connection that failed before the request was sent.
	retryCreate
	// retryNever: any other non-idempotent request (axero call POST ...).
	retryNever
)

func policyFor(method string) retryPolicy {
	switch strings.ToUpper(method) {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return retryIdempotent
	}
	return retryNever
}

// shouldRetry is the one retry condition of the resty client. Registering
// it replaces resty's own retry-on-any-error rule, so it decides every case
// itself; resp can be nil when the request never got to the transport.
func shouldRetry(resp *resty.Response, err error) bool {
	if resp == nil || resp.Request == nil {
		return false
	}
	ctx := resp.Request.Context()
	if ctx.Err() != nil {
		return false
	}
	rec := attemptFrom(ctx)
	if rec == nil {
		return false
	}
	if err != nil {
		if isFinalError(err) {
			return false
		}
		if resp.RawResponse != nil {
			// The status arrived but reading the body failed. Only a
			// request that cannot have done harm may go again.
			return rec.policy == retryIdempotent
		}
		switch rec.policy {
		case retryIdempotent:
			return true
		case retryCreate:
			return !rec.mayHaveReachedServer()
		}
		return false
	}
	switch resp.StatusCode() {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return rec.policy != retryNever
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		// A gateway error on a create may hide a token the backend minted.
		return rec.policy == retryIdempotent
	}
	return false
}

// isFinalError reports failures that a retry cannot fix.
func isFinalError(err error) bool {
	var ins *insecureError
	var refused *ProxyRefusedError
	var setting *ProxySettingError
	return errors.As(err, &ins) || isTooLarge(err) || errors.As(err, &setting) ||
		(errors.As(err, &refused) && refused.final())
}

// retryAfter is resty's RetryAfterFunc: the wait before the next attempt.
// It is the server's Retry-After when it gave one (capped by
// RetryMaxWait), else a jittered exponential backoff. A wait that would not
// end before the request context's deadline fails the request at once
// with a *WaitError that names it: sleeping into the deadline helps nobody.
// For Retry-After, what the server asked is compared, not the capped wait:
// retrying before the server is ready would only earn another refusal.
func (s *site) retryAfter(rc *resty.Client, resp *resty.Response) (time.Duration, error) {
	var d, asked time.Duration
	fromServer := false
	if resp != nil && resp.RawResponse != nil {
		if ra, ok := parseRetryAfter(resp.Header().Get("Retry-After"), time.Now()); ok {
			asked, fromServer = ra, true
			d = min(ra, s.retryMaxWait)
		}
	}
	if s.onRetryWait != nil {
		s.onRetryWait(d)
	}
	if resp == nil || resp.Request == nil {
		return d, nil
	}
	if !fromServer {
		d = backoff(rc.RetryWaitTime, rc.RetryMaxWaitTime, resp.Request.Attempt-1)
		asked = d
	}
	if err := checkWait(resp.Request.Context(), asked, fromServer); err != nil {
		return 0, err
	}
	return d, nil
}

// backoff is the jittered exponential wait before retry number attempt
// (0-based): between half and all of base·2^attempt, capped by limit, and
// never under base. It matches resty's own, which we cannot see.
func backoff(base, limit time.Duration, attempt int) time.Duration {
	if base <= 0 {
		base = defaultRetryWait
	}
	if limit < base {
		limit = base
	}
	ceiling := limit
	if attempt < 30 && base<<attempt < limit {
		ceiling = base << max(attempt, 0)
	}
	d := ceiling/2 + rand.N(ceiling/2+1) //nolint:gosec // backoff jitter needs no cryptographic randomness
	return max(d, base)
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
// A date in the past means "now", reported as a tiny positive delay so
// that callers still see that a wait was asked for.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Keep the real value, so that a refusal can name it, but within
		// what a time.Duration holds.
		if secs > maxRetryAfterSeconds {
			secs = maxRetryAfterSeconds
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < time.Millisecond {
			d = time.Millisecond
		}
		return d, true
	}
	return 0, false
}
