package netcheck

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/axero-cli/axero/client"
)

// sniffLimit bounds how much of the answer is read to tell JSON from HTML.
const sniffLimit = 64 << 10

// BodyKind is what the server answered with.
type BodyKind string

const (
	BodyJSON  BodyKind = "json"
	BodyHTML  BodyKind = "html" // a login page or portal: usually a wrong site URL
	BodyEmpty BodyKind = "empty"
	BodyOther BodyKind = "other"
)

// HTTPResult is an unauthenticated GET of the me endpoint.
type HTTPResult struct {
	URL         string // the URL asked, without query
	FinalURL    string // after redirects, without query
	Redirected  bool
	Status      int
	ContentType string
	Body        BodyKind
	// ServerDate is the server's Date header; zero when absent or invalid.
	ServerDate time.Time
	// Received is this machine's time when the answer arrived.
	Received time.Time
	Duration time.Duration
	// CertErr is set when the TLS certificate did not verify.
	CertErr *client.CertError
	Err     error
}

// ClockSkew is how far the server's clock is ahead of this machine's
// (negative: behind). Date has whole seconds, so it is exact to about a
// second. ok is false when the server sent no usable Date.
func (r HTTPResult) ClockSkew() (skew time.Duration, ok bool) {
	if r.ServerDate.IsZero() || r.Received.IsZero() {
		return 0, false
	}
	return r.ServerDate.Sub(r.Received.Truncate(time.Second)), true
}

// ProbeHTTP sends GET mePath (e.g. client.DefaultPaths.Me) without a token
// and reports whether the server answered JSON, as the API does even for a
// 401, or an HTML page, as a login portal in front of a wrong site URL
// does. Redirects are followed, since that is where portals send people.
func ProbeHTTP(ctx context.Context, t Target, mePath string) HTTPResult {
	if mePath == "" {
		mePath = client.DefaultPaths.Me
	}
	target := t.Site.String() + "/" + strings.TrimLeft(mePath, "/")
	res := HTTPResult{URL: withoutQuery(target)}
	ctx, cancel := t.withTimeout(ctx)
	defer cancel()
	hc, err := probeClient(t)
	if err != nil {
		res.Err = err
		return res
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		res.Err = err
		return res
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "axero-doctor")
	start := time.Now()
	resp, err := hc.Do(req)
	res.Duration = time.Since(start)
	if err != nil {
		res.Err = unwrapURLError(err)
		if ce := client.AsCertError(err, t.Site.Hostname()); ce != nil {
			res.CertErr, res.Err = ce, ce
		}
		return res
	}
	defer func() { _ = resp.Body.Close() }()
	res.Received = time.Now()
	res.Status = resp.StatusCode
	res.FinalURL = withoutQuery(resp.Request.URL.String())
	res.Redirected = res.FinalURL != res.URL
	res.ContentType = resp.Header.Get("Content-Type")
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		res.ServerDate = d
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, sniffLimit))
	if err != nil && len(body) == 0 {
		res.Err = err
		return res
	}
	res.Body = classifyBody(res.ContentType, body)
	return res
}

// classifyBody trusts the Content-Type first and the body's first byte
// second, since some portals send HTML as text/plain or with no type.
func classifyBody(contentType string, body []byte) BodyKind {
	mt, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return BodyEmpty
	case strings.Contains(mt, "html"):
		return BodyHTML
	case (mt == "application/json" || strings.HasSuffix(mt, "+json")) && (trimmed[0] == '{' || trimmed[0] == '['):
		return BodyJSON
	case trimmed[0] == '<':
		return BodyHTML
	case trimmed[0] == '{' || trimmed[0] == '[':
		return BodyJSON
	}
	return BodyOther
}

// probeClient is an HTTP client that reaches the site as the API client
// would (same roots, same proxy) but keeps no connection: each check
// starts from nothing.
func probeClient(t Target) (*http.Client, error) {
	tr, err := t.Network.Transport(nil)
	if err != nil {
		return nil, err
	}
	tr.DisableKeepAlives = true
	return &http.Client{Transport: tr}, nil
}

func withoutQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

// unwrapURLError drops net/http's *url.Error, whose message repeats the
// method and URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}
