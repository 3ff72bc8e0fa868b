package client_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
)

// proxiedSite is the emulator over HTTPS with a certificate valid for
// testHost, and its URL on testHost.
func proxiedSite(t *testing.T) (*emulator.Server, string) {
	t.Helper()
	srv, _ := tlsEmulator(t, emulator.TLSOptions{Hosts: []string{testHost}})
	return srv, onTestHost(t, srv.URL())
}

func TestHTTPSProxyCarriesTheRequest(t *testing.T) {
	srv, site := proxiedSite(t)
	proxy := newProxy(t)
	var debug lockedBuffer
	c := newClient(t, client.Config{
		BaseURL: site,
		Token:   srv.SeedToken("jdoe"),
		Debug:   &debug,
		Network: client.Network{
			CAPEM:  srv.CA().PEM(),
			Getenv: env{"HTTPS_PROXY": proxy.URLWithUser("corp", "pr0xy-s3cret")}.get,
		},
	})
	me, err := c.Me(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if me.UserName != "jdoe" {
		t.Fatalf("me = %+v", me)
	}
	seen := proxy.Requests()
	wantTarget := strings.TrimPrefix(site, "https://")
	if len(seen) != 1 || seen[0].Method != "CONNECT" || seen[0].Target != wantTarget {
		t.Fatalf("proxy saw %+v, want one CONNECT %s", seen, wantTarget)
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("corp:pr0xy-s3cret"))
	if seen[0].ProxyAuthorization != wantAuth {
		t.Fatalf("proxy credentials not sent: %q", seen[0].ProxyAuthorization)
	}

	out := debug.String()
	if want := "PROXY " + proxy.URL() + " (from HTTPS_PROXY) for " + site; !strings.Contains(out, want) {
		t.Errorf("debug output lacks %q:\n%s", want, out)
	}
	for _, secret := range []string{"pr0xy-s3cret", "corp:", "corp@", base64.StdEncoding.EncodeToString([]byte("corp:pr0xy-s3cret"))} {
		if strings.Contains(out, secret) {
			t.Errorf("debug output leaks proxy credentials %q", secret)
		}
	}
}

func TestNoProxyNamingTheHostBypassesTheProxy(t *testing.T) {
	srv, site := proxiedSite(t)
	proxy := newProxy(t)
	for _, noProxy := range []string{testHost, ".test", "*"} {
		t.Run(noProxy, func(t *testing.T) {
			var debug lockedBuffer
			c := newClient(t, client.Config{
				BaseURL:    site,
				Token:      srv.SeedToken("jdoe"),
				Debug:      &debug,
				MaxRetries: -1,
				Network: client.Network{
					CAPEM:  srv.CA().PEM(),
					Getenv: env{"HTTPS_PROXY": proxy.URL(), "NO_PROXY": noProxy}.get,
				},
			})
			// Direct, the client resolves axero.test itself, which the
			// .test domain guarantees to fail: the request cannot have
			// reached the emulator any other way than through the proxy.
			_, err := c.Me(t.Context())
			if client.KindOf(err) != client.KindTransport {
				t.Fatalf("err = %v, want a transport failure going direct", err)
			}
			if seen := proxy.Requests(); len(seen) != 0 {
				t.Fatalf("proxy saw %+v despite NO_PROXY=%s", seen, noProxy)
			}
			if want := "PROXY direct for " + site; !strings.Contains(debug.String(), want) {
				t.Errorf("debug output lacks %q:\n%s", want, debug.String())
			}
		})
	}
}

func TestHTTPProxyForPlainHTTPSite(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{})
	proxy := newProxy(t)
	site := onTestHost(t, srv.URL())
	var debug lockedBuffer
	c := newClient(t, client.Config{
		BaseURL:   site,
		AllowHTTP: true,
		Token:     srv.SeedToken("jdoe"),
		Debug:     &debug,
		Network: client.Network{Getenv: env{
			"http_proxy":  proxy.URLWithUser("corp", "pr0xy-s3cret"),
			"HTTPS_PROXY": "http://unused.invalid:1",
		}.get},
	})
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	seen := proxy.Requests()
	if len(seen) != 1 || seen[0].Method != "GET" || seen[0].Target != site+"/api/users/me" || seen[0].ProxyAuthorization == "" {
		t.Fatalf("proxy saw %+v", seen)
	}
	out := debug.String()
	if !strings.Contains(out, "(from http_proxy)") || strings.Contains(out, "pr0xy-s3cret") || strings.Contains(out, seen[0].ProxyAuthorization) {
		t.Errorf("debug output:\n%s", out)
	}
}

