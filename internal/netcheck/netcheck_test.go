package netcheck_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/netcheck"
)

type env map[string]string

func (e env) get(k string) string { return e[k] }

// noEnv keeps the tests independent of the proxy settings of the machine
// that runs them.
var noEnv = env{}.get

func target(t *testing.T, site string, n client.Network) netcheck.Target {
	t.Helper()
	if n.Getenv == nil {
		n.Getenv = noEnv
	}
	tg, err := netcheck.NewTarget(site, false, n)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func tlsSandbox(t *testing.T, opts emulator.TLSOptions) (*emulator.Server, string) {
	t.Helper()
	srv := emulator.NewTest(t, emulator.Options{TLS: &opts})
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := srv.CA().WriteFile(caFile); err != nil {
		t.Fatal(err)
	}
	return srv, caFile
}

func proxy(t *testing.T) *emulator.Proxy {
	t.Helper()
	p, err := emulator.StartProxy()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func onTestHost(site string) string {
	return strings.Replace(site, "127.0.0.1", emulator.TestHost, 1)
}

func TestProxyDecision(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{})
	if p := netcheck.Proxy(target(t, srv.URL(), client.Network{Getenv: env{"HTTP_PROXY": "http://proxy.corp:3128"}.get})); !p.Direct || p.Err != nil {
		t.Fatalf("loopback site: %+v, want direct", p)
	}
	tg := target(t, "https://intranet.example.com", client.Network{Getenv: env{"HTTPS_PROXY": "http://u:s3cret@proxy.corp:3128"}.get}) //nolint:gosec // test fixture, not a credential
	p := netcheck.Proxy(tg)
	if p.Direct || p.Proxy != "http://proxy.corp:3128" || p.Variable != "HTTPS_PROXY" {
		t.Fatalf("proxied site: %+v", p)
	}
	tg.Network.Getenv = env{"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": ".example.com"}.get
	if p := netcheck.Proxy(tg); !p.Direct {
		t.Fatalf("NO_PROXY site: %+v", p)
	}
}

func TestResolve(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{})
	r := netcheck.Resolve(t.Context(), target(t, srv.URL(), client.Network{}))
	if r.Err != nil || r.Host != "127.0.0.1" || len(r.Addrs) != 1 || r.Addrs[0] != "127.0.0.1" || r.ViaProxy {
		t.Fatalf("resolve = %+v", r)
	}

	// Through a proxy, this machine resolves the proxy, not the site.
	p := proxy(t)
	tg := target(t, "https://intranet.example.com", client.Network{Getenv: env{"HTTPS_PROXY": p.URL()}.get})
	if r := netcheck.Resolve(t.Context(), tg); r.Err != nil || !r.ViaProxy || r.Host != "127.0.0.1" {
		t.Fatalf("resolve via proxy = %+v", r)
	}

	tg = target(t, "https://intranet.example.com", client.Network{})
	tg.Resolver = failingResolver()
	if r := netcheck.Resolve(t.Context(), tg); r.Err == nil || r.Host != "intranet.example.com" {
		t.Fatalf("unresolvable host = %+v", r)
	}
}

// failingResolver answers every lookup with an error, without a network.
func failingResolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS server in this test")
	}}
}

func TestConnect(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{})
	c := netcheck.Connect(t.Context(), target(t, srv.URL(), client.Network{}))
	u, _ := url.Parse(srv.URL())
	if c.Err != nil || c.Address != u.Host || c.Remote != u.Host || c.ViaProxy {
		t.Fatalf("connect = %+v", c)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()
	if c := netcheck.Connect(t.Context(), target(t, "http://"+closed, client.Network{})); c.Err == nil {
		t.Fatalf("connect to a closed port = %+v", c)
	}

	p := proxy(t)
	tg := target(t, "https://intranet.example.com", client.Network{Getenv: env{"HTTPS_PROXY": p.URL()}.get})
	if c := netcheck.Connect(t.Context(), tg); c.Err != nil || !c.ViaProxy || "http://"+c.Address != p.URL() {
		t.Fatalf("connect via proxy = %+v", c)
	}
}

func TestHandshakeWithoutCAClassifiesAndShowsTheChain(t *testing.T) {
	srv, _ := tlsSandbox(t, emulator.TLSOptions{})
	r := netcheck.Handshake(t.Context(), target(t, srv.URL(), client.Network{}))
	if r.CertErr == nil || r.CertErr.Problem != client.CertUnknownAuthority || r.Version != "" {
		t.Fatalf("handshake = %+v", r)
	}
	if !strings.Contains(r.CertErr.Hint(), "--ca-file") {
		t.Fatalf("hint = %q", r.CertErr.Hint())
	}
	leaf, ok := r.Leaf()
	if !ok || leaf.Issuer != "Axero Sandbox CA" {
		t.Fatalf("leaf = %+v", leaf)
	}
}

