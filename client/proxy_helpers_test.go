package client_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// testHost is a name that resolves nowhere (.test is reserved) and that the
// test proxy maps to loopback. Go never sends requests for localhost or
// loopback addresses through a proxy, so proxy tests need such a name.
const testHost = "axero.test"

// connectProxy is a real forward proxy: CONNECT tunnels for HTTPS and
// absolute-URI forwarding for plain HTTP. It maps testHost to 127.0.0.1
// and records what it was asked.
type connectProxy struct {
	srv *httptest.Server

	mu        sync.Mutex
	targets   []string // "CONNECT host:port" or "GET http://..."
	proxyAuth []string // the Proxy-Authorization of each request
}

func newConnectProxy(t *testing.T) *connectProxy {
	t.Helper()
	p := &connectProxy{}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

// URL is the proxy's URL, with userinfo when user is non-empty.
func (p *connectProxy) URL(user, password string) string {
	u, _ := url.Parse(p.srv.URL)
	if user != "" {
		u.User = url.UserPassword(user, password)
	}
	return u.String()
}

func (p *connectProxy) seen() ([]string, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.targets...), append([]string(nil), p.proxyAuth...)
}

func (p *connectProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if r.Method == http.MethodConnect {
		p.targets = append(p.targets, "CONNECT "+r.Host)
	} else {
		p.targets = append(p.targets, r.Method+" "+r.URL.String())
	}
	p.proxyAuth = append(p.proxyAuth, r.Header.Get("Proxy-Authorization"))
	p.mu.Unlock()

	if r.Method != http.MethodConnect {
		p.forward(w, r)
		return
	}
	upstream, err := net.Dial("tcp", mapTestHost(r.Host))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		upstream.Close()
		http.Error(w, "no hijacking", http.StatusInternalServerError)
		return
	}
	client, buf, err := hj.Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	_, _ = client.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
	done := make(chan struct{}, 2)
	go func() {
		// Bytes the client sent right after CONNECT may already be
		// buffered.
		_, _ = io.Copy(upstream, buf)
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(client, upstream)
		done <- struct{}{}
	}()
	<-done
	client.Close()
	upstream.Close()
	<-done
}

// forward relays a plain-HTTP proxy request (absolute URI) upstream.
func (p *connectProxy) forward(w http.ResponseWriter, r *http.Request) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Host = mapTestHost(r.URL.Host)
	out.Header.Del("Proxy-Authorization")
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vv := range resp.Header {
		w.Header()[k] = vv
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// mapTestHost sends testHost to loopback, keeping the port.
func mapTestHost(hostport string) string {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	if strings.EqualFold(host, testHost) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// env is a fake environment for Network.Getenv.
type env map[string]string

func (e env) get(name string) string { return e[name] }

// onTestHost rewrites a loopback site URL to use testHost.
func onTestHost(t *testing.T, site string) string {
	t.Helper()
	u, err := url.Parse(site)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = net.JoinHostPort(testHost, u.Port())
	return u.String()
}

// lockedBuffer collects debug output written from the transport's
// goroutines and the caller's.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
