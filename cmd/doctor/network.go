package doctor

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/netcheck"
	"github.com/axero-cli/axero/internal/timefmt"
)

// netState is what the checks of the way to the site found.
type netState struct {
	prof   config.Profile // the profile in use, --url applied
	target netcheck.Target
	proxy  netcheck.ProxyResult
	http   netcheck.HTTPResult
}

// maxClockSkew is the difference between the clocks beyond which expiry
// checks and token times become misleading.
const maxClockSkew = 2 * time.Minute

func (d *doctor) checkSite() {
	const name = "site"
	p, _, err := d.f.Profile()
	if err != nil {
		d.r.skip(name, "config failed")
		return
	}
	d.net.prof = p
	source := d.siteSource()
	if p.URL == "" {
		d.r.fail(name, "no site URL", "pass --url https://intranet.example.com, set AXERO_URL, or run `axero login --url URL`")
		return
	}
	t, err := netcheck.NewTarget(p.URL, p.AllowHTTP, d.f.Network(&p))
	if err != nil {
		d.r.fail(name, fmt.Sprintf("%s (from %s): %v", p.URL, source, err), "give the address of the Axero site itself, e.g. https://intranet.example.com, without /api")
		return
	}
	t.Timeout = d.f.Timeout
	d.net.target = t
	d.r.ok(name, fmt.Sprintf("%s (from %s)", t.Site, source))
}

func (d *doctor) siteSource() string {
	switch {
	case d.f.URLFlag != "":
		return "--url"
	case strings.TrimSpace(d.f.Getenv("AXERO_URL")) != "":
		return "AXERO_URL"
	}
	return fmt.Sprintf("profile %q", d.f.ProfileName())
}

func (d *doctor) checkCAFile() {
	const name = "ca-file"
	if !d.needs(name, "site") {
		return
	}
	path := d.f.CAFile(&d.net.prof)
	if path == "" {
		d.r.ok(name, "none: the system's certificate authorities only")
		return
	}
	source := d.f.CAFileSource(&d.net.prof)
	if source == "profile" {
		source = fmt.Sprintf("profile %q", d.f.ProfileName())
	}
	if _, err := d.net.target.Network.RootCAs(); err != nil {
		d.r.fail(name, fmt.Sprintf("%v (from %s)", err, source), "give the path of a PEM file holding your organisation's CA certificate(s)")
		return
	}
	detail := fmt.Sprintf("%s (from %s): %s, trusted besides the system's", path, source, plural(countPEMCertificates(path), "certificate"))
	if d.net.target.Site.Scheme != "https" {
		detail += "; unused, the site is plain http"
	}
	d.r.ok(name, detail)
}

// countPEMCertificates counts the CERTIFICATE blocks of a bundle that
// RootCAs has already read and accepted.
func countPEMCertificates(path string) int {
	data, err := os.ReadFile(path) //nolint:gosec // the user names the bundle to trust; RootCAs has read it already
	if err != nil {
		return 0
	}
	n := 0
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return n
		}
		if block.Type == "CERTIFICATE" {
			n++
		}
		data = bytes.TrimSpace(data)
	}
}

func (d *doctor) checkProxy() {
	const name = "proxy"
	if !d.needs(name, "site") {
		return
	}
	p := netcheck.Proxy(d.net.target)
	d.net.proxy = p
	var setting *client.ProxySettingError
	switch {
	case errors.As(p.Err, &setting):
		d.r.fail(name, p.Err.Error(), "give the proxy as http://host:port, with USER:PASSWORD@ before the host if it needs credentials, or unset "+setting.Variable)
	case p.Err != nil:
		d.r.fail(name, p.Err.Error(), "fix or unset the proxy variable; NO_PROXY lists hosts reached directly")
	case p.Direct:
		d.r.ok(name, "direct: no proxy applies to "+d.net.target.Site.Hostname()+proxyVarsNote(d.f.Getenv))
	default:
		d.r.ok(name, fmt.Sprintf("%s (from %s)", p.Proxy, p.Variable))
	}
}

