package client

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNewValidatesSiteURL(t *testing.T) {
	cases := []struct {
		url, allowHTTP, wantErr, wantBase string
	}{
		{url: "https://intranet.example.com", wantBase: "https://intranet.example.com"},
		{url: "https://intranet.example.com/", wantBase: "https://intranet.example.com"},
		{url: "https://intranet.example.com/api", wantBase: "https://intranet.example.com"},
		{url: "https://intranet.example.com/api/", wantBase: "https://intranet.example.com"},
		{url: "HTTPS://Intranet.Example.com/sub/API", wantBase: "https://intranet.example.com/sub"},
		{url: "http://127.0.0.1:8080", wantBase: "http://127.0.0.1:8080"},
		{url: "http://127.1.2.3:8080/api", wantBase: "http://127.1.2.3:8080"},
		{url: "http://localhost:9000", wantBase: "http://localhost:9000"},
		{url: "http://[::1]:9000", wantBase: "http://[::1]:9000"},
		{url: "http://intranet.example.com", allowHTTP: "yes", wantBase: "http://intranet.example.com"},
		{url: "http://intranet.example.com", wantErr: "--allow-http"},
		{url: "http://10.0.0.1", wantErr: "--allow-http"},
		{url: "intranet.example.com", wantErr: "needs a scheme and a host"},
		{url: "https://", wantErr: "needs a scheme and a host"},
		{url: "", wantErr: "no site URL"},
		{url: "ftp://intranet.example.com", wantErr: "scheme must be https"},
		{url: "https://user:pw@intranet.example.com", wantErr: "user name or password"}, //nolint:gosec // test fixture, not a credential
	}
	for _, tc := range cases {
		c, err := New(Config{BaseURL: tc.url, AllowHTTP: tc.allowHTTP != ""})
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("New(%q) error = %v, want one containing %q", tc.url, err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("New(%q) error spans lines: %q", tc.url, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("New(%q): %v", tc.url, err)
			continue
		}
		if got := c.BaseURL(); got != tc.wantBase {
			t.Errorf("New(%q).BaseURL() = %q, want %q", tc.url, got, tc.wantBase)
		}
	}
}

func TestBaseURLWithAPISuffixStillHitsAPIPaths(t *testing.T) {
	var gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.Path
		writeJSON(w, 200, ok(sampleUser))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, func(cfg *Config) { cfg.BaseURL = srv.URL + "/api/" })
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	if gotPath != "/api/users/me" {
		t.Errorf("path = %q, want /api/users/me", gotPath)
	}
}

func TestRequestsCarryTokenAndUserAgent(t *testing.T) {
	var auth, ua, accept string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, ua, accept = r.Header.Get("Authorization"), r.Header.Get("User-Agent"), r.Header.Get("Accept")
		writeJSON(w, 200, ok(sampleUser))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, func(cfg *Config) { cfg.UserAgent = "axero/1.2.3" })
	u, err := c.Me(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if u.UserID != 42 || u.UserName != "jdoe" {
		t.Errorf("user = %+v", u)
	}
	if auth != "Bearer "+testToken {
		t.Errorf("Authorization = %q", auth)
	}
	if ua != "axero/1.2.3" {
		t.Errorf("User-Agent = %q", ua)
	}
	if accept != "application/json" {
		t.Errorf("Accept = %q", accept)
	}

	// WithToken switches the token; an empty token sends none.
	other := c.WithToken("other-token")
	if _, err := other.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	if auth != "Bearer other-token" {
		t.Errorf("WithToken: Authorization = %q", auth)
	}
	if _, err := c.WithToken("").Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		t.Errorf("empty token: Authorization = %q, want none", auth)
	}
	if other.BaseURL() != c.BaseURL() {
		t.Errorf("WithToken changed the site")
	}
}
