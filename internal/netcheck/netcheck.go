// Package netcheck holds the network diagnostics of `axero doctor`: the
// proxy decision for the site, DNS, the TCP connection, the TLS handshake
// and an HTTP probe of the me endpoint. Each check returns a structured
// result and never prints; doctor turns results into OK, WARN or FAIL
// lines. Every check honours its context and a per-check timeout, and
// none sends a token.
package netcheck

import (
	"context"
	"net"
	"net/url"
	"time"

	"github.com/axero-cli/axero/client"
)

// DefaultTimeout bounds one check when Target.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Target is the site under diagnosis and how it is reached.
type Target struct {
	// Site is the site URL, as client.ParseSiteURL returns it.
	Site *url.URL
	// Network holds the CA bundle and the proxy environment, as the
	// client would use them.
	Network client.Network
	// Timeout bounds each check; 0 means DefaultTimeout.
	Timeout time.Duration
	// Resolver does DNS lookups; nil means net.DefaultResolver.
	Resolver *net.Resolver
}

// NewTarget parses a site URL as the client does and builds a Target.
func NewTarget(siteURL string, allowHTTP bool, n client.Network) (Target, error) {
	u, err := client.ParseSiteURL(siteURL, allowHTTP)
	if err != nil {
		return Target{}, err
	}
	return Target{Site: u, Network: n}, nil
}

func (t Target) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	d := t.Timeout
	if d <= 0 {
		d = DefaultTimeout
	}
	return context.WithTimeout(ctx, d)
}

func (t Target) resolver() *net.Resolver {
	if t.Resolver != nil {
		return t.Resolver
	}
	return net.DefaultResolver
}

// siteHostPort is the site's host and port, the port defaulted from the
// scheme.
func (t Target) siteHostPort() string {
	return hostPort(t.Site)
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// ProxyResult is the proxy decision for the site.
type ProxyResult struct {
	Direct   bool
	Proxy    string // the proxy without credentials, "" when direct
	Variable string // the variable it came from, e.g. HTTPS_PROXY
	// proxyURL keeps the full URL (with credentials) for the other checks.
	proxyURL *url.URL
	Err      error
}

// Proxy decides, as the client will, whether requests to the site go
// through a proxy.
func Proxy(t Target) ProxyResult {
	d, err := t.Network.ProxyFor(t.Site)
	if err != nil {
		return ProxyResult{Err: err}
	}
	if d.Direct() {
		return ProxyResult{Direct: true}
	}
	return ProxyResult{Proxy: d.String(), Variable: d.Variable, proxyURL: d.Proxy}
}

// dialTarget is the address the machine itself connects to: the proxy's
// when one applies, else the site's.
func (t Target) dialTarget() (hostport string, viaProxy bool, err error) {
	p := Proxy(t)
	if p.Err != nil {
		return "", false, p.Err
	}
	if p.Direct {
		return t.siteHostPort(), false, nil
	}
	return hostPort(p.proxyURL), true, nil
}
