package sinkhttp

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/sink"
)

const credential = "s.vaultCredential0123" //nolint:gosec // test fixture, not a credential

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newClient is a client of srv that logs to log, retries fast, and sends
// credential in X-Vault-Token.
func newClient(t *testing.T, srv *httptest.Server, log *lockedBuffer, edit ...func(*Endpoint)) *Client {
	t.Helper()
	base, err := ParseBaseURL(srv.URL, "TEST_URL")
	if err != nil {
		t.Fatal(err)
	}
	ep := Endpoint{
		Sink:              "vault:secret/app#token",
		Service:           "Vault",
		BaseURL:           base,
		BaseFrom:          "TEST_URL",
		Headers:           map[string]string{"X-Vault-Token": credential, "X-Vault-Namespace": "team"},
		CredentialHeaders: []string{"X-Vault-Token"},
		Secrets:           []string{credential},
		SecretFields:      []string{"data"},
	}
	for _, e := range edit {
		e(&ep)
	}
	st := &Stack{RetryWait: time.Millisecond, Network: client.Network{Getenv: func(string) string { return "" }}}
	if log != nil {
		st.Debug = log
	}
	c, err := st.New(ep)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStatusesMapToKinds(t *testing.T) {
	t.Parallel()
	cases := map[int]sink.Kind{401: sink.Denied, 403: sink.Denied, 400: sink.Invalid, 422: sink.Invalid, 404: sink.Failed, 409: sink.Failed, 500: sink.Failed}
	for status, want := range cases {
		if got := KindForStatus(status); got != want {
			t.Errorf("KindForStatus(%d) = %v, want %v", status, got, want)
		}
	}
}

func TestErrorsAreOneSafeLineWithoutSecrets(t *testing.T) {
	t.Parallel()
	const delivered = "the-token-being-delivered" //nolint:gosec // test fixture, not a credential
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		// A hostile or careless server echoes the credential and the
		// value, with escape sequences and line breaks.
		_, _ = w.Write([]byte(`{"message":"denied for ` + credential + ` and ` + delivered + `\u001b[2J\nsecond line ` + strings.Repeat("x", 1000) + `"}`))
	}))
	defer srv.Close()
	c := newClient(t, srv, nil)
	c.AddSecret(delivered)
	resp, err := c.Do(t.Context(), "put", Request{Method: http.MethodGet, Path: "/v1/secret/data/app"})
	if err != nil {
		t.Fatal(err)
	}
	err = c.StatusError("put", resp, "cannot write")
	msg := err.Error()
	if sink.KindOf(err) != sink.Denied {
		t.Errorf("kind = %v", sink.KindOf(err))
	}
	if strings.Contains(msg, credential) || strings.Contains(msg, delivered) || strings.ContainsAny(msg, "\n\x1b") {
		t.Errorf("unsafe message %q", msg)
	}
	if !strings.HasPrefix(msg, "vault:secret/app#token: put: cannot write (HTTP 403: denied for [REDACTED] and [REDACTED]") || len(msg) > 500 {
		t.Errorf("message = %q", msg)
	}
}

func TestHTMLPageIsNamed(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>login</html>"))
	}))
	defer srv.Close()
	c := newClient(t, srv, nil)
	resp, err := c.Do(t.Context(), "check", Request{Method: http.MethodGet, Path: "/x"})
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	err = c.JSON("check", resp, &v)
	if err == nil || !strings.Contains(err.Error(), "HTML page; is TEST_URL right?") {
		t.Errorf("err = %v", err)
	}
}

// countingServer answers each request with the next status of statuses
// (the last one repeating), with Retry-After: 0 on 429 and 503.
func countingServer(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		st := statuses[min(i, len(statuses)-1)]
		if st == http.StatusTooManyRequests || st == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "0")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRetriesOnlyIdempotentRequests(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		req      Request
		statuses []int
		attempts int32
		status   int
	}{
		{"GET through 503 429 502 504", Request{Method: "GET", Path: "/a"}, []int{503, 429, 502, 200}, 4, 200},
		{"PUT through 503", Request{Method: "PUT", Path: "/a", Body: map[string]string{"a": "b"}}, []int{503, 204}, 2, 204},
		{"bounded", Request{Method: "GET", Path: "/a"}, []int{503}, 4, 503},
		{"POST never", Request{Method: "POST", Path: "/a", Body: map[string]string{}}, []int{503, 201}, 1, 503},
		{"POST marked idempotent", Request{Method: "POST", Path: "/a", Idempotent: true}, []int{503, 200}, 2, 200},
		{"500 not retried", Request{Method: "GET", Path: "/a"}, []int{500, 200}, 1, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, n := countingServer(t, tc.statuses...)
			c := newClient(t, srv, nil)
			resp, err := c.Do(t.Context(), "put", tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tc.status || n.Load() != tc.attempts {
				t.Errorf("status %d after %d attempts, want %d after %d", resp.Status, n.Load(), tc.status, tc.attempts)
			}
		})
	}
}

