package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waits collects the retry waits a client asks for.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) observe(c *Client) { c.site.onRetryWait = w.add }

func (w *waits) add(d time.Duration) {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	var hits counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.add("me") == 1 {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, fail("Too many requests", "RateLimited"))
			return
		}
		writeJSON(w, 200, ok(sampleUser))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	var ws waits
	ws.observe(c)
	start := time.Now()
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := hits.get("me"); got != 2 {
		t.Errorf("attempts = %d, want 2", got)
	}
	if got := ws.all(); len(got) != 1 || got[0] != time.Second {
		t.Errorf("requested waits = %v, want [1s]", got)
	}
	if elapsed := time.Since(start); elapsed < 900*time.Millisecond {
		t.Errorf("retried after %v, before the server's Retry-After", elapsed)
	}
}

func TestRetryAfterIsCappedByRetryMaxWait(t *testing.T) {
	var hits counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.add("me") == 1 {
			w.Header().Set("Retry-After", "3600")
			writeJSON(w, 503, fail("Maintenance", "Unavailable"))
			return
		}
		writeJSON(w, 200, ok(sampleUser))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, func(cfg *Config) { cfg.RetryMaxWait = 20 * time.Millisecond })
	var ws waits
	ws.observe(c)
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := ws.all(); len(got) != 1 || got[0] != 20*time.Millisecond {
		t.Errorf("requested waits = %v, want [20ms]", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"5", 5 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"", 0, false},
		{"soon", 0, false},
		{"Thu, 26 Nov 2026 17:00:30 GMT", 30 * time.Second, true},
		{"Thu, 26 Nov 2026 16:59:00 GMT", time.Millisecond, true},
	}
	for _, tc := range cases {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestUnavailableThenSuccess(t *testing.T) {
	var hits counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.add("policy") <= 2 {
			writeJSON(w, 503, fail("Maintenance", "Unavailable"))
			return
		}
		writeJSON(w, 200, ok(map[string]any{"SecurityLevel": "High", "MaxExpirationMinutes": 525600}))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	var ws waits
	ws.observe(c)
	p, err := c.Policy(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if p.SecurityLevel != "High" || p.MaxExpirationMinutes != 525600 {
		t.Errorf("policy = %+v", p)
	}
	if got := hits.get("policy"); got != 3 {
		t.Errorf("attempts = %d, want 3", got)
	}
	// No Retry-After: the backoff is resty's jittered exponential one.
	if got := ws.all(); len(got) != 2 || got[0] != 0 || got[1] != 0 {
		t.Errorf("requested waits = %v, want two backoffs", got)
	}
}

func TestRetriesGiveUp(t *testing.T) {
	for _, tc := range []struct {
		status     int
		kind       ErrorKind
		maxRetries int
		attempts   int
	}{
		{503, KindUnavailable, 0, 4}, // the default: 3 retries
		{429, KindRateLimited, 2, 3},
		{502, KindServer, 1, 2},
		{504, KindServer, 1, 2},
		{503, KindUnavailable, -1, 1}, // retries disabled
		{500, KindServer, 3, 1},       // a plain 500 is not retried
	} {
		var hits counter
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.add("x")
			writeJSON(w, tc.status, fail("no", "X"))
		}))
		c := newTestClient(t, srv, func(cfg *Config) { cfg.MaxRetries = tc.maxRetries })
		_, err := c.Me(t.Context())
		srv.Close()
		if KindOf(err) != tc.kind {
			t.Errorf("%d: err = %v, want kind %v", tc.status, err, tc.kind)
		}
		if got := hits.get("x"); got != tc.attempts {
			t.Errorf("%d with MaxRetries %d: attempts = %d, want %d", tc.status, tc.maxRetries, got, tc.attempts)
		}
	}
}

