package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"golang.org/x/net/http/httpproxy"
)

// maxCAFileBytes bounds a CA bundle file: the system bundles of the main
// distributions are well under 1 MiB.
const maxCAFileBytes = 16 << 20

// Network says how to reach a site beyond its URL: which certificate
// authorities to trust besides the system's, and where to read the proxy
// settings. The zero value trusts the system roots and reads the proxy
// variables from the process environment.
type Network struct {
	// CAFile is a PEM bundle of extra certificate authorities, as given by
	// --ca-file, AXERO_CA_FILE or a profile's ca_file.
	CAFile string
	// CAPEM holds more PEM certificates, trusted like those of CAFile.
	CAPEM []byte
	// Getenv reads HTTPS_PROXY, HTTP_PROXY, NO_PROXY (and their lower-case
	// forms) and REQUEST_METHOD; nil means os.Getenv. It is read each time
	// a Client or Transport is built, never cached for the process as
	// http.ProxyFromEnvironment does.
	Getenv func(string) string
}

// HasCA reports whether extra certificate authorities are configured.
func (n Network) HasCA() bool { return n.CAFile != "" || len(n.CAPEM) > 0 }

// RootCAs returns a copy of the system's root pool with the configured
// bundle added: private CAs extend the system roots, never replace them.
// An unreadable file or one without a certificate is a one-line error
// that names it. With no bundle configured it returns nil, which makes
// crypto/tls use the system roots directly.
func (n Network) RootCAs() (*x509.CertPool, error) {
	if !n.HasCA() {
		return nil, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		// No system pool on this platform: the bundle alone is all
		// there is to trust.
		pool = x509.NewCertPool()
	}
	if n.CAFile != "" {
		data, err := readCAFile(n.CAFile)
		if err != nil {
			return nil, err
		}
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", n.CAFile)
		}
	}
	if len(n.CAPEM) > 0 && !pool.AppendCertsFromPEM(n.CAPEM) {
		return nil, errors.New("the CA bundle given holds no PEM certificate")
	}
	return pool, nil
}

// ReadCAFile reads a PEM bundle as --ca-file does (a regular file of
// reasonable size, errors that name it), for settings that name another
// bundle to trust besides it, such as a sink's VAULT_CACERT.
func ReadCAFile(path string) ([]byte, error) { return readCAFile(path) }

// readCAFile reads a bundle, refusing anything that is not a regular file
// of reasonable size. The file is public material, so its mode is not
// checked; a symlink to a regular file is fine (distributions ship
// bundles that way).
func readCAFile(path string) ([]byte, error) {
	f, err := os.Open(path) //nolint:gosec // the CA bundle the user names with --ca-file or AXERO_CA_FILE
	if err != nil {
		return nil, fmt.Errorf("cannot read CA file %s: %s", path, osReason(err))
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read CA file %s: %s", path, osReason(err))
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("cannot read CA file %s: not a regular file", path)
	}
	if st.Size() > maxCAFileBytes {
		return nil, fmt.Errorf("cannot read CA file %s: larger than %d MiB", path, maxCAFileBytes>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxCAFileBytes))
	if err != nil {
		return nil, fmt.Errorf("cannot read CA file %s: %s", path, osReason(err))
	}
	return data, nil
}

// osReason is the short cause of a file error, without the path that
// *os.PathError repeats.
func osReason(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// TLSConfig is the client TLS configuration for the site: TLS 1.2 or later
// and the root pool of RootCAs. Verification is always on; there is no way
// to turn it off.
func (n Network) TLSConfig() (*tls.Config, error) {
	roots, err := n.RootCAs()
	if err != nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}, nil
}

// ProxyDecision is which proxy, if any, a request to a URL goes through.
type ProxyDecision struct {
	// Proxy is the proxy's URL, nil for a direct connection. It may carry
	// credentials: print it only with RedactProxyURL.
	Proxy *url.URL
	// Variable names the environment variable the proxy came from, e.g.
	// HTTPS_PROXY, or "" for a direct connection.
	Variable string
}

// Direct reports a connection without a proxy.
func (d ProxyDecision) Direct() bool { return d.Proxy == nil }

// String is the decision safe to print: the proxy without credentials, or
// "direct".
func (d ProxyDecision) String() string {
	if d.Proxy == nil {
		return "direct"
	}
	return RedactProxyURL(d.Proxy)
}

// ProxyFor decides the proxy for a request to u exactly as Go's
// ProxyFromEnvironment would (NO_PROXY, the CGI rule, and no proxy for
// localhost and loopback addresses), but from n.Getenv. Unlike Go, it does
// not ignore a proxy variable that does not parse: when that variable
// would apply to u, the answer is a *ProxySettingError, since going direct
// instead is rarely what was meant and fails in ways that point elsewhere.
// An error names the variable, never its value, since that may hold a
// password.
func (n Network) ProxyFor(u *url.URL) (ProxyDecision, error) {
	return n.proxyFunc()(u)
}

