package client

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects matches net/http's own default limit.
const maxRedirects = 10

// insecureError is a request refused for safety. It maps to KindInsecure.
type insecureError struct{ msg string }

func (e *insecureError) Error() string { return e.msg }

// checkRedirect follows a redirect only within the site: the same host and
// port (or the same host moving from http to https), and never from https
// down to http. That keeps the Authorization header, which net/http keeps
// on same-host redirects even when they downgrade, away from any other
// host and off the wire in clear text.
func (s *site) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return &insecureError{msg: fmt.Sprintf("stopped after %d redirects", maxRedirects)}
	}
	prev := via[len(via)-1].URL
	if err := s.checkSameSite(prev, req.URL, "redirect"); err != nil {
		return err
	}
	return nil
}

// checkSameSite refuses a move from one URL to another that leaves the
// site's host or drops from https to http. what names the move for the
// error message ("redirect", "request").
func (s *site) checkSameSite(from, to *url.URL, what string) error {
	fromScheme, toScheme := strings.ToLower(from.Scheme), strings.ToLower(to.Scheme)
	if toScheme != "http" && toScheme != "https" {
		return &insecureError{msg: fmt.Sprintf("refused a %s to a %q URL", what, to.Scheme)}
	}
	if fromScheme == "https" && toScheme == "http" {
		return &insecureError{msg: fmt.Sprintf("refused a %s from https to plain http (%s)", what, to.Host)}
	}
	if !sameHost(s.base, to) {
		return &insecureError{msg: fmt.Sprintf("refused a %s to another host (%s); the token is only sent to %s", what, to.Host, s.base.Host)}
	}
	if toScheme == "http" && s.base.Scheme == "https" {
		return &insecureError{msg: fmt.Sprintf("refused a %s from https to plain http (%s)", what, to.Host)}
	}
	return nil
}

// sameHost compares host names case-insensitively and ports after filling
// in the scheme's default. Moving from http to https on default ports
// counts as the same host.
func sameHost(site, to *url.URL) bool {
	if !strings.EqualFold(site.Hostname(), to.Hostname()) {
		return false
	}
	sp, tp := portOf(site), portOf(to)
	if sp == tp {
		return true
	}
	return site.Port() == "" && to.Port() == "" // http site upgraded to https
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