func TestTransportErrorsRetryIdempotentRequestsOnly(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		_ = conn.Close()
	}))
	defer srv.Close()
	c := newClient(t, srv, nil)
	_, err := c.Do(t.Context(), "check", Request{Method: "GET", Path: "/a"})
	if sink.KindOf(err) != sink.Failed || !strings.Contains(err.Error(), "cannot reach Vault") || n.Load() != 4 {
		t.Errorf("GET: err = %v after %d attempts", err, n.Load())
	}
	n.Store(0)
	_, err = c.Do(t.Context(), "put", Request{Method: "POST", Path: "/a", Body: map[string]string{}})
	if err == nil || n.Load() != 1 {
		t.Errorf("POST: err = %v after %d attempts, want 1", err, n.Load())
	}
}

func TestRetryAfterBeyondTheDeadlineFailsAtOnce(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := newClient(t, srv, nil)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err := c.Do(ctx, "check", Request{Method: "GET", Path: "/a"})
	if err == nil || !strings.Contains(err.Error(), "asked to wait 1h0m0s") || n.Load() != 1 {
		t.Errorf("err = %v after %d attempts", err, n.Load())
	}
}

func TestRedirectsStayOnTheHost(t *testing.T) {
	t.Parallel()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the other host got a request with %q", r.Header.Get("X-Vault-Token"))
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
		case "/here":
			http.Redirect(w, r, "/there", http.StatusTemporaryRedirect)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"ok":true}`))
		}
	}))
	defer srv.Close()
	c := newClient(t, srv, nil)
	resp, err := c.Do(t.Context(), "check", Request{Method: "GET", Path: "/here"})
	if err != nil || resp.Status != 200 {
		t.Fatalf("same-host redirect: %v, %+v", err, resp)
	}
	_, err = c.Do(t.Context(), "check", Request{Method: "GET", Path: "/away"})
	if err == nil || !strings.Contains(err.Error(), "refused a redirect to another host") {
		t.Errorf("cross-host redirect: %v", err)
	}
}

func TestHTTPSRedirectToHTTPIsRefused(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+r.Host+"/plain", http.StatusTemporaryRedirect) //nolint:gosec // the downgrade under test
	}))
	defer srv.Close()
	base, _ := ParseBaseURL(srv.URL, "TEST_URL")
	st := &Stack{Network: client.Network{Getenv: func(string) string { return "" }}}
	c, err := st.New(Endpoint{Sink: "s", Service: "Vault", BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	// Trust the test server's certificate.
	c.rc.GetClient().Transport = srv.Client().Transport
	_, err = c.Do(t.Context(), "check", Request{Method: "GET", Path: "/a"})
	if err == nil || !strings.Contains(err.Error(), "from https to plain http") {
		t.Errorf("err = %v", err)
	}
}

func TestResponseBodyIsBounded(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`"` + strings.Repeat("a", MaxResponseBytes+10) + `"`))
	}))
	defer srv.Close()
	c := newClient(t, srv, nil)
	_, err := c.Do(t.Context(), "check", Request{Method: "GET", Path: "/big"})
	if err == nil || !strings.Contains(err.Error(), "larger than 1024 KiB") {
		t.Errorf("err = %v", err)
	}
}

func TestDebugLogHidesCredentialsSecretsAndFields(t *testing.T) {
	t.Parallel()
	const delivered = "token-value-in-a-body" //nolint:gosec // test fixture, not a credential
	const other = "another-field-value"       //nolint:gosec // test fixture, not a credential
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":{"data":{"token":"` + delivered + `","other":"` + other + `"},"metadata":{"version":3}},"warning":"\u001b]0;title\u0007"}`))
	}))
	defer srv.Close()
	log := &lockedBuffer{}
	c := newClient(t, srv, log)
	c.AddSecret(delivered)
	if _, err := c.Do(t.Context(), "put", Request{Method: "PUT", Path: "/v1/secret/data/app", Body: map[string]any{"data": map[string]string{"token": delivered}}}); err != nil {
		t.Fatal(err)
	}
	out := log.String()
	for _, secret := range []string{credential, delivered, other, "\x1b", "\a"} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"X-Vault-Token: [REDACTED]", "X-Vault-Namespace: team", `"data": "[REDACTED]"`, "PROXY direct for http://127.0.0.1"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestFieldRedactorRefusesBrokenJSONThatMentionsAField(t *testing.T) {
	t.Parallel()
	r := fieldRedactor([]string{"value"})
	if got := r(`{"key":"K","value":"abc`); strings.Contains(got, "abc") {
		t.Errorf("truncated body shown: %q", got)
	}
	if got := r(`not json at all`); got != "not json at all" {
		t.Errorf("plain text changed: %q", got)
	}
	if got := r(`{"value":null,"key":"K"}`); !strings.Contains(got, `"value": null`) || !strings.Contains(got, `"key": "K"`) {
		t.Errorf("null value: %q", got)
	}
}

