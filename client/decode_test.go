package client

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestErrorClasses drives Me through every way a response can fail and
// checks the kind, the status and the server's message.
func TestErrorClasses(t *testing.T) {
	type answer struct {
		status      int
		contentType string
		body        string
		header      map[string]string
	}
	envelope := func(msg, code string) string {
		return fmt.Sprintf(`{"IsError":true,"ErrorMessage":%q,"ErrorCode":%q}`, msg, code)
	}
	cases := []struct {
		name       string
		ans        answer
		kind       ErrorKind
		status     int
		serverMsg  string
		code       string
		retryAfter time.Duration
		inMessage  string
	}{
		{name: "400 with message", ans: answer{400, "application/json", envelope("Name must be 1 to 100 characters", "ValidationFailed"), nil},
			kind: KindValidation, status: 400, serverMsg: "Name must be 1 to 100 characters", code: "ValidationFailed", inMessage: "Name must be 1 to 100 characters"},
		{name: "401", ans: answer{401, "application/json", envelope("Token expired", "Unauthorized"), nil},
			kind: KindUnauthorized, status: 401, serverMsg: "Token expired", code: "Unauthorized", inMessage: "axero login"},
		{name: "403", ans: answer{403, "application/json", envelope("No impersonation permission", "Forbidden"), nil},
			kind: KindForbidden, status: 403, serverMsg: "No impersonation permission", code: "Forbidden"},
		{name: "404", ans: answer{404, "application/json", envelope("No such user", "NotFound"), nil},
			kind: KindNotFound, status: 404, serverMsg: "No such user", code: "NotFound"},
		{name: "404 without body", ans: answer{404, "", "", nil}, kind: KindNotFound, status: 404},
		{name: "429", ans: answer{429, "application/json", envelope("Slow down", "RateLimited"), map[string]string{"Retry-After": "7"}},
			kind: KindRateLimited, status: 429, serverMsg: "Slow down", code: "RateLimited", retryAfter: 7 * time.Second},
		{name: "503", ans: answer{503, "text/plain", "maintenance", nil}, kind: KindUnavailable, status: 503},
		{name: "500", ans: answer{500, "application/json", envelope("Object reference not set", "ServerError"), nil},
			kind: KindServer, status: 500, serverMsg: "Object reference not set", code: "ServerError", inMessage: "HTTP 500"},
		{name: "502 html", ans: answer{502, "text/html", "<html>Bad gateway</html>", nil}, kind: KindServer, status: 502},
		{name: "409 other 4xx", ans: answer{409, "application/json", envelope("Conflict", "Conflict"), nil}, kind: KindUnknown, status: 409, serverMsg: "Conflict"},
		{name: "html page with 200", ans: answer{200, "text/html; charset=utf-8", "<!DOCTYPE html><html><body>Sign in</body></html>", nil},
			kind: KindHTML, status: 200, inMessage: "HTML page"},
		{name: "html body mislabelled as json", ans: answer{200, "application/json", "  <html><body>Sign in</body></html>", nil}, kind: KindHTML, status: 200},
		{name: "empty body", ans: answer{200, "application/json", "", nil}, kind: KindEmptyBody, status: 200},
		{name: "null ResponseData", ans: answer{200, "application/json", `{"IsError":false,"ResponseData":null}`, nil}, kind: KindEmptyBody, status: 200},
		{name: "truncated json", ans: answer{200, "application/json", `{"IsError":false,"ResponseData":{"UserID":4`, nil}, kind: KindBadJSON, status: 200},
		{name: "invalid json", ans: answer{200, "application/json", `{IsError: no}`, nil}, kind: KindBadJSON, status: 200},
		{name: "wrong shape", ans: answer{200, "application/json", `{"IsError":false,"ResponseData":[1,2]}`, nil}, kind: KindMalformed, status: 200, inMessage: "malformed"},
		{name: "IsError with 200", ans: answer{200, "application/json", envelope("User is locked", "Locked"), nil},
			kind: KindUnknown, status: 200, serverMsg: "User is locked", code: "Locked", inMessage: "User is locked"},
		{name: "IsError with 200 and a not-found code", ans: answer{200, "application/json", envelope("gone", "NotFound"), nil},
			kind: KindNotFound, status: 200, serverMsg: "gone"},
		{name: "server message is made one line and token-free", ans: answer{400, "application/json", envelope("bad\ntoken "+testToken, "Validation"), nil},
			kind: KindValidation, status: 400, serverMsg: "bad token [REDACTED]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.ans.contentType != "" {
					w.Header().Set("Content-Type", tc.ans.contentType)
				}
				for k, v := range tc.ans.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.ans.status)
				fmt.Fprint(w, tc.ans.body)
			}))
			defer srv.Close()
			c := newTestClient(t, srv, func(cfg *Config) { cfg.MaxRetries = -1 })
			u, err := c.Me(t.Context())
			if err == nil {
				t.Fatalf("Me succeeded with %+v", u)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not *Error", err, err)
			}
			if e.Kind != tc.kind || e.Status != tc.status {
				t.Errorf("kind/status = %v/%d, want %v/%d (%v)", e.Kind, e.Status, tc.kind, tc.status, err)
			}
			if e.ServerMessage != tc.serverMsg {
				t.Errorf("ServerMessage = %q, want %q", e.ServerMessage, tc.serverMsg)
			}
			if tc.code != "" && e.Code != tc.code {
				t.Errorf("Code = %q, want %q", e.Code, tc.code)
			}
			if e.RetryAfter != tc.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", e.RetryAfter, tc.retryAfter)
			}
			if e.Method != "GET" || e.Path != "/api/users/me" {
				t.Errorf("Method/Path = %s %s", e.Method, e.Path)
			}
			msg := err.Error()
			if tc.inMessage != "" && !strings.Contains(msg, tc.inMessage) {
				t.Errorf("message %q lacks %q", msg, tc.inMessage)
			}
			if strings.Contains(msg, "\n") || strings.Contains(msg, testToken) {
				t.Errorf("message is not a safe single line: %q", msg)
			}
		})
	}
}