func TestHandshakeWithCA(t *testing.T) {
	srv, caFile := tlsSandbox(t, emulator.TLSOptions{})
	r := netcheck.Handshake(t.Context(), target(t, srv.URL(), client.Network{CAFile: caFile}))
	if r.Err != nil || r.CertErr != nil || r.Version != "TLS 1.3" {
		t.Fatalf("handshake = %+v", r)
	}
	leaf, _ := r.Leaf()
	if leaf.Issuer != "Axero Sandbox CA" || !leaf.NotAfter.After(time.Now()) {
		t.Fatalf("leaf = %+v", leaf)
	}
}

func TestHandshakeExpired(t *testing.T) {
	srv, caFile := tlsSandbox(t, emulator.TLSOptions{Expired: true})
	r := netcheck.Handshake(t.Context(), target(t, srv.URL(), client.Network{CAFile: caFile}))
	if r.CertErr == nil || r.CertErr.Problem != client.CertExpired {
		t.Fatalf("handshake = %+v", r)
	}
	if leaf, _ := r.Leaf(); !leaf.NotAfter.Before(time.Now()) {
		t.Fatalf("leaf = %+v", leaf)
	}
}

func TestHandshakeThroughProxy(t *testing.T) {
	srv, caFile := tlsSandbox(t, emulator.TLSOptions{Hosts: []string{emulator.TestHost}})
	p := proxy(t)
	tg := target(t, onTestHost(srv.URL()), client.Network{CAFile: caFile, Getenv: env{"HTTPS_PROXY": p.URL()}.get})
	if r := netcheck.Handshake(t.Context(), tg); r.Err != nil || r.Version == "" {
		t.Fatalf("handshake = %+v", r)
	}
	if reqs := p.Requests(); len(reqs) != 1 || reqs[0].Method != "CONNECT" {
		t.Fatalf("proxy saw %+v", reqs)
	}
}

func TestHandshakeSkippedForPlainHTTP(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{})
	if r := netcheck.Handshake(t.Context(), target(t, srv.URL(), client.Network{})); !r.Skipped || r.Err != nil {
		t.Fatalf("handshake = %+v", r)
	}
}

func TestProbeHTTPJSON(t *testing.T) {
	srv, caFile := tlsSandbox(t, emulator.TLSOptions{})
	r := netcheck.ProbeHTTP(t.Context(), target(t, srv.URL(), client.Network{CAFile: caFile}), "")
	if r.Err != nil || r.Body != netcheck.BodyJSON || r.Status != 401 || r.URL != srv.URL()+"/api/users/me" {
		t.Fatalf("probe = %+v", r)
	}
	if _, ok := r.ClockSkew(); !ok {
		t.Fatal("no Date header seen")
	}
}

func TestProbeHTTPLoginPage(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Faults: emulator.Faults{HTMLMode: true}})
	r := netcheck.ProbeHTTP(t.Context(), target(t, srv.URL(), client.Network{}), client.DefaultPaths.Me)
	if r.Err != nil || r.Body != netcheck.BodyHTML {
		t.Fatalf("probe = %+v", r)
	}
}

func TestProbeHTTPClockSkew(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Faults: emulator.Faults{ClockSkew: -time.Hour}})
	r := netcheck.ProbeHTTP(t.Context(), target(t, srv.URL(), client.Network{}), "")
	skew, ok := r.ClockSkew()
	if !ok || skew > -50*time.Minute || skew < -70*time.Minute {
		t.Fatalf("skew = %v (%v), want about -1h", skew, ok)
	}
}

func TestProbeHTTPCertificateError(t *testing.T) {
	srv, _ := tlsSandbox(t, emulator.TLSOptions{})
	other, err := emulator.NewCA("Other CA")
	if err != nil {
		t.Fatal(err)
	}
	r := netcheck.ProbeHTTP(t.Context(), target(t, srv.URL(), client.Network{CAPEM: other.PEM()}), "")
	if r.CertErr == nil || r.CertErr.Problem != client.CertUnknownAuthority || r.Status != 0 {
		t.Fatalf("probe = %+v", r)
	}
}

func TestChecksHonourTheirTimeout(t *testing.T) {
	// A server that accepts connections and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer func() { _ = c.Close() }()
		}
	}()
	tg := target(t, "https://"+ln.Addr().String(), client.Network{})
	tg.Timeout = 50 * time.Millisecond
	if r := netcheck.Handshake(t.Context(), tg); !errors.Is(r.Err, context.DeadlineExceeded) {
		t.Fatalf("handshake = %+v, want a deadline error", r)
	}
	tg.Site.Scheme = "http"
	if r := netcheck.ProbeHTTP(t.Context(), tg, ""); !errors.Is(r.Err, context.DeadlineExceeded) {
		t.Fatalf("probe = %+v, want a deadline error", r)
	}
}
