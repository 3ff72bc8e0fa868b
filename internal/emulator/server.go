// Package emulator is an in-memory Axero server that follows the project's
// wire contract (docs/api.md) to the letter, with wire types of its own
// (wire.go), held to the contract by the goldens under testdata/wire. It
// is a real net/http handler that tests, `axero sandbox` and `axero demo`
// serve on loopback, so that the client is exercised over HTTP rather than
// against a mock.
//
// The server keeps only SHA-256 hashes of the tokens it mints, like Axero.
// Faults (latency, 429s, 503s, dropped connections after a create, HTML
// login pages) can be switched on at any time to test a client's resilience.
package emulator

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Server is the emulator. It implements http.Handler.
type Server struct {
	opts Options
	now  func() time.Time

	// The gauge and the counters keep their own locks, so that counting a
	// request never waits for the state.
	gauge  inflightGauge
	counts counters

	mu          sync.Mutex // guards everything below, down to saver
	st          *state
	policy      Policy
	faults      Faults
	seedSecrets map[string]string // user name → seed token value, when minted in this process
	secrets     []string          // every token value handed out, when RecordSecrets
	requests    map[string]int    // "METHOD path" → count
	siteURL     string

	site     Site
	limiter  rateLimiter
	inflight chan struct{} // nil when MaxConcurrent is 0; resized by SetFaults
	// wait sleeps for a request's latency, or reports false when the
	// request ends first; tests replace it to see the latency asked for.
	wait func(ctx context.Context, d time.Duration) bool

	saver saver

	httpSrv  *http.Server
	conns    connTracker
	ln       net.Listener
	ca       *CA // issued the HTTPS certificate; nil when serving plain HTTP
	closed   sync.Once
	closeErr error
}

// New builds a Server without listening. It panics only when
// Options.StateFile exists but cannot be read, or Options.Site is negative
// (use Start to get an error).
func New(opts Options) *Server {
	s, err := newServer(opts)
	if err != nil {
		panic(err)
	}
	return s
}

func newServer(opts Options) (*Server, error) {
	s := &Server{
		opts:        opts,
		now:         opts.Now,
		policy:      opts.Policy,
		seedSecrets: map[string]string{},
		requests:    map[string]int{},
		siteURL:     strings.TrimRight(opts.URL, "/"),
		site:        opts.Site,
		wait:        sleep,
	}
	if err := opts.Site.check(); err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.policy == (Policy{}) {
		s.policy = DefaultPolicy
	}
	if s.policy.SecurityLevel == "" {
		s.policy.SecurityLevel = DefaultPolicy.SecurityLevel
	}
	s.setFaultsLocked(opts.Faults)
	s.saver.path = opts.StateFile

	loaded := false
	if opts.StateFile != "" {
		st, err := loadState(opts.StateFile)
		if err != nil {
			return nil, err
		}
		if st != nil {
			s.st = st
			loaded = true
		}
	}
	if s.st == nil {
		key := opts.SigningKey
		if key == nil {
			key = make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return nil, err
			}
		}
		s.st = newState(key)
	} else if opts.SigningKey != nil {
		// A key given explicitly wins, so that tests can pin it.
		s.st.SigningKey = opts.SigningKey
	}
	if !loaded {
		s.seedUsers()
	}
	s.st.generateUsers(opts.Users)
	if !loaded {
		if err := s.seedTokens(); err != nil {
			return nil, err
		}
		if opts.History != nil {
			if err := s.applyHistory(*opts.History); err != nil {
				return nil, err
			}
		}
	}
	if s.siteURL == "" && s.st.URL != "" && opts.Addr == "" {
		s.siteURL = s.st.URL
	}
	if s.siteURL != "" {
		s.st.URL = s.siteURL
	}
	s.st.touch()
	if err := s.persist(); err != nil {
		return nil, err
	}
	s.startSaver()
	return s, nil
}