func TestDebugRedactsProxyAuthorizationHeader(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{})
	var debug lockedBuffer
	c := newClient(t, client.Config{BaseURL: srv.URL(), Token: srv.SeedToken("jdoe"), Debug: &debug, Network: client.Network{Getenv: env{}.get}})
	const cred = "Basic Y29ycDpwcjB4eS1zM2NyZXQ=" //nolint:gosec // test fixture, not a credential
	_, err := c.Do(t.Context(), client.RawRequest{Method: "GET", Path: "/api/users/me", Header: http.Header{"Proxy-Authorization": {cred}}})
	if err != nil {
		t.Fatal(err)
	}
	out := debug.String()
	if strings.Contains(out, cred) || strings.Contains(out, "Y29ycDpwcjB4eS1zM2NyZXQ") {
		t.Fatalf("debug output leaks Proxy-Authorization:\n%s", out)
	}
	if !strings.Contains(out, "Proxy-Authorization") || !strings.Contains(out, "[REDACTED]") {
		t.Fatalf("debug output does not show the redacted header:\n%s", out)
	}
	if !strings.Contains(out, "PROXY direct for "+srv.URL()) {
		t.Fatalf("debug output does not say the request went direct:\n%s", out)
	}
}

func TestProxyDecisionFollowsGoRules(t *testing.T) {
	const proxy = "http://user:pw@proxy.corp:3128" //nolint:gosec // test fixture, not a credential
	for _, tc := range []struct {
		name, target string
		env          env
		want         string // redacted proxy or "direct"
		variable     string
	}{
		{"https uses HTTPS_PROXY", "https://intranet.example.com", env{"HTTPS_PROXY": proxy, "HTTP_PROXY": "http://other:1"}, "http://proxy.corp:3128", "HTTPS_PROXY"},
		{"lower case works", "https://intranet.example.com", env{"https_proxy": proxy}, "http://proxy.corp:3128", "https_proxy"},
		{"upper case wins", "https://intranet.example.com", env{"HTTPS_PROXY": proxy, "https_proxy": "http://lower:1"}, "http://proxy.corp:3128", "HTTPS_PROXY"},
		{"http uses HTTP_PROXY", "http://intranet.example.com", env{"HTTP_PROXY": proxy, "HTTPS_PROXY": "http://other:1"}, "http://proxy.corp:3128", "HTTP_PROXY"},
		{"https ignores HTTP_PROXY", "https://intranet.example.com", env{"HTTP_PROXY": proxy}, "direct", ""},
		{"no scheme means http", "https://intranet.example.com", env{"HTTPS_PROXY": "proxy.corp:3128"}, "http://proxy.corp:3128", "HTTPS_PROXY"},
		{"NO_PROXY suffix", "https://intranet.example.com", env{"HTTPS_PROXY": proxy, "NO_PROXY": "example.com"}, "direct", ""},
		{"NO_PROXY other host", "https://intranet.example.com", env{"HTTPS_PROXY": proxy, "NO_PROXY": "example.org"}, "http://proxy.corp:3128", "HTTPS_PROXY"},
		{"NO_PROXY port", "https://intranet.example.com:8443", env{"HTTPS_PROXY": proxy, "no_proxy": "intranet.example.com:8443"}, "direct", ""},
		{"NO_PROXY CIDR", "https://10.1.2.3", env{"HTTPS_PROXY": proxy, "NO_PROXY": "10.0.0.0/8"}, "direct", ""},
		{"loopback never", "https://127.0.0.1:8443", env{"HTTPS_PROXY": proxy}, "direct", ""},
		{"localhost never", "https://localhost:8443", env{"HTTPS_PROXY": proxy}, "direct", ""},
		{"CGI keeps HTTPS_PROXY", "https://intranet.example.com", env{"HTTPS_PROXY": proxy, "REQUEST_METHOD": "GET"}, "http://proxy.corp:3128", "HTTPS_PROXY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := url.Parse(tc.target)
			d, err := client.Network{Getenv: tc.env.get}.ProxyFor(u)
			if err != nil {
				t.Fatal(err)
			}
			if d.String() != tc.want || d.Variable != tc.variable {
				t.Fatalf("decision = %s from %q, want %s from %q", d, d.Variable, tc.want, tc.variable)
			}
		})
	}
}

func TestCGIRefusesHTTPProxyNamingTheVariable(t *testing.T) {
	u, _ := url.Parse("http://intranet.example.com")
	_, err := client.Network{Getenv: env{"HTTP_PROXY": "http://user:s3cret@proxy.corp:3128", "REQUEST_METHOD": "GET"}.get}.ProxyFor(u) //nolint:gosec // test fixture, not a credential
	if err == nil || !strings.Contains(err.Error(), "HTTP_PROXY") || !strings.Contains(err.Error(), "REQUEST_METHOD") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("err = %v", err)
	}
}

// A value that does not parse as a URL may still carry a password; what
// Go makes of it is printed without it.
func TestMalformedProxyValueNeverPrintsItsPassword(t *testing.T) {
	u, _ := url.Parse("https://intranet.example.com")
	for _, v := range []string{"http://user:s3cret@[bad", "http://user:s3cret@pro xy:1", "user:s3cret@proxy.corp:3128"} {
		d, err := client.Network{Getenv: env{"HTTPS_PROXY": v}.get}.ProxyFor(u)
		if err != nil {
			continue
		}
		if strings.Contains(d.String(), "s3cret") {
			t.Errorf("HTTPS_PROXY=%q printed as %q", v, d.String())
		}
	}
}
