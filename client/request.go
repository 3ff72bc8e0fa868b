package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-resty/resty/v2"

	"github.com/axero-cli/axero/internal/limit"
)

// call is one API request as the typed methods describe it.
type call struct {
	method string
	path   string     // starts with /, relative to the site URL, may hold a query
	query  url.Values // added to the path's own query
	body   any        // marshalled to JSON once; nil for none
	raw    []byte     // a body sent as is (Do)
	header http.Header
	policy retryPolicy
}

// pathOnly is the request path without its query, for error messages.
func (cl call) pathOnly() string {
	if i := strings.IndexByte(cl.path, '?'); i >= 0 {
		return cl.path[:i]
	}
	return cl.path
}

// exchange sends cl with retries and returns the final response. It maps
// failures that leave no usable response (transport errors, refusals, an
// oversized or unreadable body) to *Error, or to *OutcomeUnknownError when
// a create may have reached the server. A response with any HTTP status is
// returned without error; the caller interprets it.
func (c *Client) exchange(ctx context.Context, cl call) (*resty.Response, *attempt, error) {
	rec := &attempt{policy: cl.policy}
	rec.slots.caller = ctx
	// An attempt that took a slot and never reached the transport (a
	// failure in between) gives it back here.
	defer rec.slots.giveBack(limit.Outcome{Canceled: true})
	r := c.site.rc.R().SetContext(withAttempt(ctx, rec))
	if c.token != "" {
		r.SetAuthToken(c.token)
	}
	for k, vv := range cl.header {
		for i, v := range vv {
			if i == 0 {
				r.Header.Set(k, v)
			} else {
				r.Header.Add(k, v)
			}
		}
	}
	if len(cl.query) > 0 {
		r.SetQueryParamsFromValues(cl.query)
	}
	switch {
	case cl.body != nil:
		b, err := json.Marshal(cl.body)
		if err != nil {
			return nil, rec, fmt.Errorf("encoding the request body: %w", err)
		}
		r.SetHeader("Content-Type", "application/json").SetBody(string(b))
	case cl.raw != nil:
		if r.Header.Get("Content-Type") == "" {
			r.SetHeader("Content-Type", "application/json")
		}
		r.SetBody(string(cl.raw))
	}
	// Bodies go to resty as strings: a string is re-sent whole on every
	// retry (an io.Reader would be sent empty), and resty's debug dump
	// prints a string as text, where it can be redacted, but a []byte as
	// base64, where a token would slip past the redactor.

	resp, err := r.Execute(cl.method, cl.path)
	if err == nil {
		return resp, rec, nil
	}
	return resp, rec, c.transportFailure(ctx, cl, resp, rec, err)
}

// transportFailure classifies an error from resty's Execute.
func (c *Client) transportFailure(ctx context.Context, cl call, resp *resty.Response, rec *attempt, err error) error {
	e := &Error{Method: cl.method, Path: cl.pathOnly(), Err: cleanURLError(err)}
	if resp != nil && resp.RawResponse != nil {
		e.Status = resp.StatusCode()
	}
	var ins *insecureError
	if ce := AsCertError(err, c.site.base.Hostname()); ce != nil && ctx.Err() == nil {
		// Nothing was sent: the handshake failed before any request.
		e.Kind = KindCertificate
		e.Err = ce
		return e
	}
	var wait *WaitError
	switch {
	case errors.As(err, &wait):
		// A wait the deadline cannot hold: the kind says why the server
		// wanted one (429, 503, a gateway error), the message names it.
		e.Kind = KindRateLimited
		if e.Status != 0 {
			e.Kind = kindForStatus(e.Status)
		}
		e.Err = wait
		if wait.FromServer {
			e.RetryAfter = wait.Wait
		}
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && isTimeout(err):
		// The command's deadline ran out, in an attempt or in a wait.
		e.Kind = KindTransport
		e.Err = &TimeoutError{Command: true, Limit: commandBudget(ctx), Reading: e.Status != 0}
	case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		// Cancelled by the caller, possibly while waiting to retry after
		// a response that did arrive: report the cancellation.
		e.Kind = KindTransport
		e.Err = ctx.Err()
	case errors.As(err, &ins):
		e.Kind = KindInsecure
		e.Err = ins
		return e
	case isTooLarge(err):
		e.Kind = KindTooLarge
	case isTimeout(err):
		// One attempt's timeout: before the status, or while the body
		// stalled. Not "invalid JSON": nothing says the JSON was bad.
		e.Kind = KindTransport
		e.Err = &TimeoutError{Limit: c.site.rc.GetClient().Timeout, Reading: e.Status != 0}
	case e.Status != 0:
		// The status line arrived, the body did not arrive whole.
		e.Kind = KindBadJSON
	default:
		e.Kind = KindTransport
	}
	if cl.policy == retryNever || cl.policy == retryCreate {
		if outcomeLost(e.Status, rec) {
			return &OutcomeUnknownError{Method: cl.method, Path: cl.pathOnly(), Started: rec.startedAt(), Err: e}
		}
	}
	return e
}

// outcomeLost reports whether a non-idempotent request may have been acted
// on although its answer is lost: it was written and no status came back,
// or a success status came back with a body that could not be read.
func outcomeLost(status int, rec *attempt) bool {
	if status == 0 {
		return rec.mayHaveReachedServer()
	}
	return status >= 200 && status < 300
}

// cleanURLError drops net/http's *url.Error wrapper, whose message repeats
// the method and full URL; the *Error carries those already.
func cleanURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// fetch sends cl and decodes its payload into out (when out is non-nil and
// there is a payload). It returns the payload for callers that need
// TotalRecords.
func (c *Client) fetch(ctx context.Context, cl call, w want, out any) (payload, error) {
	resp, _, err := c.exchange(ctx, cl)
	if err != nil {
		return payload{}, err
	}
	p, err := c.interpret(cl, resp, w)
	if err != nil {
		return payload{}, err
	}
	if out != nil && p.data != nil {
		if err := decodeInto(cl, resp.StatusCode(), p, out); err != nil {
			return payload{}, err
		}
	}
	return p, nil
}