// Start serves a new Server on Options.Addr (default 127.0.0.1:0). It
// refuses addresses that are not loopback: the emulator's tokens are not
// secrets and must not be reachable from the network.
func Start(opts Options) (*Server, error) {
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if err := CheckLoopback(addr); err != nil {
		return nil, err
	}
	var (
		ca     *CA
		tlsCfg *tls.Config
		scheme = "http"
	)
	if opts.TLS != nil {
		var err error
		if ca, tlsCfg, err = serverTLS(opts.TLS); err != nil {
			return nil, err
		}
		scheme = "https"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if opts.URL == "" {
		opts.URL = scheme + "://" + ln.Addr().String()
	}
	s, err := newServer(opts)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	s.ca = ca
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ConnState: s.conns.track}
	if tlsCfg != nil {
		// A client without the CA fails every handshake; it says so
		// itself, so the server does not log each one to stderr.
		s.httpSrv.ErrorLog = log.New(io.Discard, "", 0)
		ln = tls.NewListener(ln, tlsCfg)
	}
	s.ln = ln
	go func() { _ = s.httpSrv.Serve(ln) }()
	return s, nil
}

// TB is the part of testing.TB that NewTest needs. The emulator ships in
// the released binary (sandbox, demo), which must not link the testing
// package, so it names only these methods.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// CA is the authority that issued the HTTPS certificate, or nil when the
// server speaks plain HTTP. Its PEM is what a client passes as --ca-file.
func (s *Server) CA() *CA { return s.ca }

// NewTest starts a Server for a test and closes it when the test ends.
func NewTest(t TB, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("emulator: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// CheckLoopback refuses a listen address whose host is not a loopback IP
// or "localhost".
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to listen on %q: the sandbox only listens on loopback (127.0.0.1 or ::1)", addr)
	}
	return nil
}

// URL is the site URL (without /api), e.g. http://127.0.0.1:41234. It is
// empty for a Server built with New and no Options.URL until it serves a
// request.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.siteURL
}

// shutdownGrace bounds how long Close waits for requests in flight.
const shutdownGrace = 5 * time.Second

// Close stops serving, lets requests in flight finish (for a few seconds at
// most) so that no token they mint is missing from the state, and writes
// the state file one last time.
func (s *Server) Close() error {
	s.closed.Do(func() {
		if s.httpSrv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			done := make(chan error, 1)
			go func() { done <- s.httpSrv.Shutdown(ctx) }()
			// Shutdown closes idle connections but waits on those
			// that never carried a request; close them as it runs.
			tick := time.NewTicker(10 * time.Millisecond)
			var err error
		wait:
			for {
				s.conns.closeUnused()
				select {
				case err = <-done:
					break wait
				case <-tick.C:
				}
			}
			tick.Stop()
			if err != nil {
				_ = s.httpSrv.Close()
			}
			cancel()
		}
		if err := s.stopSaver(); err != nil && s.closeErr == nil {
			s.closeErr = err
		}
	})
	return s.closeErr
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFaultsLocked(f)
}

// Faults returns the injected faults.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

func (s *Server) setFaultsLocked(f Faults) {
	if f.MaxConcurrent != s.faults.MaxConcurrent || s.inflight == nil && f.MaxConcurrent > 0 {
		if f.MaxConcurrent > 0 {
			s.inflight = make(chan struct{}, f.MaxConcurrent)
		} else {
			s.inflight = nil
		}
	}
	if f.RateLimit != s.faults.RateLimit {
		s.limiter.reset(f.RateLimit)
	}
	s.faults = f
}

// SetPolicy replaces the expiration policy.
func (s *Server) SetPolicy(p Policy) {
	if p.SecurityLevel == "" {
		p.SecurityLevel = DefaultPolicy.SecurityLevel
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policy = p
}

// Policy returns the expiration policy.
func (s *Server) Policy() Policy {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.policy
}
