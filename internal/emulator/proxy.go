package emulator

import (
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// TestHost is a name that resolves nowhere (.test is reserved) and that a
// Proxy maps to 127.0.0.1. Go never sends requests for localhost or a
// loopback address through a proxy, so proxied tests address the emulator
// by this name; Options.TLS.Hosts must then include it.
const TestHost = "axero.test"

// Proxy is a real forward proxy on loopback, as corporate networks have:
// CONNECT tunnels for HTTPS and absolute-URI forwarding for plain HTTP. It
// maps TestHost to 127.0.0.1, refuses any target that is not loopback (it
// must not become an open relay), and records what it was asked. It can
// also refuse CONNECT (RefuseConnect, RequireCredentials), as a proxy that
// wants credentials does.
type Proxy struct {
	srv *http.Server
	ln  net.Listener

	mu       sync.Mutex
	requests []ProxyRequest
	refusal  *connectRefusal
}

// connectRefusal is how the proxy answers CONNECT instead of tunnelling.
type connectRefusal struct {
	status int
	reason string
	// unless lets a request through whose Proxy-Authorization is this.
	unless string
}

// ProxyRequest is one request a Proxy received.
type ProxyRequest struct {
	Method             string // CONNECT, GET, ...
	Target             string // host:port for CONNECT, the absolute URL otherwise
	ProxyAuthorization string // as sent by the client
}

// StartProxy serves a Proxy on 127.0.0.1.
func StartProxy() (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// URL is the proxy's URL, e.g. http://127.0.0.1:3128.
func (p *Proxy) URL() string { return "http://" + p.ln.Addr().String() }

// URLWithUser is the proxy's URL carrying credentials, which the proxy
// records but does not check.
func (p *Proxy) URLWithUser(user, password string) string {
	u := &url.URL{Scheme: "http", Host: p.ln.Addr().String(), User: url.UserPassword(user, password)}
	return u.String()
}

// Requests returns what the proxy was asked so far.
func (p *Proxy) Requests() []ProxyRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]ProxyRequest(nil), p.requests...)
}

// RefuseConnect makes the proxy answer every CONNECT with status and the
// reason phrase given, written as it is (control characters included), as
// a proxy that wants credentials answers 407, or one on the path lies. A
// status of 0 goes back to tunnelling.
func (p *Proxy) RefuseConnect(status int, reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if status == 0 {
		p.refusal = nil
		return
	}
	p.refusal = &connectRefusal{status: status, reason: reason}
}

// RequireCredentials makes the proxy answer CONNECT with 407 Proxy
// Authentication Required unless the client sends user and password.
func (p *Proxy) RequireCredentials(user, password string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	p.refusal = &connectRefusal{status: http.StatusProxyAuthRequired, reason: "Proxy Authentication Required", unless: auth}
}

// Close stops the proxy and its tunnels.
func (p *Proxy) Close() error { return p.srv.Close() }

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	req := ProxyRequest{Method: r.Method, Target: r.Host, ProxyAuthorization: r.Header.Get("Proxy-Authorization")}
	if r.Method != http.MethodConnect {
		req.Target = r.URL.String()
	}
	p.mu.Lock()
	p.requests = append(p.requests, req)
	refusal := p.refusal
	p.mu.Unlock()

	if r.Method != http.MethodConnect {
		p.forward(w, r)
		return
	}
	if refusal != nil && (refusal.unless == "" || refusal.unless != req.ProxyAuthorization) {
		refuse(w, refusal)
		return
	}
	target, ok := loopbackTarget(r.Host)
	if !ok {
		http.Error(w, "this proxy only reaches loopback", http.StatusForbidden)
		return
	}
	upstream, err := net.Dial("tcp", target) //nolint:gosec // the test proxy dials only loopback targets, checked just above
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer func() { _ = upstream.Close() }()
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot tunnel", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer func() { _ = conn.Close() }()
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() {
		// Bytes sent right after the CONNECT may already be buffered.
		_, _ = io.Copy(upstream, buf)
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(conn, upstream)
		done <- struct{}{}
	}()
	<-done
}

// refuse answers a CONNECT with the refusal's status line, written by hand
// so that the reason phrase goes out exactly as configured.
func refuse(w http.ResponseWriter, r *connectRefusal) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, r.reason, r.status)
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	defer func() { _ = conn.Close() }()
	head := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Length: 0\r\n", r.status, r.reason)
	if r.status == http.StatusProxyAuthRequired {
		head += "Proxy-Authenticate: Basic realm=\"emulator\"\r\n"
	}
	_, _ = conn.Write([]byte(head + "\r\n"))
}

// forward relays a plain-HTTP proxy request upstream.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request) {
	target, ok := loopbackTarget(r.URL.Host)
	if !ok || r.URL.Scheme != "http" {
		http.Error(w, "this proxy only reaches loopback over http", http.StatusForbidden)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Host = target
	out.Header.Del("Proxy-Authorization")
	out.Header.Del("Proxy-Connection")
	resp, err := (&http.Transport{DisableKeepAlives: true}).RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer func() { _ = resp.Body.Close() }()
	for k, vv := range resp.Header {
		w.Header()[k] = vv
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// loopbackTarget maps TestHost to 127.0.0.1 and accepts only loopback
// targets.
func loopbackTarget(hostport string) (string, bool) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", false
	}
	if strings.EqualFold(host, TestHost) || strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", false
	}
	return net.JoinHostPort(host, port), true
}
