package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// commandContext is a command's context with a deadline far longer than
// any test needs: a call that returns while it is still live did not sleep
// into it.
func commandContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel, err := WithCommandTimeout(t.Context(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	return ctx
}

func TestRetryAfterBeyondTheDeadlineFailsAtOnceNamingTheWait(t *testing.T) {
	var hits counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.add("me")
		w.Header().Set("Retry-After", "99999999")
		writeJSON(w, 429, fail("slow down", "RateLimited"))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	ctx := commandContext(t)
	_, err := c.Me(ctx)
	if ctx.Err() != nil {
		t.Fatal("the client slept into the deadline")
	}
	var wait *WaitError
	if !errors.As(err, &wait) || KindOf(err) != KindRateLimited {
		t.Fatalf("err = %v (kind %v), want a *WaitError of kind KindRateLimited", err, KindOf(err))
	}
	want := "the server asked to wait 27777h46m, beyond the command's deadline of 1m0s"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("message = %q, want it to contain %q", err, want)
	}
	if hits.get("me") != 1 {
		t.Errorf("attempts = %d, want 1", hits.get("me"))
	}
	if c.site.gate.wait(ctx) == nil {
		t.Error("the shared pause let a request through although it outlasts the deadline")
	}
}

func TestCreateRefusedByLongRetryAfterIsNotOutcomeUnknown(t *testing.T) {
	srv, _ := createServer(t, func(n int, w http.ResponseWriter) (bool, bool) {
		w.Header().Set("Retry-After", "3600")
		writeJSON(w, 429, fail("slow down", "RateLimited"))
		return false, true
	})
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	_, err := c.CreateToken(commandContext(t), CreateTokenRequest{Name: "ci"})
	var wait *WaitError
	if !errors.As(err, &wait) || IsOutcomeUnknown(err) {
		t.Fatalf("err = %v, want a *WaitError, not outcome unknown (a 429 mints nothing)", err)
	}
}

func TestBackoffBeyondTheDeadlineFailsAtOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 503, fail("busy", "Unavailable"))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	c.site.rc.SetRetryWaitTime(time.Hour).SetRetryMaxWaitTime(2 * time.Hour)
	ctx := commandContext(t)
	_, err := c.Me(ctx)
	if ctx.Err() != nil {
		t.Fatal("the client slept into the deadline")
	}
	if !strings.Contains(err.Error(), "the next retry would wait") || KindOf(err) != KindUnavailable {
		t.Errorf("err = %v (kind %v)", err, KindOf(err))
	}
}

func TestPauseBeyondTheDeadlineFailsAtOnce(t *testing.T) {
	var g pauseGate
	g.pause(time.Now(), time.Hour, time.Hour)
	ctx := commandContext(t)
	err := g.wait(ctx)
	var wait *WaitError
	if !errors.As(err, &wait) || ctx.Err() != nil {
		t.Fatalf("err = %v, ctx = %v: want a *WaitError at once", err, ctx.Err())
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	var short pauseGate
	if err := short.wait(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled context passed the gate: %v", err)
	}
}

func TestWithCommandTimeoutRefusesNonPositive(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		_, cancel, err := WithCommandTimeout(t.Context(), d)
		cancel()
		var u interface{ Usage() bool }
		if !errors.As(err, &u) || !u.Usage() {
			t.Errorf("%v: err = %v, want a usage error", d, err)
		}
	}
}

// stallingServer sends a status and half a body, then stops until the
// test ends.
func stallingServer(t *testing.T) *httptest.Server {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"IsError":false,"ResponseData":{"UserID":`))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv
}

func TestStalledBodyIsATimeoutNotInvalidJSON(t *testing.T) {
	srv := stallingServer(t)
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Timeout = 200 * time.Millisecond; cfg.MaxRetries = -1 })
	_, err := c.Me(t.Context())
	var e *Error
	if !errors.As(err, &e) || !e.Timeout() || e.Kind == KindBadJSON {
		t.Fatalf("err = %v (kind %v), want a timeout", err, KindOf(err))
	}
	if msg := err.Error(); !strings.Contains(msg, "timed out after 200ms waiting for the rest of the server's answer") || strings.Contains(msg, "JSON") {
		t.Errorf("message = %q", msg)
	}
}

func TestStalledBodyAtTheCommandDeadlineNamesIt(t *testing.T) {
	srv := stallingServer(t)
	c := newTestClient(t, srv, func(cfg *Config) { cfg.MaxRetries = -1 })
	ctx, cancel, err := WithCommandTimeout(t.Context(), 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	_, err = c.Me(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "the command's deadline of 200ms passed") {
		t.Errorf("err = %v", err)
	}
}

func TestMalformedMeIsNotUnreachable(t *testing.T) {
	for _, body := range []string{
		`{"IsError":false,"ResponseData":{"Name":"no id"}}`,
		`{"IsError":false,"ResponseData":"hello"}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		}))
		c := newTestClient(t, srv, nil)
		_, err := c.Me(t.Context())
		srv.Close()
		if KindOf(err) != KindMalformed || IsUnreachable(err) || !strings.Contains(err.Error(), "malformed") {
			t.Errorf("%s: err = %v (kind %v)", body, err, KindOf(err))
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { dropConnection(t, w) }))
	c := newTestClient(t, srv, func(cfg *Config) { cfg.MaxRetries = -1 })
	_, err := c.Me(t.Context())
	srv.Close()
	if !IsUnreachable(err) {
		t.Errorf("a dropped connection: err = %v, want unreachable", err)
	}
}
