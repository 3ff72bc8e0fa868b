package sinkhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-resty/resty/v2"

	"github.com/axero-cli/axero/internal/sink"
)

// Request is one call to the service.
type Request struct {
	Method string
	// Path is relative to the endpoint's base URL, each segment already
	// escaped (url.PathEscape), e.g. "/projects/group%2Fapp/variables/KEY".
	Path  string
	Query url.Values
	// Body is encoded as JSON and sent with Content-Type
	// application/json; nil sends none.
	Body any
	// Idempotent marks a POST that is harmless to repeat (a read-only
	// query such as Vault's capabilities-self); GET, HEAD, PUT and DELETE
	// are retried without it.
	Idempotent bool
}

// Response is the service's answer, whatever its status.
type Response struct {
	Method string
	Path   string
	Status int
	Header http.Header
	Body   []byte
}

// OK reports a 2xx status.
func (r *Response) OK() bool { return r.Status >= 200 && r.Status < 300 }

// Do sends req for step op ("check", "put", "verify") and returns the
// answer with any HTTP status. The error, a *sink.Error, is for requests
// that got no usable answer: unreachable, refused for safety, a body over
// the size limit.
func (c *Client) Do(ctx context.Context, op string, req Request) (*Response, error) {
	retry := req.Idempotent || idempotentMethod(req.Method)
	r := c.rc.R().SetContext(withIdempotence(ctx, retry))
	if len(req.Query) > 0 {
		r.SetQueryParamsFromValues(req.Query)
	}
	if req.Body != nil {
		b, err := json.Marshal(req.Body)
		if err != nil {
			return nil, c.Errorf(op, sink.Failed, "encoding the request: %v", err)
		}
		// A string body is sent whole again on every retry (a reader
		// would go empty) and shows as text in the debug dump, where it
		// is redacted, where a []byte would show as base64.
		r.SetHeader("Content-Type", "application/json").SetBody(string(b))
	}
	resp, err := r.Execute(req.Method, req.Path)
	if err != nil {
		return nil, c.transportError(ctx, op, req, resp, err)
	}
	return &Response{
		Method: req.Method,
		Path:   req.Path,
		Status: resp.StatusCode(),
		Header: resp.Header(),
		Body:   resp.Body(),
	}, nil
}

// transportError is a request that got no usable answer, in one line.
func (c *Client) transportError(ctx context.Context, op string, req Request, resp *resty.Response, err error) error {
	host := c.ep.BaseURL.Host
	var refused *refusedError
	var wait *waitError
	switch {
	case errors.As(err, &refused):
		return c.Errorf(op, sink.Failed, "%s %s: %s", req.Method, req.Path, refused.msg)
	case errors.As(err, &wait):
		return c.Errorf(op, sink.Failed, "%s %s (HTTP %d): %s", req.Method, req.Path, statusOf(resp), wait.Error())
	case errors.Is(err, resty.ErrResponseBodyTooLarge):
		return c.Errorf(op, sink.Failed, "%s %s: the answer is larger than %d KiB; refused", req.Method, req.Path, MaxResponseBytes>>10)
	}
	if ce := asCertError(err, c.ep.BaseURL.Hostname()); ce != nil {
		return c.Errorf(op, sink.Failed, "%s", ce.Error())
	}
	if ctx.Err() != nil {
		return c.Errorf(op, sink.Failed, "%s %s: %v", req.Method, req.Path, ctx.Err())
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	if status := statusOf(resp); status != 0 {
		return c.Errorf(op, sink.Failed, "%s %s: the answer (HTTP %d) did not arrive whole: %v", req.Method, req.Path, status, err)
	}
	return c.Errorf(op, sink.Failed, "cannot reach %s %s: %v", c.ep.Service, host, err)
}

func statusOf(resp *resty.Response) int {
	if resp == nil || resp.RawResponse == nil {
		return 0
	}
	return resp.StatusCode()
}

// Errorf builds the sink's *sink.Error for step op. The message is
// redacted and has its control characters escaped: it may quote the
// service.
func (c *Client) Errorf(op string, kind sink.Kind, format string, args ...any) error {
	msg := safeText(c.Redact(fmt.Sprintf(format, args...)))
	return &sink.Error{Sink: c.ep.Sink, Op: op, Kind: kind, Err: errors.New(msg)}
}

// StatusError is the *sink.Error for an answer that is not what the sink
// wanted: what says what failed ("cannot read the public key"), and the
// message adds the status and the service's own words. The kind follows
// the status: 401 and 403 are Denied, 400 and 422 (the service refused
// what the sink asked for) Invalid, anything else Failed. Sinks that know
// better use StatusErrorKind.
func (c *Client) StatusError(op string, resp *Response, what string) error {
	return c.StatusErrorKind(op, KindForStatus(resp.Status), resp, what)
}

// StatusErrorKind is StatusError with the kind chosen by the caller.
func (c *Client) StatusErrorKind(op string, kind sink.Kind, resp *Response, what string) error {
	return c.Errorf(op, kind, "%s (%s)", what, c.Describe(resp))
}

// KindForStatus is the default classification of an HTTP status.
func KindForStatus(status int) sink.Kind {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return sink.Denied
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return sink.Invalid
	}
	return sink.Failed
}

// Describe is "HTTP 403: <the service's message>", bounded and made safe.
func (c *Client) Describe(resp *Response) string {
	msg := c.ServiceMessage(resp)
	if msg == "" {
		return fmt.Sprintf("HTTP %d", resp.Status)
	}
	return fmt.Sprintf("HTTP %d: %s", resp.Status, msg)
}

// maxMessage bounds how much of the service's message an error quotes.
const maxMessage = 300

// ServiceMessage is the service's own explanation in an answer, or a
// word on what came instead (an HTML page); "" when there is none. It is
// cut to a few hundred characters, redacted and escaped.
func (c *Client) ServiceMessage(resp *Response) string {
	if isHTML(resp) {
		hint := "is the endpoint right?"
		if c.ep.BaseFrom != "" {
			hint = "is " + c.ep.BaseFrom + " right?"
		}
		return "the server answered with an HTML page; " + hint
	}
	extract := c.ep.Message
	if extract == nil {
		extract = TopLevelMessage
	}
	msg := strings.Join(strings.Fields(extract(resp.Body)), " ")
	if len(msg) > maxMessage {
		msg = msg[:maxMessage] + "…"
	}
	return safeText(c.Redact(msg))
}

func isHTML(resp *Response) bool {
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	if strings.Contains(ct, "text/html") {
		return true
	}
	b := bytes.TrimSpace(resp.Body)
	return len(b) > 0 && b[0] == '<'
}

// TopLevelMessage reads {"message": "..."}, the error shape of GitHub and
// of most of GitLab.
func TopLevelMessage(body []byte) string {
	var e struct {
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(e.Message, &s) == nil {
		return s
	}
	return ""
}

// JSON decodes a 2xx answer into v. An HTML page, an empty body or
// invalid JSON is a Failed error that says which.
func (c *Client) JSON(op string, resp *Response, v any) error {
	switch {
	case isHTML(resp):
		return c.Errorf(op, sink.Failed, "%s %s: %s", resp.Method, resp.Path, c.ServiceMessage(resp))
	case len(bytes.TrimSpace(resp.Body)) == 0:
		return c.Errorf(op, sink.Failed, "%s %s: the answer (HTTP %d) is empty where JSON was expected", resp.Method, resp.Path, resp.Status)
	}
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return c.Errorf(op, sink.Failed, "%s %s: the answer (HTTP %d) is not the JSON expected", resp.Method, resp.Path, resp.Status)
	}
	return nil
}
