// Package httplog is the --debug log of an HTTP client built on resty:
// every exchange dumped with its credential headers replaced, its text
// passed through the caller's redactor, and its control characters shown
// escaped, so that neither a secret nor a hostile server's escape
// sequence reaches the terminal. The Axero client and the sinks' HTTP
// stack share it, each with its own redactor and credential headers.
package httplog

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/go-resty/resty/v2"

	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/textsafe"
)

// BodyLimit bounds how much of one body the log prints.
const BodyLimit = 64 << 10

// Redacted is what the log prints in place of a secret.
const Redacted = jwtinfo.Redacted

// DefaultSensitiveHeaders are replaced wholesale in every log: they carry
// credentials whatever the service.
var DefaultSensitiveHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// Options say what a Log hides.
type Options struct {
	// Redact removes secrets from any text the log prints (headers,
	// messages, the whole dump). Nil means jwtinfo.Redact.
	Redact func(string) string
	// RedactBody removes secrets from a request or response body before
	// Redact runs over it: a service whose bodies carry secrets in named
	// fields hides those fields here. Nil leaves bodies to Redact.
	RedactBody func(string) string
	// SensitiveHeaders are replaced wholesale, besides
	// DefaultSensitiveHeaders.
	SensitiveHeaders []string
}

// Log is both resty's logger and the debug writer. With no writer it
// discards everything, which also keeps resty from printing WARN and ERROR
// lines to stderr on its own.
type Log struct {
	mu         sync.Mutex
	w          io.Writer
	redact     func(string) string
	redactBody func(string) string
	headers    []string
}

// New returns a Log that writes to w, or discards everything when w is nil.
func New(w io.Writer, o Options) *Log {
	l := &Log{w: w, redact: o.Redact, redactBody: o.RedactBody}
	if l.redact == nil {
		l.redact = jwtinfo.Redact
	}
	l.headers = append(append([]string(nil), DefaultSensitiveHeaders...), o.SensitiveHeaders...)
	return l
}

// Enabled reports whether anything is written.
func (l *Log) Enabled() bool { return l.w != nil }

// Install wires the log into a resty client: resty's own debug dump, with
// headers and bodies redacted before they are printed. Without a writer it
// turns resty's dump off.
func (l *Log) Install(rc *resty.Client) {
	rc.SetLogger(l)
	if !l.Enabled() {
		rc.SetDebug(false)
		return
	}
	rc.SetDebug(true).
		SetDebugBodyLimit(BodyLimit).
		OnRequestLog(func(rl *resty.RequestLog) error {
			rl.Header = l.RedactHeader(rl.Header)
			rl.Body = l.body(rl.Body)
			return nil
		}).
		OnResponseLog(func(rl *resty.ResponseLog) error {
			rl.Header = l.RedactHeader(rl.Header)
			rl.Body = l.body(rl.Body)
			return nil
		})
}

func (l *Log) body(s string) string {
	if l.redactBody != nil {
		s = l.redactBody(s)
	}
	return l.redact(s)
}

// RedactHeader returns a copy of h with sensitive values replaced. The
// copy matters: resty hands the callbacks a map that shares its value
// slices with the real request.
func (l *Log) RedactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		vv := make([]string, len(v))
		for i, s := range v {
			vv[i] = l.redact(s)
		}
		out[k] = vv
	}
	for _, k := range l.headers {
		if _, ok := out[http.CanonicalHeaderKey(k)]; ok {
			out.Set(k, Redacted)
		}
	}
	return out
}

// Printf writes one redacted entry. Control characters other than line
// feeds and tabs are shown escaped: a server's text in a dump must not
// drive the terminal that --debug prints to.
func (l *Log) Printf(format string, v ...any) {
	if !l.Enabled() {
		return
	}
	msg := textsafe.Lines(l.redact(fmt.Sprintf(format, v...)))
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = fmt.Fprintln(l.w, strings.TrimRight(msg, "\n"))
}

// Errorf, Warnf and Debugf make Log a resty.Logger.
func (l *Log) Errorf(format string, v ...any) { l.Printf("ERROR "+format, v...) }
func (l *Log) Warnf(format string, v ...any)  { l.Printf("WARN "+format, v...) }
func (l *Log) Debugf(format string, v ...any) { l.Printf(format, v...) }
