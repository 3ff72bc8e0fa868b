package client_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/axero-cli/axero/client"
)

// rawLogControl reports what a --debug line may not carry: any control
// character but tab and line feed, DEL, C1 and bidi controls.
func rawLogControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
	})
}

func TestProxyAnswering407IsReportedAsTheProxys(t *testing.T) {
	srv, site := proxiedSite(t)
	proxy := newProxy(t)
	proxy.RequireCredentials("corp", "right")
	for name, proxyURL := range map[string]string{
		"no credentials":    proxy.URL(),
		"wrong credentials": proxy.URLWithUser("corp", "wr0ng-s3cret"),
	} {
		t.Run(name, func(t *testing.T) {
			before := len(proxy.Requests())
			c := newClient(t, client.Config{
				BaseURL: site,
				Token:   srv.SeedToken("jdoe"),
				Network: client.Network{CAPEM: srv.CA().PEM(), Getenv: env{"https_proxy": proxyURL}.get},
			})
			_, err := c.Me(t.Context())
			if err == nil {
				t.Fatal("the request went through")
			}
			msg := err.Error()
			for _, want := range []string{"proxy " + proxy.URL(), "https_proxy", "407", "Proxy Authentication Required"} {
				if !strings.Contains(msg, want) {
					t.Errorf("the error lacks %q: %s", want, msg)
				}
			}
			if strings.Contains(msg, "wr0ng-s3cret") || strings.Contains(strings.ToLower(msg), "tls") || strings.Contains(msg, "handshake") {
				t.Errorf("the error leaks the password or blames TLS: %s", msg)
			}
			if n := len(proxy.Requests()) - before; n != 1 {
				t.Errorf("the proxy was asked %d times; a 407 is not retried", n)
			}
		})
	}
	// With the right credentials the same proxy carries the request.
	c := newClient(t, client.Config{
		BaseURL: site,
		Token:   srv.SeedToken("jdoe"),
		Network: client.Network{CAPEM: srv.CA().PEM(), Getenv: env{"HTTPS_PROXY": proxy.URLWithUser("corp", "right")}.get},
	})
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestDebugLogEscapesAProxysReasonPhrase(t *testing.T) {
	srv, site := proxiedSite(t)
	proxy := newProxy(t)
	proxy.RefuseConnect(http.StatusBadGateway, "Bad\x1b]0;pwned\a\x1b[2J\u009b31m\u202eGateway")
	var debug lockedBuffer
	c := newClient(t, client.Config{
		BaseURL:    site,
		Token:      srv.SeedToken("jdoe"),
		Debug:      &debug,
		MaxRetries: -1,
		Network:    client.Network{CAPEM: srv.CA().PEM(), Getenv: env{"HTTPS_PROXY": proxy.URL()}.get},
	})
	_, err := c.Me(t.Context())
	if err == nil {
		t.Fatal("the request went through")
	}
	out := debug.String()
	if rawLogControl(out) {
		t.Errorf("--debug wrote a raw control character:\n%q", out)
	}
	if !strings.Contains(out, "502") || !strings.Contains(out, `Bad\x1b]0;pwned\x07\x1b[2J\u009b31m\u202eGateway`) {
		t.Errorf("--debug does not show the proxy's answer, escaped:\n%s", out)
	}
	if rawLogControl(err.Error()) || !strings.Contains(err.Error(), "502") {
		t.Errorf("the error: %q", err.Error())
	}
}

func TestDebugLogEscapesBodies(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// net/http refuses C0 controls in a header, but not C1 or bidi.
		w.Header().Set("X-Note", "\u009b2J\u202eheader")
		if r.URL.Path == "/api/users/me" {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(500)
			_, _ = w.Write([]byte("down\x1b]0;pwned\a\x1b[2J\rfake\u009b31m\u202e\n"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{\"IsError\":false,\"ResponseData\":[{\"TokenID\":1,\"Name\":\"x\u009b2J\x7f\u202e\"}]}"))
	}))
	defer site.Close()
	var debug lockedBuffer
	c := newClient(t, client.Config{BaseURL: site.URL, Token: "debug-test-token", Debug: &debug, MaxRetries: -1}) //nolint:gosec // test fixture, not a credential
	_, _ = c.Me(t.Context())
	_, _ = c.ListTokens(t.Context(), 1, 10)
	out := debug.String()
	if rawLogControl(out) {
		t.Errorf("--debug wrote a raw control character:\n%q", out)
	}
	for _, want := range []string{`down\x1b]0;pwned\x07\x1b[2J\rfake\u009b31m\u202e`, `\u009b2J\u202eheader`, `x\u009b2J\x7f\u202e`} {
		if !strings.Contains(out, want) {
			t.Errorf("--debug lacks %q:\n%s", want, out)
		}
	}
}

// Go drops a proxy variable that does not parse and connects directly,
// which then fails in ways that point elsewhere. axero says so instead,
// before any request, when the variable would apply.
func TestUnparsableProxyVariableIsReported(t *testing.T) {
	const bad = "http://corp:s3cret%zz@proxy.example.com:3128" //nolint:gosec // test fixture, not a credential
	for name, tc := range map[string]struct {
		site string
		env  env
		want string // "" for no error
	}{
		"HTTPS_PROXY for an https site":    {"https://intranet.example.com", env{"HTTPS_PROXY": bad}, "HTTPS_PROXY"},
		"https_proxy, lower case":          {"https://intranet.example.com", env{"https_proxy": bad}, "https_proxy"},
		"HTTP_PROXY for an http site":      {"http://intranet.example.com", env{"HTTP_PROXY": bad}, "HTTP_PROXY"},
		"exempted by NO_PROXY":             {"https://intranet.example.com", env{"HTTPS_PROXY": bad, "NO_PROXY": ".example.com"}, ""},
		"not the variable for this scheme": {"https://intranet.example.com", env{"HTTP_PROXY": bad}, ""},
		"a loopback site":                  {"https://127.0.0.1:8443", env{"HTTPS_PROXY": bad}, ""},
		"without a scheme, as Go allows":   {"https://intranet.example.com", env{"HTTPS_PROXY": "proxy.example.com:3128"}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := client.New(client.Config{BaseURL: tc.site, AllowHTTP: true, Network: client.Network{Getenv: tc.env.get}})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var setting *client.ProxySettingError
			if !errors.As(err, &setting) || !strings.Contains(err.Error(), tc.want+" is set but is not a proxy URL that can be parsed") {
				t.Fatalf("err = %v, want one naming %s as unparsable", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "NO_PROXY") {
				t.Errorf("the error repeats the value or blames NO_PROXY: %v", err)
			}
		})
	}
}
