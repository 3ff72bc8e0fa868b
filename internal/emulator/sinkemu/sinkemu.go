// Package sinkemu is what the emulators of the services a token is
// delivered to (GitHub, GitLab, Vault) share: a real HTTP server on
// loopback, plain or HTTPS with a private CA, a clock of its own (its Date
// header follows it, so that tests can put the service's clock out of
// step with the client's), a record of the requests it received, and
// fault knobs that can be switched at any time: down, 500, 403 on every
// write, transient 429 and 503, and writes acknowledged but not kept.
//
// Each service answers faults with its own error body, through the
// ErrorWriter it gives.
package sinkemu

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
)

// Faults are what the server does wrong. The zero value is a healthy
// server.
type Faults struct {
	// Down closes every connection without an answer, as a host that is
	// down or a connection reset does.
	Down bool
	// ServerError answers every request 500.
	ServerError bool
	// ForbidWrites answers every write (POST, PUT, PATCH, DELETE) 403,
	// as a credential that may read but not write is answered.
	ForbidWrites bool
	// LoseWrites makes the service acknowledge writes without keeping
	// them: the fault that only a read-back catches.
	LoseWrites bool
	// Unavailable and Throttled answer the next that many requests 503
	// and 429 with Retry-After: 0; each answer uses one up.
	Unavailable int
	Throttled   int
	// Latency delays every answer, as a service across a network does.
	Latency time.Duration
}

// ErrorWriter writes a service's error body for status with message; an
// empty message asks for the service's usual wording for that status.
type ErrorWriter func(w http.ResponseWriter, status int, message string)

// Options configure a Server.
type Options struct {
	// Addr is the loopback address to listen on; "" means 127.0.0.1:0.
	Addr string
	// TLS serves HTTPS with a certificate from a private CA.
	TLS *emulator.TLSOptions
	// Now is the service's clock; nil means time.Now.
	Now func() time.Time
}

// Request is one request the server received, as it arrived.
type Request struct {
	Method string
	// Path is the escaped path, as sent (GitLab's "group%2Fproject").
	Path   string
	Query  string
	Header http.Header
}

// Server serves one service's handler with faults and a request log.
type Server struct {
	handler http.Handler
	errw    ErrorWriter
	now     func() time.Time

	mu       sync.Mutex
	faults   Faults
	requests []Request

	httpSrv *http.Server
	ln      net.Listener
	url     string
	ca      *emulator.CA
}

// Start serves h on loopback. It refuses an address that is not loopback:
// an emulator's credentials are not secrets.
func Start(h http.Handler, errw ErrorWriter, o Options) (*Server, error) {
	addr := o.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if err := emulator.CheckLoopback(addr); err != nil {
		return nil, err
	}
	s := &Server{handler: h, errw: errw, now: o.Now}
	if s.now == nil {
		s.now = time.Now
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	scheme := "http"
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	if o.TLS != nil {
		ca := o.TLS.CA
		if ca == nil {
			if ca, err = emulator.NewCA("Axero Sink Emulator CA"); err != nil {
				_ = ln.Close()
				return nil, err
			}
		}
		cert, err := ca.Issue(emulator.Leaf{Hosts: append([]string{"127.0.0.1", "::1", "localhost"}, o.TLS.Hosts...)})
		if err != nil {
			_ = ln.Close()
			return nil, err
		}
		s.ca = ca
		// A client without the CA fails every handshake and says so
		// itself; the server need not log each one.
		s.httpSrv.ErrorLog = log.New(io.Discard, "", 0)
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	s.ln = ln
	s.url = scheme + "://" + ln.Addr().String()
	go func() { _ = s.httpSrv.Serve(ln) }()
	return s, nil
}

// URL is the server's root, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.url }

// CA is the authority of the HTTPS certificate, nil for plain HTTP.
func (s *Server) CA() *emulator.CA { return s.ca }

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.httpSrv.Shutdown(ctx); err != nil {
		return s.httpSrv.Close()
	}
	return nil
}

// Now is the service's clock.
func (s *Server) Now() time.Time { return s.now() }

// SetFaults replaces the faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// Faults returns the faults in force.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Requests returns every request received so far, faulted ones included.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// IsWrite reports a method that changes something.
func IsWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Header: r.Header.Clone()})
	f := &s.faults
	down, serverError, forbid, latency := f.Down, f.ServerError, f.ForbidWrites && IsWrite(r.Method), f.Latency
	status := 0
	switch {
	case f.Unavailable > 0:
		f.Unavailable--
		status = http.StatusServiceUnavailable
	case f.Throttled > 0:
		f.Throttled--
		status = http.StatusTooManyRequests
	}
	s.mu.Unlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}

	// Every answer carries the service's clock, as real services do.
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	switch {
	case down:
		hangUp(w)
	case status != 0:
		w.Header().Set("Retry-After", "0")
		s.errw(w, status, "")
	case serverError:
		s.errw(w, http.StatusInternalServerError, "")
	case forbid:
		s.errw(w, http.StatusForbidden, "")
	default:
		s.handler.ServeHTTP(w, r)
	}
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
