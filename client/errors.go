package client

import (
	"errors"
	"fmt"
	"time"

	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/textsafe"
)

// ErrorKind classifies a failed request so that commands can choose an exit
// code and users get a hint that fits.
type ErrorKind int

const (
	KindUnknown      ErrorKind = iota
	KindValidation             // 400: the server's message says what is wrong
	KindUnauthorized           // 401: token missing, invalid, expired or revoked
	KindForbidden              // 403: no REST API access or no impersonation permission
	KindNotFound               // 404
	KindRateLimited            // 429, still after retries
	KindUnavailable            // 503, still after retries
	KindServer                 // other 5xx
	KindHTML                   // an HTML page where JSON was expected
	KindEmptyBody              // no body where JSON was expected
	KindBadJSON                // truncated or invalid JSON
	KindTooLarge               // a body over the size limit
	KindTransport              // the request did not complete (DNS, refused, reset)
	KindInsecure               // refused for safety: plain http, cross-host or downgrade redirect
	KindCertificate            // the server's TLS certificate did not verify; Err is a *CertError
	KindTooMany                // a listing that claims or sends more records or pages than one listing may hold
	KindMalformed              // valid JSON of the wrong shape, or a record missing what it must have
)

// Error is a failed API request. Its message is one line, safe to print: it
// never contains a token value (nor anything shaped like one), and any
// server text in it (ErrorMessage,
// ErrorCode, a redirect's Location, a transport error quoting the server)
// has its control characters shown escaped, so printing it cannot drive
// the terminal.
type Error struct {
	Kind          ErrorKind
	Status        int    // HTTP status, 0 when no response arrived
	Method        string // GET, POST, ...
	Path          string // the request path, without query
	Code          string // the server's ErrorCode, if any
	ServerMessage string // the server's ErrorMessage, if any
	RetryAfter    time.Duration
	Err           error // the underlying cause, if any
}

func (e *Error) Error() string {
	msg := e.summary()
	if h := e.Hint(); h != "" {
		msg += " (" + h + ")"
	}
	// A transport error can quote what a server or proxy sent back, and
	// one that echoes a token must not get it printed.
	return textsafe.Terminal(jwtinfo.Redact(msg))
}

func (e *Error) summary() string {
	var wait *WaitError
	if errors.As(e.Err, &wait) {
		return wait.Error()
	}
	withServer := func(base string) string {
		if e.ServerMessage != "" {
			return base + ": " + e.ServerMessage
		}
		return base
	}
	switch e.Kind {
	case KindValidation:
		if e.ServerMessage != "" {
			return "the server refused the request: " + e.ServerMessage
		}
		return "the server refused the request as invalid (HTTP 400)"
	case KindUnauthorized:
		return withServer("not authenticated (HTTP 401)")
	case KindForbidden:
		return withServer("not permitted (HTTP 403)")
	case KindNotFound:
		return withServer("not found (HTTP 404)")
	case KindRateLimited:
		return "the server is rate limiting requests (HTTP 429) and still did after retries"
	case KindUnavailable:
		return "the server is unavailable (HTTP 503) and still was after retries"
	case KindServer:
		return withServer(fmt.Sprintf("the server failed (HTTP %d)", e.Status))
	case KindHTML:
		return "the server answered with an HTML page; is the site URL right?"
	case KindEmptyBody:
		return fmt.Sprintf("the server sent an empty response (HTTP %d) where JSON was expected", e.Status)
	case KindBadJSON:
		return fmt.Sprintf("the server sent a truncated or invalid JSON response (HTTP %d)", e.Status)
	case KindMalformed:
		msg := fmt.Sprintf("the server's answer to %s %s is malformed (HTTP %d)", e.Method, e.Path, e.Status)
		if e.Err != nil {
			msg += ": " + e.Err.Error()
		}
		return msg
	case KindTooLarge:
		return "the server's response is larger than the 32 MiB limit; refused"
	case KindTransport:
		var refused *ProxyRefusedError
		var setting *ProxySettingError
		switch {
		case errors.As(e.Err, &refused):
			return refused.Error()
		case errors.As(e.Err, &setting):
			return setting.Error()
		case e.Err != nil:
			return "request failed: " + e.Err.Error()
		}
		return "request failed"
	case KindTooMany:
		if e.Err != nil {
			return e.Err.Error()
		}
		return "the listing is larger than one listing may hold; refused"
	case KindInsecure:
		if e.Err != nil {
			return e.Err.Error()
		}
		return "refused an insecure request"
	case KindCertificate:
		var ce *CertError
		if errors.As(e.Err, &ce) {
			return ce.Summary()
		}
		return "the server's TLS certificate could not be verified"
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return withServer(fmt.Sprintf("request failed (HTTP %d)", e.Status))
}

// Hint is a plain-English next step for the user, or "".
func (e *Error) Hint() string {
	switch e.Kind {
	case KindUnauthorized:
		return "the token is missing, invalid, expired or revoked: run `axero login` or set AXERO_TOKEN"
	case KindForbidden:
		if e.ServerMessage != "" {
			return "" // the server's message already says which permission
		}
		return "your role lacks REST API access, or the impersonation permission this needs"
	case KindRateLimited, KindUnavailable:
		return "try again later"
	case KindCertificate:
		var ce *CertError
		if errors.As(e.Err, &ce) {
			return ce.Hint()
		}
	}
	return ""
}

func (e *Error) Unwrap() error { return e.Err }

// Unreachable reports a request that got no answer from the server: a
// transport failure or a timeout. Any answer at all, however malformed,
// means the server was reached.
func (e *Error) Unreachable() bool { return e.Kind == KindTransport }

// Timeout reports a request stopped by a timeout or a deadline, including a
// wait the deadline could not hold.
func (e *Error) Timeout() bool { return e.Err != nil && isTimeout(e.Err) }

// OutcomeUnknownError says a create request was sent but its answer was
// lost (a timeout, or the connection closed after sending). The server may
// have minted a token whose secret nobody received: the caller must
// reconcile before minting again, never blindly re-send.
type OutcomeUnknownError struct {
	Method  string
	Path    string
	Started time.Time // when the request was sent; tokens created after it are suspects
	Err     error
}

func (e *OutcomeUnknownError) Error() string {
	return textsafe.Terminal(jwtinfo.Redact(fmt.Sprintf("the outcome of %s %s is unknown: %v", e.Method, e.Path, e.Err)))
}

func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// KindOf returns the kind of an *Error in err's chain, or KindUnknown.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnknown
}

// IsUnreachable reports that the server could not be reached: no answer
// arrived (see (*Error).Unreachable).
func IsUnreachable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Unreachable()
}

// IsNotFound reports a 404.
func IsNotFound(err error) bool { return KindOf(err) == KindNotFound }

// IsAuth reports a 401 or 403.
func IsAuth(err error) bool {
	k := KindOf(err)
	return k == KindUnauthorized || k == KindForbidden
}

// IsOutcomeUnknown reports a create whose result was lost.
func IsOutcomeUnknown(err error) bool {
	var e *OutcomeUnknownError
	return errors.As(err, &e)
}