// proxyVars are the proxy settings of the environment: which variable
// holds each (upper case first, as Go reads them) and their values.
type proxyVars struct {
	httpVar, httpVal   string
	httpsVar, httpsVal string
	noProxy            string
	cgi                bool
}

func (n Network) proxyVars() proxyVars {
	getenv := n.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var v proxyVars
	v.httpVar, v.httpVal = envAny(getenv, "HTTP_PROXY", "http_proxy")
	v.httpsVar, v.httpsVal = envAny(getenv, "HTTPS_PROXY", "https_proxy")
	_, v.noProxy = envAny(getenv, "NO_PROXY", "no_proxy")
	v.cgi = getenv("REQUEST_METHOD") != ""
	return v
}

// proxyFunc reads the environment once and returns the decision function
// for every request of one Client.
func (n Network) proxyFunc() func(*url.URL) (ProxyDecision, error) {
	v := n.proxyVars()
	cfg := httpproxy.Config{
		HTTPProxy:  v.httpVal,
		HTTPSProxy: v.httpsVal,
		NoProxy:    v.noProxy,
		CGI:        v.cgi,
	}
	decide := cfg.ProxyFunc()
	// A value Go cannot parse is dropped by it silently. Swapping in a
	// value that parses tells whether the variable would have applied to
	// a URL, or whether NO_PROXY or a loopback host exempts it anyway.
	httpBad, httpsBad := !proxyParses(v.httpVal), !proxyParses(v.httpsVal)
	var wouldApply func(*url.URL) (*url.URL, error)
	if httpBad || httpsBad {
		probe := cfg
		if httpBad {
			probe.HTTPProxy = "http://proxy.invalid"
		}
		if httpsBad {
			probe.HTTPSProxy = "http://proxy.invalid"
		}
		wouldApply = probe.ProxyFunc()
	}
	return func(u *url.URL) (ProxyDecision, error) {
		variable, bad := v.httpVar, httpBad
		if u.Scheme == "https" {
			variable, bad = v.httpsVar, httpsBad
		}
		if bad {
			if p, err := wouldApply(u); err == nil && p != nil {
				return ProxyDecision{}, &ProxySettingError{Variable: variable}
			}
		}
		p, err := decide(u)
		if err != nil {
			// Go refuses HTTP_PROXY when REQUEST_METHOD is set (a CGI
			// request header could have set it); its message would
			// not say which setting to change.
			if v.cgi {
				return ProxyDecision{}, fmt.Errorf("refusing the proxy in %s because REQUEST_METHOD is set, as for a CGI program: unset REQUEST_METHOD", variable)
			}
			return ProxyDecision{}, fmt.Errorf("unusable proxy setting in %s", variable)
		}
		if p == nil {
			return ProxyDecision{}, nil
		}
		return ProxyDecision{Proxy: p, Variable: variable}, nil
	}
}

// proxyParses reports whether Go's proxy lookup would use a proxy
// variable's value: the rule of parseProxy in x/net/http/httpproxy, which
// tries the value as a URL and then with http:// in front. An empty value
// is no setting and parses.
func proxyParses(value string) bool {
	if value == "" {
		return true
	}
	if _, err := url.Parse(value); err == nil {
		return true
	}
	_, err := url.Parse("http://" + value)
	return err == nil
}

// envAny returns the first variable of names that is set and non-empty,
// as Go's own proxy lookup does (upper case first).
func envAny(getenv func(string) string, names ...string) (string, string) {
	for _, name := range names {
		if v := getenv(name); v != "" {
			return name, v
		}
	}
	return names[0], ""
}

// RedactProxyURL prints a proxy URL as scheme://host:port, dropping any
// user name and password it carries.
func RedactProxyURL(u *url.URL) string {
	if u == nil {
		return "direct"
	}
	scheme := u.Scheme
	if scheme == "" {
		scheme = "http"
	}
	return scheme + "://" + u.Host
}

// Transport builds an HTTP transport for the site: Go's default settings,
// the TLS configuration of TLSConfig and the proxy decision of ProxyFor.
// onProxy, when non-nil, sees the decision for every request. A proxy that
// answers CONNECT with anything but 200 fails the request with a
// *ProxyRefusedError, which names the proxy and its status.
func (n Network) Transport(onProxy func(*http.Request, ProxyDecision)) (*http.Transport, error) {
	tlsCfg, err := n.TLSConfig()
	if err != nil {
		return nil, err
	}
	decide := n.proxyFunc()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	// Only an https:// request is tunnelled with CONNECT, so its proxy
	// came from the HTTPS variable.
	tr.OnProxyConnectResponse = refuseFailedConnect(n.proxyVars().httpsVar) //nolint:bodyclose // the transport closes the proxy's connection, and with it the answer to CONNECT
	tr.Proxy = func(req *http.Request) (*url.URL, error) {
		d, err := decide(req.URL)
		if err != nil {
			return nil, err
		}
		if onProxy != nil {
			onProxy(req, d)
		}
		return d.Proxy, nil
	}
	return tr, nil
}

// siteOrigin is scheme://host of u, for log lines that must not carry a
// path or query.
func siteOrigin(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + u.Host
}
