package client

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/axero-cli/axero/internal/httplog"
	"github.com/axero-cli/axero/internal/jwtinfo"
)

const redacted = jwtinfo.Redacted

// tokenFieldPattern matches the secret field of a create response,
// whatever its value looks like.
var tokenFieldPattern = regexp.MustCompile(`("(?i:token)"\s*:\s*)"(?:[^"\\]|\\.)*"`)

// newDebugLog is the site's --debug log: the shared HTTP log, with the
// site's redactor and the header older Axero versions take a key in.
func newDebugLog(w io.Writer, redact func(string) string) *httplog.Log {
	return httplog.New(w, httplog.Options{Redact: redact, SensitiveHeaders: []string{"Rest-Api-Key"}})
}

// proxyDecision logs, for every request the transport sends, whether it
// goes through a proxy and which one, without the proxy's credentials.
func (s *site) proxyDecision(req *http.Request, d ProxyDecision) {
	if !s.log.Enabled() {
		return
	}
	if d.Direct() {
		s.log.Printf("PROXY direct for %s", siteOrigin(req.URL))
		return
	}
	s.log.Printf("PROXY %s (from %s) for %s", d, d.Variable, siteOrigin(req.URL))
}

// proxyConnect logs a proxy's answer to CONNECT: its status line as the
// proxy wrote it, the reason phrase included. A proxy reached over plain
// HTTP is where an attacker on the path would inject text, which the log
// escapes like everything else.
func (s *site) proxyConnect(proxy *url.URL, req *http.Request, resp *http.Response) {
	if !s.log.Enabled() {
		return
	}
	s.log.Printf("PROXY %s answered CONNECT %s: %s", RedactProxyURL(proxy), req.Host, resp.Status)
}

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
