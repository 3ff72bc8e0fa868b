package client

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a debug
// log shared by goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDebugLogIsRedacted(t *testing.T) {
	const opaqueSecret = "opaque-secret-value-123" //nolint:gosec // test fixture, not a credential
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			tok := sampleToken(2002)
			tok["Token"] = opaqueSecret // redacted by field, not by shape
			tok["Note"] = "previous " + mintedSecret
			w.Header().Set("Set-Cookie", "session=abc")
			writeJSON(w, 201, ok(tok))
		default:
			writeJSON(w, 401, fail("token "+testToken+" is revoked", "Unauthorized"))
		}
	}))
	defer srv.Close()
	var log syncBuffer
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Debug = &log })
	ct, err := c.CreateToken(t.Context(), CreateTokenRequest{Name: "deploy"})
	if err != nil {
		t.Fatal(err)
	}
	if ct.Secret != opaqueSecret {
		t.Fatalf("secret = %q", ct.Secret)
	}
	_, _ = c.Me(t.Context())
	_, _ = c.Do(t.Context(), RawRequest{Method: "POST", Path: "bearertokens", Body: []byte(`{"Note":"` + mintedSecret + `"}`)})

	out := log.String()
	for _, secret := range []string{testToken, mintedSecret, opaqueSecret, "session=abc"} {
		if strings.Contains(out, secret) {
			t.Errorf("debug log contains %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"POST", "/api/bearertokens", "201", "GET", "/api/users/me", "401", "Authorization", "[REDACTED]", `"Name": "deploy"`, `"Note": "[REDACTED]"`, "TIME DURATION"} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %q:\n%s", want, out)
		}
	}
}

func TestRedactSecrets(t *testing.T) {
	cases := map[string]string{ //nolint:gosec // test fixture, not a credential
		`{"Token":"abc","TokenID":5}`:         `{"Token":"[REDACTED]","TokenID":5}`,
		`{"token" : "a\"b"}`:                  `{"token" : "[REDACTED]"}`,
		"Bearer " + testToken:                 "Bearer [REDACTED]",
		`{"Token": null}`:                     `{"Token": null}`,
		"no secrets here eyJ but not a token": "no secrets here eyJ but not a token",
	}
	for in, want := range cases {
		if got := redactSecrets(in); got != want {
			t.Errorf("redactSecrets(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRestyPrintsNothingOfItsOwn proves that without --debug the failed
// attempts that resty would log as WARN and ERROR lines stay silent.
func TestRestyPrintsNothingOfItsOwn(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	defer func() { os.Stderr = saved }()

	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c := newTestClient(t, srv, func(cfg *Config) { cfg.MaxRetries = 1 })
	if _, err := c.Me(t.Context()); KindOf(err) != KindTransport {
		t.Errorf("err = %v", err)
	}
	os.Stderr = saved
	_ = w.Close()
	got, _ := io.ReadAll(r)
	if len(got) != 0 {
		t.Errorf("stderr got %q", got)
	}

	// With a debug writer, the same lines go there instead.
	var log syncBuffer
	c = newTestClient(t, srv, func(cfg *Config) { cfg.MaxRetries = 1; cfg.Debug = &log })
	_, _ = c.Me(t.Context())
	if !strings.Contains(log.String(), "WARN") {
		t.Errorf("debug log lacks resty's warning:\n%s", log.String())
	}
}
