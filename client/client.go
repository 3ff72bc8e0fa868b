package client

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-resty/resty/v2"

	"github.com/axero-cli/axero/internal/httplog"
	"github.com/axero-cli/axero/internal/limit"
)

// Defaults for the zero values of Config.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxRetries   = 3
	DefaultRetryMaxWait = 60 * time.Second
	// MaxResponseBytes is the largest response body the client accepts.
	// Anything larger is refused rather than buffered.
	MaxResponseBytes = 32 << 20
	// MaxPageSize is the largest PageSize the API accepts.
	MaxPageSize = 100
)

// Config configures a Client.
type Config struct {
	BaseURL      string        // the site URL, e.g. https://intranet.example.com (a trailing /api is tolerated)
	Token        string        // the bearer token; may be empty for unauthenticated probes
	Paths        Paths         // endpoint paths; empty fields take DefaultPaths
	Timeout      time.Duration // per request attempt; 0 means 30s
	AllowHTTP    bool          // permit http:// to a non-loopback host
	UserAgent    string        // e.g. "axero/1.2.3"
	Debug        io.Writer     // when non-nil, each exchange is logged here, redacted
	MaxRetries   int           // retries after the first attempt for retryable requests; <0 none, 0 default (3)
	RetryMaxWait time.Duration // cap on one Retry-After/backoff wait; 0 means 60s
	// Network adds certificate authorities to the system's and says where
	// the proxy settings come from.
	Network Network
	// Transport replaces the transport built from Network, for tests that
	// bring their own; it cannot be combined with a CA bundle.
	Transport http.RoundTripper
	// IdleConnsPerHost is how many idle connections to the site the
	// transport built from Network keeps: a bulk command whose workers share
	// one client sets it to its concurrency, so that each worker reuses a
	// connection instead of opening one per request. Zero keeps Go's
	// default (2).
	IdleConnsPerHost int
	// Limiter, when set, bounds the requests in flight to the site: every
	// attempt of every request holds one of its slots while it is on the
	// wire (limit.go). A bulk command's workers share one.
	Limiter limit.Limiter
}

// Client talks to one Axero site with one token. It is safe for concurrent
// use; all goroutines sharing a Client share its rate-limit pause: a 429 or
// 503 with Retry-After holds back every request until the delay is over.
type Client struct {
	token string
	site  *site
}

// site is everything a Client shares with the clients derived from it by
// WithToken: the HTTP machinery, the pause gate and the debug log.
type site struct {
	base         *url.URL // scheme, host and optional sub-path, without /api
	baseURL      string
	paths        Paths
	rc           *resty.Client
	gate         *pauseGate
	log          *httplog.Log
	retryMaxWait time.Duration
	limiter      limit.Limiter // nil: no bound

	// onRetryWait, when set, observes every wait the retry machinery asks
	// for; tests use it to prove that Retry-After was honoured.
	onRetryWait func(time.Duration)

	tokensMu sync.Mutex
	tokens   map[string]struct{} // every token in use, redacted from debug output
}

// New validates cfg (URL scheme and host, http only on loopback unless
// AllowHTTP) and builds a Client.
func New(cfg Config) (*Client, error) {
	base, err := parseSiteURL(cfg.BaseURL, cfg.AllowHTTP)
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	retries := cfg.MaxRetries
	switch {
	case retries == 0:
		retries = DefaultMaxRetries
	case retries < 0:
		retries = 0
	}
	maxWait := cfg.RetryMaxWait
	if maxWait <= 0 {
		maxWait = DefaultRetryMaxWait
	}
	userAgent := strings.TrimSpace(cfg.UserAgent)
	if userAgent == "" {
		userAgent = "axero"
	}

	s := &site{
		base:         base,
		baseURL:      base.String(),
		paths:        cfg.Paths.WithDefaults(),
		gate:         &pauseGate{},
		retryMaxWait: maxWait,
		limiter:      cfg.Limiter,
		tokens:       map[string]struct{}{},
	}
	s.log = newDebugLog(cfg.Debug, s.redact)

	inner := cfg.Transport
	if inner == nil {
		// A proxy setting that cannot be used is said before any request,
		// in one line, rather than as every request's failure.
		if _, err := cfg.Network.ProxyFor(base); err != nil {
			return nil, err
		}
		tr, err := cfg.Network.Transport(s.proxyDecision)
		if err != nil {
			return nil, err
		}
		refuse := tr.OnProxyConnectResponse
		tr.OnProxyConnectResponse = func(ctx context.Context, proxy *url.URL, req *http.Request, resp *http.Response) error {
			s.proxyConnect(proxy, req, resp)
			return refuse(ctx, proxy, req, resp)
		}
		if cfg.IdleConnsPerHost > 0 {
			tr.MaxIdleConnsPerHost = cfg.IdleConnsPerHost
		}
		inner = tr
	} else if cfg.Network.HasCA() {
		return nil, fmt.Errorf("a CA bundle cannot be combined with a custom Transport: set the transport's TLS roots instead")
	}
	hc := &http.Client{
		Transport:     &siteTransport{inner: inner, site: s},
		CheckRedirect: s.checkRedirect,
		Timeout:       timeout,
	}
	rc := resty.NewWithClient(hc).
		SetBaseURL(s.baseURL).
		SetHeader("User-Agent", userAgent).
		SetHeader("Accept", "application/json").
		SetResponseBodyLimit(MaxResponseBytes).
		SetRetryCount(retries).
		SetRetryWaitTime(defaultRetryWait).
		SetRetryMaxWaitTime(maxWait).
		SetRetryAfter(s.retryAfter).
		AddRetryCondition(retryUnlessCertificate).
		OnBeforeRequest(s.waitForPause).
		OnBeforeRequest(s.takeSlot)
	s.log.Install(rc)
	s.rc = rc

	c := &Client{site: s}
	return c.WithToken(cfg.Token), nil
}

