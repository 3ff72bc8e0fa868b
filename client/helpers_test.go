package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// testToken looks like a JWT so that the redaction of JWT-shaped strings is
// exercised as well as the redaction of the known token.
const testToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiIsImp0aSI6IjEwMDEifQ.c2lnbmF0dXJlLXZhbHVl" //nolint:gosec // test fixture, not a credential

// mintedSecret is the secret a fake create returns.
const mintedSecret = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiIsImp0aSI6IjIwMDIifQ.bWludGVkLXNlY3JldA" //nolint:gosec // test fixture, not a credential

// newTestClient builds a Client for srv with a short backoff base so that
// retry tests do not sleep needlessly.
func newTestClient(t *testing.T, srv *httptest.Server, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: srv.URL, Token: testToken, Transport: srv.Client().Transport}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.site.rc.SetRetryWaitTime(time.Millisecond)
	return c
}

// writeJSON sends v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ok wraps a payload in Axero's success envelope.
func ok(data any) map[string]any {
	return map[string]any{"IsError": false, "ResponseData": data}
}

// fail is Axero's error envelope.
func fail(msg, code string) map[string]any {
	return map[string]any{"IsError": true, "ErrorMessage": msg, "ErrorCode": code}
}

// dropConnection closes the connection without an answer, as a server that
// crashed or a proxy that timed out would.
func dropConnection(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("response writer cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	_ = conn.Close()
}

// counter counts requests server-side, safely across handler goroutines.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[key]++
	return c.n[key]
}

func (c *counter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

var sampleUser = map[string]any{"UserID": 42, "UserName": "jdoe", "DisplayName": "Jane Doe", "Email": "jdoe@example.com"}

func sampleToken(id int) map[string]any {
	return map[string]any{"TokenID": id, "Name": "t", "UserID": 42, "DateCreated": "2026-11-26T17:00:00Z", "ExpirationDate": nil, "Status": "Active"}
}

// testContextCancelled returns a context that is already cancelled.
func testContextCancelled(t *testing.T) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx, cancel
}
