package sinkhttp

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects matches net/http's own limit.
const maxRedirects = 10

// refusedError is a request refused for safety; it is never retried.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

// redirectPolicy follows a redirect only to the service's own host and
// port, and never from https down to http: net/http keeps the credential
// headers on a same-host redirect even when it downgrades, and drops only
// Authorization (not PRIVATE-TOKEN or X-Vault-Token) on a cross-host one.
func redirectPolicy(base *url.URL) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return &refusedError{msg: fmt.Sprintf("stopped after %d redirects", maxRedirects)}
		}
		to := req.URL
		from := via[len(via)-1].URL
		switch {
		case !strings.EqualFold(to.Scheme, "http") && !strings.EqualFold(to.Scheme, "https"):
			return &refusedError{msg: fmt.Sprintf("refused a redirect to a %q URL", to.Scheme)}
		case strings.EqualFold(to.Scheme, "http") && (strings.EqualFold(from.Scheme, "https") || strings.EqualFold(base.Scheme, "https")):
			return &refusedError{msg: fmt.Sprintf("refused a redirect from https to plain http (%s)", to.Host)}
		case !strings.EqualFold(to.Hostname(), base.Hostname()) || portOf(to) != portOf(base):
			return &refusedError{msg: fmt.Sprintf("refused a redirect to another host (%s); the credential is only sent to %s", to.Host, base.Host)}
		}
		return nil
	}
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "http") {
		return "80"
	}
	return "443"
}
