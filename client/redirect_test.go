package client

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCrossHostRedirectIsRefusedWithoutSendingTheToken(t *testing.T) {
	var other counter
	var otherAuth string
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.add("hit")
		otherAuth = r.Header.Get("Authorization")
		writeJSON(w, 200, ok(sampleUser))
	}))
	defer elsewhere.Close()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/api/users/me", http.StatusFound)
	}))
	defer site.Close()
	c := newTestClient(t, site, nil)
	_, err := c.Me(t.Context())
	if KindOf(err) != KindInsecure {
		t.Fatalf("err = %v, want KindInsecure", err)
	}
	if !strings.Contains(err.Error(), "another host") {
		t.Errorf("message = %q", err)
	}
	if other.get("hit") != 0 || otherAuth != "" {
		t.Errorf("the other host got %d requests (Authorization %q)", other.get("hit"), otherAuth)
	}
	// Do refuses it the same way.
	if _, err := c.Do(t.Context(), RawRequest{Path: "users/me"}); KindOf(err) != KindInsecure {
		t.Errorf("Do err = %v, want KindInsecure", err)
	}
}

func TestHTTPSToHTTPRedirectIsRefused(t *testing.T) {
	var plain counter
	plainSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plain.add("hit")
		writeJSON(w, 200, ok(sampleUser))
	}))
	defer plainSrv.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plainSrv.URL+r.URL.Path, http.StatusMovedPermanently) //nolint:gosec // the test server redirects on purpose
	}))
	defer tlsSrv.Close()
	c := newTestClient(t, tlsSrv, nil)
	_, err := c.Me(t.Context())
	if KindOf(err) != KindInsecure {
		t.Fatalf("err = %v, want KindInsecure", err)
	}
	if !strings.Contains(err.Error(), "https to plain http") {
		t.Errorf("message = %q", err)
	}
	if plain.get("hit") != 0 {
		t.Errorf("the plain http server got a request")
	}
}

func TestSameHostRedirectIsFollowedWithToken(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/users/me" {
			http.Redirect(w, r, "/api/v2/users/me", http.StatusTemporaryRedirect)
			return
		}
		auth = r.Header.Get("Authorization")
		writeJSON(w, 200, ok(sampleUser))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	if auth != "Bearer "+testToken {
		t.Errorf("Authorization after redirect = %q", auth)
	}
}

func TestRedirectLoopStops(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound) //nolint:gosec // the test server redirects on purpose
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	if _, err := c.Me(t.Context()); KindOf(err) != KindInsecure || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("err = %v", err)
	}
}
