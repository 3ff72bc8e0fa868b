package netcheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/textsafe"
)

// CertInfo describes one certificate of the chain the server sent. Names
// are escaped for a terminal: the server chose them.
type CertInfo struct {
	Subject   string
	Issuer    string
	NotBefore time.Time
	NotAfter  time.Time
}

// TLSResult is a TLS handshake with the site, through the proxy when one
// applies, verified as the client verifies (system roots plus the bundle).
type TLSResult struct {
	// Skipped is true for a plain http:// site.
	Skipped bool
	// Version is the negotiated protocol, e.g. "TLS 1.3"; empty when the
	// handshake failed.
	Version string
	// Chain is what the server sent, leaf first, verified or not.
	Chain []CertInfo
	// CertErr is set when the chain did not verify: what failed and the
	// hint (e.g. pass --ca-file).
	CertErr  *client.CertError
	Duration time.Duration
	// Err is any failure, CertErr included.
	Err error
}

// Leaf is the server's own certificate, when one was received.
func (r TLSResult) Leaf() (CertInfo, bool) {
	if len(r.Chain) == 0 {
		return CertInfo{}, false
	}
	return r.Chain[0], true
}

// Handshake connects to the site and reports the TLS handshake. It sends a
// HEAD of the site root without credentials to drive the connection
// through the proxy as the client would; the answer is ignored.
func Handshake(ctx context.Context, t Target) TLSResult {
	if t.Site.Scheme != "https" {
		return TLSResult{Skipped: true}
	}
	ctx, cancel := t.withTimeout(ctx)
	defer cancel()
	// The transport may call the trace from its dialing goroutine, even
	// after Do returned on a timeout: the handshake's outcome is guarded.
	var (
		mu             sync.Mutex
		handshakeStart time.Time
		done           TLSResult
	)
	trace := &httptrace.ClientTrace{
		TLSHandshakeStart: func() {
			mu.Lock()
			handshakeStart = time.Now()
			mu.Unlock()
		},
		TLSHandshakeDone: func(cs tls.ConnectionState, err error) {
			mu.Lock()
			defer mu.Unlock()
			done.Duration = time.Since(handshakeStart)
			if err == nil {
				done.Version = tls.VersionName(cs.Version)
				done.Chain = chainInfo(cs.PeerCertificates)
			}
		},
	}
	snapshot := func() TLSResult {
		mu.Lock()
		defer mu.Unlock()
		return done
	}
	var res TLSResult
	hc, err := probeClient(t)
	if err != nil {
		res.Err = err
		return res
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodHead, t.Site.String()+"/", nil)
	if err != nil {
		res.Err = err
		return res
	}
	resp, err := hc.Do(req)
	if resp != nil {
		_ = resp.Body.Close()
	}
	res = snapshot()
	if err == nil || res.Version != "" {
		// The handshake succeeded; what HTTP made of it is the HTTP
		// check's business.
		res.Err = nil
		return res
	}
	res.Err = unwrapURLError(err)
	if ce := client.AsCertError(err, t.Site.Hostname()); ce != nil {
		res.CertErr = ce
		res.Err = ce
	}
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) {
		res.Chain = chainInfo(cve.UnverifiedCertificates)
	}
	return res
}

func chainInfo(certs []*x509.Certificate) []CertInfo {
	out := make([]CertInfo, 0, len(certs))
	for _, c := range certs {
		out = append(out, CertInfo{
			Subject:   textsafe.Terminal(nameOf(c.Subject.CommonName, c.Subject.Organization)),
			Issuer:    textsafe.Terminal(nameOf(c.Issuer.CommonName, c.Issuer.Organization)),
			NotBefore: c.NotBefore,
			NotAfter:  c.NotAfter,
		})
	}
	return out
}

func nameOf(cn string, org []string) string {
	if cn != "" || len(org) == 0 {
		return cn
	}
	return org[0]
}
