package client

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/go-resty/resty/v2"

	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/textsafe"
)

// debugBodyLimit bounds how much of one body the debug log prints.
const debugBodyLimit = 64 << 10

const redacted = jwtinfo.Redacted

// sensitiveHeaders are replaced wholesale in the debug log.
var sensitiveHeaders = []string{"Authorization", "Proxy-Authorization", "Rest-Api-Key", "Cookie", "Set-Cookie"}

// tokenFieldPattern matches the secret field of a create response,
// whatever its value looks like.
var tokenFieldPattern = regexp.MustCompile(`("(?i:token)"\s*:\s*)"(?:[^"\\]|\\.)*"`)

// debugLog is both resty's logger and the debug writer. With no writer it
// discards everything, which also keeps resty from printing WARN and ERROR
// lines to stderr on its own.
type debugLog struct {
	mu     sync.Mutex
	w      io.Writer
	redact func(string) string
}

func newDebugLog(w io.Writer, redact func(string) string) *debugLog {
	return &debugLog{w: w, redact: redact}
}

func (l *debugLog) enabled() bool { return l.w != nil }

// install wires the log into a resty client: resty's own debug dump, with
// headers and bodies passed through the redactor before they are printed.
func (l *debugLog) install(rc *resty.Client) {
	if !l.enabled() {
		rc.SetDebug(false)
		return
	}
	rc.SetDebug(true).
		SetDebugBodyLimit(debugBodyLimit).
		OnRequestLog(func(rl *resty.RequestLog) error {
			rl.Header = l.redactHeader(rl.Header)
			rl.Body = l.redact(rl.Body)
			return nil
		}).
		OnResponseLog(func(rl *resty.ResponseLog) error {
			rl.Header = l.redactHeader(rl.Header)
			rl.Body = l.redact(rl.Body)
			return nil
		})
}

// redactHeader returns a copy of h with sensitive values replaced. The
// copy matters: resty hands the callbacks a map that shares its value
// slices with the real request.
func (l *debugLog) redactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		vv := make([]string, len(v))
		for i, s := range v {
			vv[i] = l.redact(s)
		}
		out[k] = vv
	}
	for _, k := range sensitiveHeaders {
		if _, ok := out[http.CanonicalHeaderKey(k)]; ok {
			out.Set(k, redacted)
		}
	}
	return out
}

// proxyDecision logs, for every request the transport sends, whether it
// goes through a proxy and which one, without the proxy's credentials.
func (l *debugLog) proxyDecision(req *http.Request, d ProxyDecision) {
	if !l.enabled() {
		return
	}
	if d.Direct() {
		l.printf("PROXY direct for %s", siteOrigin(req.URL))
		return
	}
	l.printf("PROXY %s (from %s) for %s", d, d.Variable, siteOrigin(req.URL))
}

// proxyConnect logs a proxy's answer to CONNECT: its status line as the
// proxy wrote it, the reason phrase included. A proxy reached over plain
// HTTP is where an attacker on the path would inject text, which printf
// escapes like everything else.
func (l *debugLog) proxyConnect(proxy *url.URL, req *http.Request, resp *http.Response) {
	if !l.enabled() {
		return
	}
	l.printf("PROXY %s answered CONNECT %s: %s", RedactProxyURL(proxy), req.Host, resp.Status)
}

// printf writes one entry of the log: redacted, and with every control
// character but the tabs and line feeds of its layout escaped
// (textsafe.Lines), since headers, bodies and a proxy's reason phrase are
// the server's text.
func (l *debugLog) printf(format string, v ...any) {
	if !l.enabled() {
		return
	}
	msg := textsafe.Lines(l.redact(fmt.Sprintf(format, v...)))
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, strings.TrimRight(msg, "\n"))
}

// Errorf, Warnf and Debugf make debugLog a resty.Logger.
func (l *debugLog) Errorf(format string, v ...any) { l.printf("ERROR "+format, v...) }
func (l *debugLog) Warnf(format string, v ...any)  { l.printf("WARN "+format, v...) }
func (l *debugLog) Debugf(format string, v ...any) { l.printf(format, v...) }

// redact removes every token value from s: the site's known tokens, the
// secret field of create responses, and anything shaped like a JWT.
func (s *site) redact(text string) string {
	if text == "" {
		return text
	}
	s.tokensMu.Lock()
	for tok := range s.tokens {
		text = strings.ReplaceAll(text, tok, redacted)
	}
	s.tokensMu.Unlock()
	return redactSecrets(text)
}

// redactSecrets removes token values that need no knowledge of the site.
func redactSecrets(text string) string {
	text = tokenFieldPattern.ReplaceAllString(text, `${1}"`+redacted+`"`)
	return jwtinfo.Redact(text)
}