func TestGetRetriedAfterDroppedConnection(t *testing.T) {
	var hits counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.add("me") == 1 {
			dropConnection(t, w)
			return
		}
		writeJSON(w, 200, ok(sampleUser))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := hits.get("me"); got != 2 {
		t.Errorf("attempts = %d, want 2", got)
	}
}

// createServer mints on POST and counts mints; act decides, per attempt
// number, what happens after (or instead of) minting.
func createServer(t *testing.T, act func(n int, w http.ResponseWriter) (minted bool, handled bool)) (*httptest.Server, *counter) {
	var hits counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
			return
		}
		n := hits.add("post")
		// Count the mint before act answers (or drops the connection), so
		// that the client never sees the outcome before the count does.
		hits.add("minted")
		minted, handled := act(n, w)
		if !minted {
			hits.add("unminted")
		}
		if handled {
			return
		}
		tok := sampleToken(2002)
		tok["Token"] = mintedSecret
		writeJSON(w, 201, ok(tok))
	}))
	return srv, &hits
}

func TestCreateNotResentAfterConnectionDropsAfterServerActed(t *testing.T) {
	srv, hits := createServer(t, func(n int, w http.ResponseWriter) (bool, bool) {
		dropConnection(t, w) // the token is minted, the answer is lost
		return true, true
	})
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	before := time.Now()
	ct, err := c.CreateToken(t.Context(), CreateTokenRequest{Name: "ci"})
	if err == nil {
		t.Fatalf("CreateToken succeeded: %+v", ct)
	}
	var ou *OutcomeUnknownError
	if !errors.As(err, &ou) || !IsOutcomeUnknown(err) {
		t.Fatalf("err = %T %v, want *OutcomeUnknownError", err, err)
	}
	if ou.Method != "POST" || ou.Path != "/api/bearertokens" {
		t.Errorf("outcome unknown for %s %s", ou.Method, ou.Path)
	}
	if ou.Started.Before(before) || ou.Started.After(time.Now()) {
		t.Errorf("Started = %v, not within the call", ou.Started)
	}
	if got := hits.get("post"); got != 1 {
		t.Errorf("POST sent %d times, want exactly once", got)
	}
	if got := (hits.get("minted") - hits.get("unminted")); got != 1 {
		t.Errorf("minted %d tokens", got)
	}
}

func TestCreateTimeoutIsOutcomeUnknown(t *testing.T) {
	release := make(chan struct{})
	srv, hits := createServer(t, func(n int, w http.ResponseWriter) (bool, bool) {
		<-release // minted, but the answer comes too late
		return true, false
	})
	defer srv.Close()
	defer close(release)
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Timeout = 200 * time.Millisecond })
	_, err := c.CreateUserToken(t.Context(), 7, CreateTokenRequest{Name: "ci"})
	var ou *OutcomeUnknownError
	if !errors.As(err, &ou) {
		t.Fatalf("err = %v, want *OutcomeUnknownError", err)
	}
	if ou.Path != "/api/users/7/bearertokens" {
		t.Errorf("Path = %q", ou.Path)
	}
	if got := hits.get("post"); got != 1 {
		t.Errorf("POST sent %d times, want once", got)
	}
}

func TestCreateCancelledInFlightIsOutcomeUnknown(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	srv, _ := createServer(t, func(n int, w http.ResponseWriter) (bool, bool) {
		close(arrived)
		<-release
		return true, false
	})
	defer srv.Close()
	defer close(release)
	c := newTestClient(t, srv, nil)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-arrived; cancel() }()
	_, err := c.CreateToken(ctx, CreateTokenRequest{Name: "ci"})
	if !IsOutcomeUnknown(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want outcome unknown wrapping context.Canceled", err)
	}
}

