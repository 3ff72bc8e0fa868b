package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// ProxyRefusedError is a proxy's answer to CONNECT other than 200: it did
// not open the tunnel to the site, so nothing reached the site and no TLS
// was spoken. A 407 means the proxy wants credentials (or rejected those
// given). Without it, net/http reports only the proxy's reason phrase,
// which reads like any other failure.
type ProxyRefusedError struct {
	Proxy    string // the proxy, scheme://host:port, without credentials
	Variable string // the environment variable it came from, e.g. HTTPS_PROXY
	Target   string // the host:port the tunnel was asked for
	Status   int    // the proxy's status code
	// WithCredentials says the proxy URL carried a user name, which the
	// proxy then refused.
	WithCredentials bool
}

func (e *ProxyRefusedError) Error() string {
	status := http.StatusText(e.Status)
	if status == "" {
		status = "(an unknown status)"
	}
	return fmt.Sprintf("the proxy %s (from %s) answered %d %s to CONNECT %s; %s",
		e.Proxy, e.Variable, e.Status, status, e.Target, e.Hint())
}

// Hint is what to do about it.
func (e *ProxyRefusedError) Hint() string {
	switch {
	case e.Status == http.StatusProxyAuthRequired && e.WithCredentials:
		return "it rejected the user name and password in " + e.Variable + ": check them"
	case e.Status == http.StatusProxyAuthRequired:
		return "it wants credentials: give them in the proxy URL, " + e.Variable + "=http://USER:PASSWORD@host:port"
	case e.Status == http.StatusForbidden:
		return "it does not allow connections to that host: ask the proxy's administrators, or list the host in NO_PROXY if it is reached directly"
	}
	return "it did not open the connection to the site: check " + e.Variable + ", or try again later"
}

// final says whether asking again cannot help: credentials and policy do
// not change between attempts, a gateway that failed may.
func (e *ProxyRefusedError) final() bool {
	return e.Status == http.StatusProxyAuthRequired || e.Status == http.StatusForbidden
}

// refuseFailedConnect is the transport's OnProxyConnectResponse: any
// answer but 200 to CONNECT becomes a *ProxyRefusedError.
func refuseFailedConnect(variable string) func(context.Context, *url.URL, *http.Request, *http.Response) error {
	return func(_ context.Context, proxy *url.URL, req *http.Request, resp *http.Response) error {
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		return &ProxyRefusedError{
			Proxy:           RedactProxyURL(proxy),
			Variable:        variable,
			Target:          req.Host,
			Status:          resp.StatusCode,
			WithCredentials: proxy.User != nil,
		}
	}
}

// ProxySettingError is a proxy variable that is set but does not parse as
// a proxy URL. Go ignores such a value and connects directly; axero says
// so instead. The value is not repeated: it may hold a password.
type ProxySettingError struct {
	Variable string
}

func (e *ProxySettingError) Error() string {
	return e.Variable + " is set but is not a proxy URL that can be parsed: give it as http://host:port (http://USER:PASSWORD@host:port with credentials), or unset it"
}