func TestBarePayloadWithoutEnvelope(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/users/me":
			writeJSON(w, 200, sampleUser)
		case "/api/bearertokens":
			writeJSON(w, 200, []any{sampleToken(1), sampleToken(2)})
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	u, err := c.Me(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if u.UserID != 42 || u.Email != "jdoe@example.com" {
		t.Errorf("user = %+v", u)
	}
	page, err := c.ListTokens(t.Context(), 1, 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || page.Items[1].TokenID != 2 || page.TotalRecords != 2 {
		t.Errorf("page = %+v", page)
	}
}

func TestTruncatedBodyOnTheWire(t *testing.T) {
	// The server announces more bytes than it sends, then hangs up.
	var hits counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.add("me")
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer func() { _ = conn.Close() }()
		fmt.Fprint(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"IsError\":false,\"Respo")
		_ = buf.Flush()
	}))
	defer srv.Close()
	c := newTestClient(t, srv, func(cfg *Config) { cfg.MaxRetries = 1 })
	_, err := c.Me(t.Context())
	if KindOf(err) != KindBadJSON {
		t.Fatalf("err = %v (kind %v), want KindBadJSON", err, KindOf(err))
	}
	// A GET is idempotent: the cut-off read was retried once.
	if got := hits.get("me"); got != 2 {
		t.Errorf("requests = %d, want 2", got)
	}
}

func TestTransportError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens any more: connection refused
	c := newTestClient(t, srv, func(cfg *Config) { cfg.MaxRetries = 1 })
	_, err := c.Me(t.Context())
	if KindOf(err) != KindTransport {
		t.Fatalf("err = %v, want KindTransport", err)
	}
	if !strings.HasPrefix(err.Error(), "request failed: ") {
		t.Errorf("message = %q", err)
	}
}

func TestResponseOverSizeLimitIsRefused(t *testing.T) {
	chunk := strings.Repeat("x", 1<<20)
	for _, announced := range []bool{true, false} {
		t.Run(fmt.Sprintf("content-length=%v", announced), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if announced {
					w.Header().Set("Content-Length", fmt.Sprint(MaxResponseBytes+1))
				}
				bw := bufio.NewWriter(w)
				fmt.Fprint(bw, `{"IsError":false,"ResponseData":"`)
				for i := 0; i <= MaxResponseBytes/len(chunk); i++ {
					if _, err := bw.WriteString(chunk); err != nil {
						return // the client hung up, as it should
					}
				}
				fmt.Fprint(bw, `"}`)
				_ = bw.Flush()
			}))
			defer srv.Close()
			c := newTestClient(t, srv, func(cfg *Config) { cfg.MaxRetries = -1 })
			_, err := c.Me(t.Context())
			if KindOf(err) != KindTooLarge {
				t.Fatalf("err = %v, want KindTooLarge", err)
			}
			if !strings.Contains(err.Error(), "32 MiB") {
				t.Errorf("message = %q", err)
			}
			// Do applies the same cap.
			_, err = c.Do(t.Context(), RawRequest{Method: "GET", Path: "users/me"})
			if KindOf(err) != KindTooLarge {
				t.Fatalf("Do err = %v, want KindTooLarge", err)
			}
		})
	}
}