func TestCreateRetriedWhenServerDidNothing(t *testing.T) {
	for _, status := range []int{429, 503} {
		srv, hits := createServer(t, func(n int, w http.ResponseWriter) (bool, bool) {
			if n == 1 {
				w.Header().Set("Retry-After", "0")
				writeJSON(w, status, fail("later", "Busy"))
				return false, true
			}
			return true, false
		})
		c := newTestClient(t, srv, nil)
		ct, err := c.CreateToken(t.Context(), CreateTokenRequest{Name: "ci"})
		srv.Close()
		if err != nil {
			t.Fatalf("%d: %v", status, err)
		}
		if ct.Secret != mintedSecret || ct.TokenID != 2002 {
			t.Errorf("%d: created = %+v", status, ct.Token)
		}
		if hits.get("post") != 2 || (hits.get("minted")-hits.get("unminted")) != 1 {
			t.Errorf("%d: posts = %d, minted = %d; want 2 and 1", status, hits.get("post"), (hits.get("minted") - hits.get("unminted")))
		}
	}
}

func TestCreateRetriedAfterDialError(t *testing.T) {
	srv, hits := createServer(t, func(n int, w http.ResponseWriter) (bool, bool) { return true, false })
	defer srv.Close()
	var dials atomic.Int32
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Transport = tr })
	ct, err := c.CreateToken(t.Context(), CreateTokenRequest{Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	if ct.Secret != mintedSecret {
		t.Errorf("secret not delivered")
	}
	if dials.Load() != 2 || hits.get("post") != 1 {
		t.Errorf("dials = %d, posts = %d; want 2 and 1", dials.Load(), hits.get("post"))
	}
}

func TestCreateGatewayErrorsAreOutcomeUnknown(t *testing.T) {
	for _, status := range []int{502, 504} {
		srv, hits := createServer(t, func(n int, w http.ResponseWriter) (bool, bool) {
			writeJSON(w, status, fail("upstream timed out", "Gateway"))
			return true, true
		})
		c := newTestClient(t, srv, nil)
		_, err := c.CreateToken(t.Context(), CreateTokenRequest{Name: "ci"})
		srv.Close()
		var ou *OutcomeUnknownError
		if !errors.As(err, &ou) {
			t.Fatalf("%d: err = %v, want outcome unknown", status, err)
		}
		if KindOf(err) != KindServer {
			t.Errorf("%d: wrapped kind = %v, want KindServer", status, KindOf(err))
		}
		if got := hits.get("post"); got != 1 {
			t.Errorf("%d: POST sent %d times", status, got)
		}
	}
}

func TestCreateFailuresThatMintNothing(t *testing.T) {
	for _, tc := range []struct {
		status int
		kind   ErrorKind
	}{{400, KindValidation}, {401, KindUnauthorized}, {403, KindForbidden}, {404, KindNotFound}, {500, KindServer}} {
		srv, hits := createServer(t, func(n int, w http.ResponseWriter) (bool, bool) {
			writeJSON(w, tc.status, fail("ExpiresInMinutes exceeds the maximum of 525600", "X"))
			return false, true
		})
		c := newTestClient(t, srv, nil)
		_, err := c.CreateToken(t.Context(), CreateTokenRequest{Name: "ci"})
		srv.Close()
		if IsOutcomeUnknown(err) || KindOf(err) != tc.kind {
			t.Errorf("%d: err = %v, want plain kind %v", tc.status, err, tc.kind)
		}
		if got := hits.get("post"); got != 1 {
			t.Errorf("%d: POST sent %d times", tc.status, got)
		}
	}
}

func TestCreateSuccessWithUnreadableBodyIsOutcomeUnknown(t *testing.T) {
	for name, body := range map[string]string{ //nolint:gosec // test fixture, not a credential
		"truncated": `{"IsError":false,"ResponseData":{"TokenID":2002,"Tok`,
		"empty":     ``,
		"no secret": `{"IsError":false,"ResponseData":{"TokenID":2002,"Name":"ci"}}`,
	} {
		srv, hits := createServer(t, func(n int, w http.ResponseWriter) (bool, bool) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			_, _ = w.Write([]byte(body))
			return true, true
		})
		c := newTestClient(t, srv, nil)
		_, err := c.CreateToken(t.Context(), CreateTokenRequest{Name: "ci"})
		srv.Close()
		if !IsOutcomeUnknown(err) {
			t.Errorf("%s: err = %v, want outcome unknown", name, err)
		}
		if got := hits.get("post"); got != 1 {
			t.Errorf("%s: POST sent %d times", name, got)
		}
	}
}

