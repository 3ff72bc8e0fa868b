package sinkhttp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
)

type idempotentKey struct{}

// withIdempotence records on the request's context whether repeating it
// is harmless: only such requests are retried.
func withIdempotence(ctx context.Context, ok bool) context.Context {
	return context.WithValue(ctx, idempotentKey{}, ok)
}

func idempotent(ctx context.Context) bool {
	ok, _ := ctx.Value(idempotentKey{}).(bool)
	return ok
}

// idempotentMethod is the default: GET, HEAD, PUT and DELETE may be
// repeated; a POST may not unless the caller says so.
func idempotentMethod(method string) bool {
	switch strings.ToUpper(method) {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// shouldRetry is the one retry condition. Registering it replaces resty's
// own retry-on-any-error rule, so it decides every case: an idempotent
// request goes again after a transport error or a 429, 502, 503 or 504;
// nothing else does, and nothing that a second attempt cannot fix (a
// refused redirect, an oversized body, a certificate) goes again at all.
func (c *Client) shouldRetry(resp *resty.Response, err error) bool {
	if resp == nil || resp.Request == nil {
		return false
	}
	ctx := resp.Request.Context()
	if ctx.Err() != nil || !idempotent(ctx) {
		return false
	}
	if err != nil {
		return !isFinal(err, c.ep.BaseURL.Hostname())
	}
	switch resp.StatusCode() {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryAfter is resty's wait before the next attempt: the server's
// Retry-After when it gave one, capped by RetryMaxWait; otherwise 0,
// which makes resty use its jittered backoff. A wait that the context's
// deadline cannot hold fails the request at once: sleeping into the
// deadline helps nobody.
func (c *Client) retryAfter(_ *resty.Client, resp *resty.Response) (time.Duration, error) {
	if resp == nil || resp.RawResponse == nil {
		return 0, nil
	}
	d, ok := parseRetryAfter(resp.Header().Get("Retry-After"), time.Now())
	if !ok {
		return 0, nil
	}
	if dl, has := resp.Request.Context().Deadline(); has && time.Until(dl) < d {
		return 0, &waitError{wait: d}
	}
	return min(d, c.maxWait), nil
}

// waitError is a Retry-After that would outlast the command's deadline.
type waitError struct{ wait time.Duration }

func (e *waitError) Error() string {
	return fmt.Sprintf("the service asked to wait %s before trying again, longer than the time left", e.wait.Round(time.Second))
}

// parseRetryAfter reads delay-seconds or an HTTP date. A date in the past
// means "now".
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		const maxSecs = int64(1<<63-1) / int64(time.Second)
		return time.Duration(min(secs, maxSecs)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// isFinal reports failures that a retry cannot fix.
func isFinal(err error, host string) bool {
	var refused *refusedError
	var wait *waitError
	return errors.As(err, &refused) || errors.As(err, &wait) ||
		errors.Is(err, resty.ErrResponseBodyTooLarge) || asCertError(err, host) != nil
}
