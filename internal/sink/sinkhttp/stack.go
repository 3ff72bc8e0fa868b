// Package sinkhttp is the HTTP stack of the sinks that speak plain JSON
// REST (GitHub, GitLab, Vault): resty with the command's network settings
// (proxies from its environment, --ca-file trust), one timeout per
// attempt, a bound on response bodies, redirects only within the
// service's host and never down to http, bounded retries of idempotent
// requests, and a --debug log that shows neither the sink's credential
// nor the secret it delivers.
//
// Errors come back as *sink.Error, one line each, with the service's own
// message escaped and stripped of anything secret.
//
// A command builds one Stack and hands it to every sink it parses: the
// Network of its factory (proxies read through its Getenv, --ca-file or
// AXERO_CA_FILE), its --timeout, the --debug writer and its user agent.
// Each sink then makes its own Client with New, for its own endpoint and
// credential.
package sinkhttp

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/go-resty/resty/v2"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/httplog"
)

// Defaults for the zero values of Stack.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxRetries   = 3
	DefaultRetryWait    = 300 * time.Millisecond
	DefaultRetryMaxWait = 30 * time.Second
	// MaxResponseBytes bounds a response body: every answer a sink reads
	// is a small JSON document.
	MaxResponseBytes = 1 << 20
)

// Stack is what every sink of one command shares: how to reach the
// network and whether to log, and the connections themselves (one
// transport per set of extra certificate authorities). The zero value
// works (system roots, proxy variables from the process environment, no
// log). Its fields must not change once it has made a client, and it is
// used by pointer only.
type Stack struct {
	// Network is the command's: proxies from its environment and the
	// extra certificate authorities of --ca-file or AXERO_CA_FILE.
	Network client.Network
	// Timeout bounds one attempt; 0 means DefaultTimeout.
	Timeout time.Duration
	// Debug receives the redacted log of every exchange (--debug).
	Debug io.Writer
	// UserAgent names the program, e.g. "axero/1.2.3".
	UserAgent string
	// MaxRetries is how many times an idempotent request is repeated
	// after a transport error or a 429, 502, 503 or 504; 0 means
	// DefaultMaxRetries, a negative value none.
	MaxRetries int
	// RetryWait is the base of the backoff when the server gives no
	// Retry-After; 0 means DefaultRetryWait.
	RetryWait time.Duration
	// RetryMaxWait caps one wait, the server's Retry-After included; 0
	// means DefaultRetryMaxWait.
	RetryMaxWait time.Duration

	shared transports
}

// transports are a stack's HTTP transports, one per set of extra
// certificate authorities, shared by every client it makes: a bulk run
// parses each row's sinks anew, and a transport per sink would open new
// connections for every row and leave them idle until they time out.
type transports struct {
	mu  sync.Mutex
	m   map[string]*http.Transport
	log *httplog.Log // says which proxy each request takes
}

// Endpoint is one sink's service: where it is, how the sink proves who it
// is, and what of its traffic is secret.
type Endpoint struct {
	// Sink names the sink in errors: its String().
	Sink string
	// Service names the service in messages ("GitHub", "Vault").
	Service string
	// BaseURL is the service's API root, from ParseBaseURL.
	BaseURL *url.URL
	// BaseFrom names where BaseURL came from ("GITHUB_API_URL"), for the
	// advice given when it answers with an HTML page.
	BaseFrom string
	// Headers are sent with every request. Those named in
	// CredentialHeaders are never logged.
	Headers map[string]string
	// CredentialHeaders name the headers that carry the credential
	// ("Authorization", "PRIVATE-TOKEN", "X-Vault-Token").
	CredentialHeaders []string
	// Secrets are values redacted wherever they would appear: the
	// credential itself, without its "Bearer " prefix.
	Secrets []string
	// SecretFields are JSON keys whose values the log never shows, in
	// any body at any depth ("encrypted_value", "value", "data").
	SecretFields []string
	// ExtraCA is PEM trusted besides the Network's (VAULT_CACERT).
	ExtraCA []byte
	// Message extracts the service's error text from an error body; nil
	// means a top-level "message" string.
	Message func(body []byte) string
}

// Client speaks to one Endpoint. It is safe for concurrent use.
type Client struct {
	ep      Endpoint
	rc      *resty.Client
	log     *httplog.Log
	secrets *secretSet
	maxWait time.Duration

	skewMu    sync.Mutex
	skew      time.Duration
	skewKnown bool
}

