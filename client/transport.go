package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
)

// attempt records, for one logical request, what happened on the wire to
// its latest attempt. The retry condition and the error mapping read it to
// tell "the server may have acted" from "nothing was sent".
type attempt struct {
	policy retryPolicy

	mu          sync.Mutex
	started     time.Time // when the latest attempt went to the transport
	written     bool      // the latest attempt wrote bytes to a connection
	lostAnswers int       // attempts that were sent and got no answer

	slots slotHolder // the current attempt's slot of the site's limiter
}

type attemptKey struct{}

func withAttempt(ctx context.Context, a *attempt) context.Context {
	return context.WithValue(ctx, attemptKey{}, a)
}

func attemptFrom(ctx context.Context) *attempt {
	a, _ := ctx.Value(attemptKey{}).(*attempt)
	return a
}

func (a *attempt) begin(now time.Time) {
	a.mu.Lock()
	a.started = now
	a.written = false
	a.mu.Unlock()
}

func (a *attempt) markWritten() {
	a.mu.Lock()
	a.written = true
	a.mu.Unlock()
}

// fail notes a transport error on the latest attempt.
func (a *attempt) fail() {
	a.mu.Lock()
	if a.written {
		a.lostAnswers++
	}
	a.mu.Unlock()
}

// mayHaveReachedServer reports whether the latest attempt wrote anything to
// a connection: if it did, the server may have acted on it.
func (a *attempt) mayHaveReachedServer() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.written
}

// startedAt is when the latest attempt was sent.
func (a *attempt) startedAt() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.started
}

// answerLost reports whether any attempt was sent and never answered.
func (a *attempt) answerLost() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lostAnswers > 0
}

// siteTransport sits under resty's http.Client. For every attempt it
// records whether the request was written, turns
// an oversized Content-Length into an immediate refusal, starts a pause
// when the server asks for one, and gives the attempt's slot of the
// site's limiter back once the answer is read (limit.go).
type siteTransport struct {
	inner http.RoundTripper
	site  *site
}

func (t *siteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := attemptFrom(req.Context())
	if rec != nil {
		if err := t.site.ensureSlot(req, rec); err != nil {
			return nil, err
		}
	}
	// The latency an adaptive limiter learns from starts here, once the
	// attempt holds its slot: waiting for one is not the site being slow.
	sent := time.Now()
	if rec != nil {
		// A redirect hop carries the response that caused it; only a
		// fresh request starts a new attempt.
		if req.Response == nil {
			rec.begin(time.Now())
		}
		trace := &httptrace.ClientTrace{
			WroteHeaders: rec.markWritten,
			WroteRequest: func(httptrace.WroteRequestInfo) { rec.markWritten() },
		}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	}
	resp, err := t.inner.RoundTrip(req)
	if err != nil {
		if rec != nil {
			rec.fail()
			settleSlot(rec, sent, nil, err)
		}
		return nil, err
	}
	if resp.ContentLength > MaxResponseBytes {
		_ = resp.Body.Close()
		resp.Body = tooLargeBody{}
	}
	if rec != nil && t.site.limiter != nil {
		settleSlot(rec, sent, resp, nil)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			t.site.gate.pause(time.Now(), min(d, t.site.retryMaxWait), d)
		}
	}
	return resp, nil
}

// tooLargeBody replaces a body whose announced length is over the limit, so
// that nothing of it is read.
type tooLargeBody struct{}

func (tooLargeBody) Read([]byte) (int, error) { return 0, errTooLarge }
func (tooLargeBody) Close() error             { return nil }

var errTooLarge = errors.New("response body over the size limit")

func isTooLarge(err error) bool {
	return errors.Is(err, errTooLarge) || errors.Is(err, resty.ErrResponseBodyTooLarge)
}

var _ io.ReadCloser = tooLargeBody{}