func TestServerTimeFollowsTheDateHeader(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(2*time.Hour).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := newClient(t, srv, nil)
	now := time.Now()
	if _, ok := c.ServerTime(now); ok {
		t.Fatal("a server time before any answer")
	}
	if _, err := c.Do(t.Context(), "verify", Request{Method: "GET", Path: "/"}); err != nil {
		t.Fatal(err)
	}
	st, ok := c.ServerTime(now)
	if d := st.Sub(now); !ok || d < 2*time.Hour-2*time.Second || d > 2*time.Hour+time.Second {
		t.Errorf("server time is %v ahead, want about 2h", d)
	}
}

func TestParseBaseURL(t *testing.T) {
	t.Parallel()
	ok := map[string]string{
		"https://gitlab.example.com/api/v4/": "https://gitlab.example.com/api/v4",
		"HTTPS://Vault.Example.com:8200":     "https://vault.example.com:8200",
		"http://127.0.0.1:8200":              "http://127.0.0.1:8200",
		"http://localhost/api/v3":            "http://localhost/api/v3",
	}
	for in, want := range ok {
		u, err := ParseBaseURL(in, "X")
		if err != nil || u.String() != want {
			t.Errorf("ParseBaseURL(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	bad := map[string]string{
		"vault.example.com":          "scheme and a host",
		"ftp://vault.example.com":    "scheme must be https",
		"https://u:p@vault.example":  "user name or password",
		"http://vault.example.com":   "refusing plain http://",
		"https://vault.example/?x=1": "query or fragment",
		"https://vault\x1b.example":  "control character",
	}
	for in, want := range bad {
		if _, err := ParseBaseURL(in, "VAULT_ADDR"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseBaseURL(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestRetryAfterIsHonouredAndCapped(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"5":                             5 * time.Second,
		"0":                             0,
		"Wed, 02 Jan 2030 03:04:35 GMT": 30 * time.Second,
		"Wed, 02 Jan 2030 03:00:00 GMT": 0,
	} {
		if got, ok := parseRetryAfter(in, now); !ok || got != want {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "-3", "soon"} {
		if _, ok := parseRetryAfter(bad, now); ok {
			t.Errorf("parseRetryAfter(%q) accepted", bad)
		}
	}

	srv, _ := countingServer(t, 200)
	c := newClient(t, srv, nil)
	c.maxWait = 10 * time.Second
	answer := func(retryAfter string) *resty.Response {
		return &resty.Response{
			Request:     c.rc.R().SetContext(t.Context()),
			RawResponse: &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {retryAfter}}},
		}
	}
	if d, err := c.retryAfter(c.rc, answer("3")); err != nil || d != 3*time.Second {
		t.Errorf("Retry-After 3: %v, %v", d, err)
	}
	if d, err := c.retryAfter(c.rc, answer("120")); err != nil || d != 10*time.Second {
		t.Errorf("Retry-After 120 with a 10s cap: %v, %v", d, err)
	}
	if d, err := c.retryAfter(c.rc, answer("")); err != nil || d != 0 {
		t.Errorf("no Retry-After (backoff): %v, %v", d, err)
	}
}

// The clients of one stack share its connections: a bulk run parses each
// row's sinks anew, and must not open (and leave idle) connections per
// row.
func TestClientsOfOneStackShareConnections(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	base, err := ParseBaseURL(srv.URL, "TEST_URL")
	if err != nil {
		t.Fatal(err)
	}
	st := &Stack{RetryWait: time.Millisecond, Network: client.Network{Getenv: func(string) string { return "" }}}
	for i := range 20 {
		c, err := st.New(Endpoint{Sink: fmt.Sprintf("vault:secret/u%d#token", i), Service: "Vault", BaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(context.Background(), "check", Request{Method: http.MethodGet, Path: "/v1/x"})
		if err != nil || !resp.OK() {
			t.Fatalf("%v %+v", err, resp)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("20 clients of one stack opened %d connections, want 1", n)
	}
}