// proxyVarsNote says why a request goes direct although proxy variables
// are set: NO_PROXY or a loopback site.
func proxyVarsNote(getenv func(string) string) string {
	for _, v := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
		if getenv(v) != "" {
			return " (" + v + " is set, but NO_PROXY or a loopback address exempts the site)"
		}
	}
	return ""
}

func (d *doctor) checkDNS() {
	const name = "dns"
	if !d.needs(name, "proxy") {
		return
	}
	r := netcheck.Resolve(d.ctx, d.net.target)
	what := r.Host
	if r.ViaProxy {
		what = "proxy " + r.Host
	}
	if r.Err != nil {
		hint := "check the host name in the site URL, your DNS, or whether a VPN must be up"
		if r.ViaProxy {
			hint = "check the proxy's host name in " + d.net.proxy.Variable
		}
		d.r.fail(name, fmt.Sprintf("%s does not resolve: %s", what, netReason(r.Err)), hint)
		return
	}
	d.r.ok(name, fmt.Sprintf("%s resolves to %s (%s)", what, strings.Join(r.Addrs, ", "), roundDuration(r.Duration)))
}

func (d *doctor) checkConnect() {
	const name = "connect"
	if !d.needs(name, "dns") {
		return
	}
	c := netcheck.Connect(d.ctx, d.net.target)
	what := c.Address
	if c.ViaProxy {
		what = "proxy " + c.Address
	}
	if c.Err != nil {
		hint := "nothing accepts connections there: check the port in the site URL, a firewall, or whether you need a proxy (HTTPS_PROXY)"
		if c.ViaProxy {
			hint = "the proxy does not accept connections: check " + d.net.proxy.Variable + ", or NO_PROXY for hosts reached directly"
		}
		d.r.fail(name, fmt.Sprintf("cannot connect to %s: %s", what, netReason(c.Err)), hint)
		return
	}
	d.r.ok(name, fmt.Sprintf("%s accepts connections (%s)", what, roundDuration(c.Duration)))
}

func (d *doctor) checkTLS() {
	const name = "tls"
	if !d.needs(name, "connect", "ca-file") {
		return
	}
	t := netcheck.Handshake(d.ctx, d.net.target)
	var refused *client.ProxyRefusedError
	switch {
	case errors.As(t.Err, &refused):
		// The proxy never opened the tunnel: no TLS was spoken, and the
		// proxy's answer is the thing to fix.
		d.r.fail(name, proxyRefusal(refused), refused.Hint())
		return
	case t.Skipped:
		d.r.ok(name, "not used: the site is plain http")
		return
	case t.CertErr != nil:
		detail := t.CertErr.Summary()
		if leaf, ok := t.Leaf(); ok {
			detail += fmt.Sprintf("; valid %s to %s", leaf.NotBefore.UTC().Format(time.DateOnly), leaf.NotAfter.UTC().Format(time.DateOnly))
		}
		d.r.fail(name, detail, d.certHint(t.CertErr))
		return
	case t.Err != nil:
		d.r.fail(name, "handshake failed: "+netReason(t.Err), "the server or a proxy in between does not speak TLS here: check the scheme and port of the site URL")
		return
	}
	leaf, _ := t.Leaf()
	detail := fmt.Sprintf("%s, certificate issued by %q, expires %s (%s)", t.Version, leaf.Issuer,
		timefmt.Expiry(&leaf.NotAfter, d.now), leaf.NotAfter.UTC().Format(time.RFC3339))
	if leaf.NotAfter.Sub(d.now) <= 14*24*time.Hour {
		d.r.warn(name, detail, "the certificate expires soon: tell the site's administrators")
		return
	}
	d.r.ok(name, detail)
}