// New builds a Client for ep on the stack's settings. A nil Stack means
// the zero value.
func (s *Stack) New(ep Endpoint) (*Client, error) {
	if s == nil {
		s = &Stack{}
	}
	if ep.BaseURL == nil {
		return nil, fmt.Errorf("no endpoint URL")
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	retries := s.MaxRetries
	switch {
	case retries == 0:
		retries = DefaultMaxRetries
	case retries < 0:
		retries = 0
	}
	wait := s.RetryWait
	if wait <= 0 {
		wait = DefaultRetryWait
	}
	maxWait := s.RetryMaxWait
	if maxWait <= 0 {
		maxWait = DefaultRetryMaxWait
	}
	ua := strings.TrimSpace(s.UserAgent)
	if ua == "" {
		ua = "axero"
	}

	c := &Client{ep: ep, secrets: newSecretSet(), maxWait: maxWait}
	for _, v := range ep.Secrets {
		c.secrets.add(v)
	}
	// A credential header's whole value ("Bearer x") is secret too; the
	// other headers (Accept, an API version) stay readable in the log.
	for _, v := range credentialValues(ep) {
		c.secrets.add(v)
	}
	c.log = httplog.New(s.Debug, httplog.Options{
		Redact:           c.secrets.redact,
		RedactBody:       fieldRedactor(ep.SecretFields),
		SensitiveHeaders: ep.CredentialHeaders,
	})

	tr, err := s.transport(ep.ExtraCA)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{
		Transport:     tr,
		CheckRedirect: redirectPolicy(ep.BaseURL),
		Timeout:       timeout,
	}
	rc := resty.NewWithClient(hc).
		SetBaseURL(strings.TrimRight(ep.BaseURL.String(), "/")).
		SetHeader("User-Agent", ua).
		SetHeader("Accept", "application/json").
		SetResponseBodyLimit(MaxResponseBytes).
		SetRetryCount(retries).
		SetRetryWaitTime(wait).
		SetRetryMaxWaitTime(maxWait).
		SetRetryAfter(c.retryAfter).
		AddRetryCondition(c.shouldRetry).
		OnAfterResponse(c.noteServerClock)
	for k, v := range ep.Headers {
		rc.SetHeader(k, v)
	}
	c.log.Install(rc)
	c.rc = rc
	return c, nil
}

// transport is the stack's transport for endpoints that trust extraCA
// besides the Network's authorities, made on first use.
func (s *Stack) transport(extraCA []byte) (*http.Transport, error) {
	sh := &s.shared
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if tr, ok := sh.m[string(extraCA)]; ok {
		return tr, nil
	}
	if sh.log == nil {
		sh.log = httplog.New(s.Debug, httplog.Options{})
	}
	network := s.Network
	if len(extraCA) > 0 {
		// A line break between the bundles keeps the last block of one
		// from running into the first of the other.
		network.CAPEM = append(append(append([]byte(nil), network.CAPEM...), '\n'), extraCA...)
	}
	tr, err := network.Transport(sh.logProxy)
	if err != nil {
		return nil, err
	}
	if sh.m == nil {
		sh.m = map[string]*http.Transport{}
	}
	sh.m[string(extraCA)] = tr
	return tr, nil
}

// logProxy says in the log, for every request, whether it goes through a
// proxy and which one, without the proxy's credentials.
func (sh *transports) logProxy(req *http.Request, d client.ProxyDecision) {
	if !sh.log.Enabled() {
		return
	}
	origin := req.URL.Scheme + "://" + req.URL.Host
	if d.Direct() {
		sh.log.Printf("PROXY direct for %s", origin)
		return
	}
	sh.log.Printf("PROXY %s (from %s) for %s", d, d.Variable, origin)
}

// credentialValues are the values of the endpoint's credential headers.
func credentialValues(ep Endpoint) []string {
	var out []string
	for _, name := range ep.CredentialHeaders {
		for k, v := range ep.Headers {
			if strings.EqualFold(k, name) {
				out = append(out, v)
			}
		}
	}
	return out
}

// AddSecret makes v one of the values redacted from the log and from
// errors: the token being delivered, a sealed copy of it, a value read
// back from the service.
func (c *Client) AddSecret(v string) { c.secrets.add(v) }

// Redact removes every known secret (and anything shaped like a JWT)
// from text.
func (c *Client) Redact(text string) string { return c.secrets.redact(text) }

// noteServerClock records how far the server's clock (its Date header) is
// from ours, for sinks that compare the server's timestamps with a local
// time.
func (c *Client) noteServerClock(_ *resty.Client, resp *resty.Response) error {
	d, err := http.ParseTime(resp.Header().Get("Date"))
	if err != nil {
		return nil
	}
	c.skewMu.Lock()
	c.skew = d.Sub(resp.ReceivedAt())
	c.skewKnown = true
	c.skewMu.Unlock()
	return nil
}

// ServerTime translates a local time to the server's clock, using the
// Date header of the latest response. ok is false when no response had
// one; t is then returned unchanged. The Date header has a resolution of
// one second and is stamped before the answer travels, so the
// translation errs early by up to a second plus the network latency.
func (c *Client) ServerTime(t time.Time) (_ time.Time, ok bool) {
	c.skewMu.Lock()
	defer c.skewMu.Unlock()
	if !c.skewKnown {
		return t, false
	}
	return t.Add(c.skew), true
}

// ParseBaseURL checks a service's API root as read from the environment
// variable from: http or https with a host, no credentials, no query, and
// plain http only to a loopback address (the credential would otherwise
// travel in clear text). The path is kept, without a trailing slash.
func ParseBaseURL(raw, from string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	for _, r := range raw {
		if unicode.IsControl(r) {
			return nil, fmt.Errorf("%s holds a control character", from)
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("%s=%q is not a URL with a scheme and a host", from, raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("%s=%q: the scheme must be https", from, raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s must not carry a user name or password; the credential comes from its own variable", from)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s=%q must not have a query or fragment", from, raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("refusing plain http:// to %s (%s): the credential would travel unencrypted; use https://", u.Hostname(), from)
	}
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