// WithToken returns a Client for the same site and settings with another
// token. The two share the connection pool, the debug log and the pause
// gate, so a rate limit seen by one slows down the other too.
func (c *Client) WithToken(token string) *Client {
	token = strings.TrimSpace(token)
	c.site.remember(token)
	return &Client{token: token, site: c.site}
}

// BaseURL returns the site URL the client talks to, without /api.
func (c *Client) BaseURL() string { return c.site.baseURL }

// Paths returns the endpoint paths in use, defaults filled in.
func (c *Client) Paths() Paths { return c.site.paths }

// PausedUntil returns the time until which the server asked this site's
// requests to hold back (a 429 or 503 with Retry-After), or the zero time
// when no pause is in force.
func (c *Client) PausedUntil() time.Time { return c.site.gate.pausedUntil() }

// ParseSiteURL checks a site URL as New does and returns it in canonical
// form, without /api. Diagnostics use it to probe exactly the site a
// Client would talk to.
func ParseSiteURL(raw string, allowHTTP bool) (*url.URL, error) {
	return parseSiteURL(raw, allowHTTP)
}

// retryUnlessCertificate is the client's retry condition: a certificate
// that did not verify will not verify on a second try either.
func retryUnlessCertificate(resp *resty.Response, err error) bool {
	if err != nil && AsCertError(err, "") != nil {
		return false
	}
	return shouldRetry(resp, err)
}

// parseSiteURL checks a site URL and returns it in canonical form: scheme
// and host lower-cased, no trailing slash, no trailing /api (the endpoint
// paths carry it), no query or fragment.
func parseSiteURL(raw string, allowHTTP bool) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, fmt.Errorf("no site URL given: pass --url, e.g. --url https://intranet.example.com")
	}
	// url.Parse lets control characters and invalid UTF-8 through in the
	// host, which no site has; escaped, they would also make the stored
	// URL several times longer than what was typed.
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Hostname() == "" || !printableText(raw) {
		return nil, fmt.Errorf("invalid site URL %q: it needs a scheme and a host, e.g. https://intranet.example.com", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("invalid site URL %q: the scheme must be https (or http on loopback)", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("invalid site URL: it must not carry a user name or password")
	}
	u.Host = strings.ToLower(u.Host)
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("invalid site URL %q: port %s is not between 1 and 65535", raw, port)
		}
	}
	u.Host = withoutDefaultPort(u)
	if u.Scheme == "http" && !allowHTTP && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("refusing plain http:// to %s: the token would travel unencrypted; use https:// or pass --allow-http", u.Hostname())
	}
	p := strings.TrimRight(u.Path, "/")
	if strings.HasSuffix(strings.ToLower(p), "/api") {
		p = strings.TrimRight(p[:len(p)-len("/api")], "/")
	}
	// The canonical form is stored and parsed again later, so it must come
	// back unchanged: a site that itself lives under /api would lose that
	// part on the second reading and become another site.
	if strings.HasSuffix(strings.ToLower(p), "/api") {
		return nil, fmt.Errorf("invalid site URL %q: a site under a path ending in /api cannot be told apart from its /api endpoint", raw)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: p}, nil
}

// withoutDefaultPort drops the scheme's own port (and an empty one) from
// u's host, so that https://x.example:443 and https://x.example are one
// site in one spelling.
func withoutDefaultPort(u *url.URL) string {
	if port := u.Port(); port == "" || port == defaultPort[u.Scheme] {
		return strings.TrimSuffix(u.Host, ":"+port)
	}
	return u.Host
}

var defaultPort = map[string]string{"https": "443", "http": "80"}

// printableText reports whether s is valid UTF-8 without control
// characters.
func printableText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// isLoopback reports whether host is localhost or a loopback address
// (127.0.0.0/8, ::1), the only hosts plain http is allowed to by default.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// remember adds a token value to those redacted from debug output.
func (s *site) remember(token string) {
	if token == "" {
		return
	}
	s.tokensMu.Lock()
	s.tokens[token] = struct{}{}
	s.tokensMu.Unlock()
}