func (d *doctor) checkHTTP() {
	const name = "http"
	if !d.needs(name, "tls") {
		return
	}
	mePath := d.net.prof.Paths.WithDefaults().Me
	h := netcheck.ProbeHTTP(d.ctx, d.net.target, mePath)
	d.net.http = h
	asked := "GET " + h.URL
	var refused *client.ProxyRefusedError
	if errors.As(h.Err, &refused) {
		d.r.fail(name, asked+": "+proxyRefusal(refused), refused.Hint())
		return
	}
	if h.Err != nil {
		hint := "the server did not answer: check the site URL, the proxy, and --timeout"
		if h.CertErr != nil {
			hint = d.certHint(h.CertErr)
		}
		d.r.fail(name, asked+": "+netReason(h.Err), hint)
		return
	}
	answered := fmt.Sprintf("%s answered %d %s", asked, h.Status, describeBody(h.Body, h.ContentType))
	if h.Redirected {
		answered += " after a redirect to " + h.FinalURL
	}
	switch h.Body {
	case netcheck.BodyJSON:
		d.r.ok(name, answered)
	case netcheck.BodyHTML:
		d.r.fail(name, answered+": a login page or portal, not the API", "the site URL is probably wrong: give the address of the Axero site itself (the part before /api), not a portal or SSO page in front of it")
	default:
		d.r.fail(name, answered+": not the API's JSON", "check the site URL: it should be the address of the Axero site, the part before /api")
	}
}

func describeBody(kind netcheck.BodyKind, contentType string) string {
	ct := contentType
	if ct == "" {
		ct = "no Content-Type"
	}
	switch kind {
	case netcheck.BodyJSON:
		return "with JSON (" + ct + ")"
	case netcheck.BodyHTML:
		return "with an HTML page (" + ct + ")"
	case netcheck.BodyEmpty:
		return "with an empty body"
	}
	return "with something else (" + ct + ")"
}

func (d *doctor) checkClock() {
	const name = "clock"
	if !d.needs(name, "http") {
		return
	}
	skew, ok := d.net.http.ClockSkew()
	if !ok {
		d.r.skip(name, "the server sent no usable Date header")
		return
	}
	abs := skew
	if abs < 0 {
		abs = -abs
	}
	direction := "ahead of"
	if skew < 0 {
		direction = "behind"
	}
	if abs > maxClockSkew {
		d.r.warn(name, fmt.Sprintf("the server's clock is %s %s this machine's (Date: %s)", timefmt.Duration(abs), direction, d.net.http.ServerDate.UTC().Format(time.RFC3339)),
			"fix this machine's clock (NTP), or tell the site's administrators: token expiry checks and JWT times depend on both")
		return
	}
	d.r.ok(name, fmt.Sprintf("the server's clock and this machine's agree within %s", timefmt.Duration(maxClockSkew)))
}

// certHint is the certificate error's own hint, except when a bundle is
// already given and still does not hold the issuer: then the bundle is the
// wrong one, and saying "pass --ca-file" again would not help.
func (d *doctor) certHint(ce *client.CertError) string {
	if ce.Problem == client.CertUnknownAuthority {
		if path := d.f.CAFile(&d.net.prof); path != "" {
			issuer := "that issued it"
			if ce.Issuer != "" {
				issuer = fmt.Sprintf("%q", ce.Issuer)
			}
			return fmt.Sprintf("%s does not hold the CA %s: pass the right PEM bundle with --ca-file or AXERO_CA_FILE (ask your IT department for the root CA certificate)", path, issuer)
		}
	}
	return ce.Hint()
}

// proxyRefusal says which proxy refused the tunnel and with what status,
// without the hint, which goes in its own column.
func proxyRefusal(e *client.ProxyRefusedError) string {
	return fmt.Sprintf("the proxy %s (from %s) answered %d %s to CONNECT %s, so the site was never reached",
		e.Proxy, e.Variable, e.Status, http.StatusText(e.Status), e.Target)
}

// netReason is a network error without the address that the detail
// already names.
func netReason(err error) string {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		err = opErr.Err
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return "no such host"
		}
		return dnsErr.Err
	}
	var sysErr *os.SyscallError
	if errors.As(err, &sysErr) && sysErr.Err != nil {
		return sysErr.Err.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	var ce *client.CertError
	if errors.As(err, &ce) {
		return ce.Summary()
	}
	return err.Error()
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
