package client

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRawPathNormalisation(t *testing.T) {
	c, err := New(Config{BaseURL: "https://intranet.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"users/me":                         "/api/users/me",
		"/users/me":                        "/api/users/me",
		"/api/users/me":                    "/api/users/me",
		"api/users/me":                     "/api/users/me",
		"/API/users/me":                    "/api/users/me",
		"bearertokens?StartPage=2&x=a%20b": "/api/bearertokens?StartPage=2&x=a%20b",
		"/api":                             "/api/",
		"/api?x=1":                         "/api?x=1",
		"apis/x":                           "/api/apis/x",
		"https://intranet.example.com/api/users/me?x=1": "https://intranet.example.com/api/users/me?x=1",
	}
	for in, want := range cases {
		got, err := c.rawPath(in)
		if err != nil || got != want {
			t.Errorf("rawPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"https://evil.example.com/api/users/me", "//evil.example.com/api", "http://intranet.example.com/api/users/me", "file:///etc/passwd"} {
		if _, err := c.rawPath(bad); err == nil {
			t.Errorf("rawPath(%q) accepted", bad)
		}
	}
}

func TestDoReturnsStatusesAndKeepsQueryAndHeaders(t *testing.T) {
	var hits counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.add(r.Method)
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("X-Custom")+" "+r.Header.Get("Authorization")+" "+string(body))
		switch r.URL.Path {
		case "/api/missing":
			writeJSON(w, 404, fail("No such thing", "NotFound"))
		case "/api/busy":
			writeJSON(w, 503, fail("busy", "Unavailable"))
		default:
			writeJSON(w, 200, ok(sampleUser))
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)

	resp, err := c.Do(t.Context(), RawRequest{Path: "users/me?Fields=a,b", Header: http.Header{"X-Custom": {"yes"}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.Proto != "HTTP/1.1" || !strings.Contains(string(resp.Body), `"UserName":"jdoe"`) {
		t.Errorf("resp = %d %s %s", resp.Status, resp.Proto, resp.Body)
	}
	if got := resp.Header.Get("X-Seen"); got != "GET /api/users/me?Fields=a,b yes Bearer "+testToken {
		t.Errorf("server saw %q", got)
	}

	resp, err = c.Do(t.Context(), RawRequest{Method: "put", Path: "/api/things/1", Body: []byte(`{"Name":"n"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("X-Seen"); !strings.HasPrefix(got, "PUT /api/things/1 ") || !strings.HasSuffix(got, `{"Name":"n"}`) {
		t.Errorf("server saw %q", got)
	}

	// An error status is an answer, not a Go error.
	resp, err = c.Do(t.Context(), RawRequest{Path: "missing"})
	if err != nil || resp.Status != 404 || !strings.Contains(string(resp.Body), "No such thing") {
		t.Errorf("404: resp = %+v, err = %v", resp, err)
	}

	// A GET is retried on 503; a POST is not, and its 503 is returned.
	before := hits.get("GET")
	resp, err = c.Do(t.Context(), RawRequest{Path: "busy"})
	if err != nil || resp.Status != 503 || hits.get("GET")-before != 4 {
		t.Errorf("GET busy: status %v, err %v, attempts %d", resp.Status, err, hits.get("GET")-before)
	}
	resp, err = c.Do(t.Context(), RawRequest{Method: "POST", Path: "busy", Body: []byte(`{}`)})
	if err != nil || resp.Status != 503 || hits.get("POST") != 1 {
		t.Errorf("POST busy: status %v, err %v, attempts %d", resp.Status, err, hits.get("POST"))
	}

	// An absolute URL to another host is refused before anything is sent.
	total := hits.get("GET")
	if _, err := c.Do(t.Context(), RawRequest{Path: "https://evil.example.com/api/users/me"}); KindOf(err) != KindInsecure {
		t.Errorf("absolute URL: err = %v", err)
	}
	if hits.get("GET") != total {
		t.Errorf("a refused request reached the server")
	}
}

func TestDoPostNotResentAfterDrop(t *testing.T) {
	var hits counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.add(r.Method)
		dropConnection(t, w)
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	_, err := c.Do(t.Context(), RawRequest{Method: "POST", Path: "bearertokens", Body: []byte(`{"Name":"x"}`)})
	if !IsOutcomeUnknown(err) {
		t.Errorf("err = %v, want outcome unknown", err)
	}
	if hits.get("POST") != 1 {
		t.Errorf("POST sent %d times", hits.get("POST"))
	}
	_, err = c.Do(t.Context(), RawRequest{Path: "users/me"})
	if KindOf(err) != KindTransport || hits.get("GET") != 4 {
		t.Errorf("GET: err = %v after %d attempts", err, hits.get("GET"))
	}
}
