package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/go-resty/resty/v2"
)

// maxServerMessage bounds the server text quoted in an error message.
const maxServerMessage = 300

// payload is the useful part of a successful answer.
type payload struct {
	data  json.RawMessage // ResponseData, or the whole body when there is no envelope
	total *int            // TotalRecords, when the server sent it
}

// want says how much of a body a successful answer must have.
type want int

const (
	wantData     want = iota // a payload is required (a user, a token)
	wantNullable             // a body is required, but ResponseData may be null (an empty list)
	wantNothing              // no body needed (a revoke)
)

// interpret turns a response into its payload or an *Error. It accepts the
// ResponseData envelope and a bare JSON payload, and treats IsError: true
// as a failure whatever the status.
func (c *Client) interpret(cl call, resp *resty.Response, w want) (payload, error) {
	status := resp.StatusCode()
	body := bytes.TrimSpace(resp.Body())
	newErr := func(kind ErrorKind) *Error {
		return &Error{Kind: kind, Status: status, Method: cl.method, Path: cl.pathOnly()}
	}

	if status < 200 || status > 299 {
		e := newErr(kindForStatus(status))
		if env, ok := parseEnvelope(body); ok {
			e.ServerMessage = c.cleanServerText(env.ErrorMessage)
			e.Code = c.cleanServerText(env.ErrorCode)
		}
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			if d, ok := parseRetryAfter(resp.Header().Get("Retry-After"), time.Now()); ok {
				e.RetryAfter = d
			}
		}
		return payload{}, e
	}

	if status == http.StatusNoContent || len(body) == 0 {
		if w == wantNothing {
			return payload{}, nil
		}
		return payload{}, newErr(KindEmptyBody)
	}
	if isHTML(resp.Header().Get("Content-Type"), body) {
		return payload{}, newErr(KindHTML)
	}
	if !json.Valid(body) {
		return payload{}, newErr(KindBadJSON)
	}
	env, ok := parseEnvelope(body)
	if !ok {
		return payload{data: body}, nil
	}
	if env.IsError {
		e := newErr(kindForCode(env.ErrorCode))
		e.ServerMessage = c.cleanServerText(env.ErrorMessage)
		e.Code = c.cleanServerText(env.ErrorCode)
		return payload{}, e
	}
	data := bytes.TrimSpace(env.ResponseData)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		if w != wantData {
			return payload{total: env.TotalRecords}, nil
		}
		return payload{}, newErr(KindEmptyBody)
	}
	return payload{data: data, total: env.TotalRecords}, nil
}

// parseEnvelope reads body as Axero's envelope. It reports false for a bare
// payload: anything but a JSON object with an IsError or ResponseData key.
func parseEnvelope(body []byte) (Envelope, bool) {
	if len(body) == 0 || body[0] != '{' {
		return Envelope{}, false
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(body, &keys); err != nil {
		return Envelope{}, false
	}
	found := false
	for k := range keys {
		if strings.EqualFold(k, "IsError") || strings.EqualFold(k, "ResponseData") {
			found = true
			break
		}
	}
	if !found {
		return Envelope{}, false
	}
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Envelope{}, false
	}
	return env, true
}

// decodeInto unmarshals a payload into out; valid JSON of the wrong shape
// is a KindMalformed error.
func decodeInto(cl call, status int, p payload, out any) error {
	if err := json.Unmarshal(p.data, out); err != nil {
		return malformed(cl, status, "unexpected response shape")
	}
	return nil
}

// malformed is the error for an answer that is JSON but not what the
// contract says it must be.
func malformed(cl call, status int, why string) *Error {
	return &Error{Kind: KindMalformed, Status: status, Method: cl.method, Path: cl.pathOnly(), Err: errors.New(why)}
}

// isHTML spots an HTML page where JSON was expected: a login page or a
// proxy in front of a wrong base URL, often with status 200.
func isHTML(contentType string, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		if mt == "text/html" || mt == "application/xhtml+xml" {
			return true
		}
	}
	return len(body) > 0 && body[0] == '<'
}

func kindForStatus(status int) ErrorKind {
	switch {
	case status == http.StatusBadRequest:
		return KindValidation
	case status == http.StatusUnauthorized:
		return KindUnauthorized
	case status == http.StatusForbidden:
		return KindForbidden
	case status == http.StatusNotFound:
		return KindNotFound
	case status == http.StatusTooManyRequests:
		return KindRateLimited
	case status == http.StatusServiceUnavailable:
		return KindUnavailable
	case status >= 500:
		return KindServer
	}
	return KindUnknown
}

// kindForCode classifies IsError: true on a success status by the server's
// ErrorCode, since the status says nothing.
func kindForCode(code string) ErrorKind {
	c := strings.ToLower(code)
	switch {
	case strings.Contains(c, "notfound") || strings.Contains(c, "not_found"):
		return KindNotFound
	case strings.Contains(c, "unauthori") || strings.Contains(c, "unauthenticated"):
		return KindUnauthorized
	case strings.Contains(c, "forbidden") || strings.Contains(c, "permission"):
		return KindForbidden
	case strings.Contains(c, "valid"):
		return KindValidation
	}
	return KindUnknown
}

// cleanServerText makes server-supplied text safe for a one-line message:
// no token values, no control characters, bounded length.
func (c *Client) cleanServerText(s string) string {
	s = c.site.redact(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxServerMessage {
		s = string(r[:maxServerMessage]) + "…"
	}
	return s
}