func TestCreateRefusedWithIsErrorOn200IsNotOutcomeUnknown(t *testing.T) {
	srv, _ := createServer(t, func(n int, w http.ResponseWriter) (bool, bool) {
		writeJSON(w, 200, fail("Name is required", "ValidationFailed"))
		return false, true
	})
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	_, err := c.CreateToken(t.Context(), CreateTokenRequest{Name: ""})
	if IsOutcomeUnknown(err) || KindOf(err) != KindValidation {
		t.Errorf("err = %v, want a plain validation error", err)
	}
}

func TestCreateSendsBody(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 512)
		n, _ := r.Body.Read(b)
		got = r.Header.Get("Content-Type") + " " + string(b[:n])
		tok := sampleToken(3)
		tok["Token"] = mintedSecret
		writeJSON(w, 201, ok(tok))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	never := int64(0)
	if _, err := c.CreateToken(t.Context(), CreateTokenRequest{Name: "ci", ExpiresInMinutes: &never}); err != nil {
		t.Fatal(err)
	}
	if got != `application/json {"Name":"ci","ExpiresInMinutes":0}` {
		t.Errorf("request = %q", got)
	}
	if _, err := c.CreateToken(t.Context(), CreateTokenRequest{Name: "ci"}); err != nil {
		t.Fatal(err)
	}
	if got != `application/json {"Name":"ci"}` {
		t.Errorf("request = %q", got)
	}
}

func TestRevokeAfterLostAnswerCountsAsDone(t *testing.T) {
	var hits counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodDelete || r.URL.Path != "/api/bearertokens/55" {
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		}
		if hits.add("delete") == 1 {
			dropConnection(t, w) // revoked, answer lost
			return
		}
		writeJSON(w, 404, fail("No such token", "NotFound"))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	if err := c.RevokeToken(t.Context(), 55); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if got := hits.get("delete"); got != 2 {
		t.Errorf("DELETE sent %d times, want 2", got)
	}
}

func TestRevoke(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/bearertokens/1":
			writeJSON(w, 200, ok(nil))
		case "/api/bearertokens/2":
			w.WriteHeader(204)
		default:
			writeJSON(w, 404, fail("No such token", "NotFound"))
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	for _, id := range []int64{1, 2} {
		if err := c.RevokeToken(t.Context(), id); err != nil {
			t.Errorf("RevokeToken(%d): %v", id, err)
		}
	}
	// Without a lost answer, a 404 is a 404.
	if err := c.RevokeToken(t.Context(), 3); !IsNotFound(err) {
		t.Errorf("RevokeToken(3) = %v, want not found", err)
	}
}

func TestCancelDuringRetryWaitReportsCancellation(t *testing.T) {
	var hits counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.add("x")
		w.Header().Set("Retry-After", "30")
		writeJSON(w, 429, fail("slow down", "RateLimited"))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	ctx, cancel := context.WithCancel(t.Context())
	c.site.onRetryWait = func(time.Duration) { cancel() }
	_, err := c.Me(ctx)
	if !errors.Is(err, context.Canceled) || KindOf(err) != KindTransport {
		t.Errorf("err = %v (kind %v), want a cancellation", err, KindOf(err))
	}
	if hits.get("x") != 1 {
		t.Errorf("attempts = %d", hits.get("x"))
	}
	_, err = c.CreateToken(ctx, CreateTokenRequest{Name: "x"})
	if !errors.Is(err, context.Canceled) || IsOutcomeUnknown(err) {
		t.Errorf("create with a cancelled context: %v", err)
	}
}
