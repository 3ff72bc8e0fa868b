// Package awssm is a loopback emulator of the AWS Secrets Manager API, for
// tests and for the sandbox: the JSON 1.1 protocol (POST /, X-Amz-Target:
// secretsmanager.<Operation>, Content-Type: application/x-amz-json-1.1),
// requests authenticated by Signature Version 4 against the access keys it
// is given, the service's error shapes and status codes, and the version
// stages (AWSCURRENT, AWSPENDING, AWSPREVIOUS) with ClientRequestToken
// idempotency. It serves CreateSecret, DescribeSecret, GetSecretValue,
// PutSecretValue and UpdateSecretVersionStage, and has fault knobs (down,
// 500, access denied on writes or on everything).
//
// Written from the public API reference:
//
//   - https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html
//   - https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html
//   - https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
//   - https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
//   - https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html
//   - https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html
//   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html (Signature Version 4)
//   - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
//   - https://docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html
//
// Like the Axero emulator, it listens on loopback only, and keeps what it
// is given in memory.
package awssm

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
)

// Defaults for Options.
const (
	DefaultRegion  = "us-east-1"
	DefaultAccount = "123456789012"
)

// maxBody bounds a request body: a secret value is at most 65,536 bytes,
// and its JSON encoding at most six times that.
const maxBody = 1 << 20

// Options configure a Server.
type Options struct {
	// Addr is where Start listens; default 127.0.0.1:0. Only loopback
	// addresses are accepted.
	Addr string
	// Region is the region requests must be signed for; default
	// DefaultRegion.
	Region string
	// Account is the account ID in ARNs; default DefaultAccount.
	Account string
	// Keys maps each access key ID the server accepts to its secret
	// access key. A request signed with any other key is refused.
	Keys map[string]string
	// CA, when set, makes Start serve HTTPS with a certificate it issues
	// for loopback and Hosts.
	CA    *emulator.CA
	Hosts []string
	// Now is the clock that signatures are checked against; default
	// time.Now.
	Now func() time.Time
}

// Faults are switched on and off while the server runs.
type Faults struct {
	// Down drops every connection without an answer.
	Down bool
	// Fail500 answers every request with InternalServiceError (500).
	Fail500 bool
	// DenyWrite answers the operations that change something with
	// AccessDeniedException.
	DenyWrite bool
	// DenyAll answers every operation with AccessDeniedException.
	DenyAll bool
}

// Server is the emulator. It implements http.Handler.
type Server struct {
	opts Options
	now  func() time.Time

	mu       sync.Mutex
	secrets  map[string]*secret // by name
	faults   Faults
	requests []string // "Operation" for every request that passed authentication
	nextID   int

	url     string
	httpSrv *http.Server
}

// New builds a Server without listening.
func New(opts Options) *Server {
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.Account == "" {
		opts.Account = DefaultAccount
	}
	s := &Server{opts: opts, now: opts.Now, secrets: map[string]*secret{}}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Start serves a new Server on loopback.
func Start(opts Options) (*Server, error) {
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if err := emulator.CheckLoopback(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := New(opts)
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	scheme := "http"
	if opts.CA != nil {
		cert, err := opts.CA.Issue(emulator.Leaf{Hosts: append([]string{"127.0.0.1", "::1", "localhost"}, opts.Hosts...)})
		if err != nil {
			_ = ln.Close()
			return nil, err
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		// A client that does not trust the CA fails every handshake
		// and says so itself.
		s.httpSrv.ErrorLog = log.New(io.Discard, "", 0)
		scheme = "https"
	}
	s.url = scheme + "://" + ln.Addr().String()
	go func() { _ = s.httpSrv.Serve(ln) }()
	return s, nil
}

// TB is the part of testing.TB that NewTest needs (the emulator ships in
// the binary, which must not link the testing package).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// NewTest starts a Server for a test and closes it when the test ends.
func NewTest(t TB, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("aws secrets manager emulator: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// URL is the endpoint, e.g. http://127.0.0.1:41234, for
// AWS_ENDPOINT_URL_SECRETS_MANAGER.
func (s *Server) URL() string { return s.url }

// Region is the region requests must be signed for.
func (s *Server) Region() string { return s.opts.Region }

// Close stops serving.
func (s *Server) Close() error {
	if s.httpSrv == nil {
		return nil
	}
	return s.httpSrv.Close()
}

// SetFaults replaces the fault knobs.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Requests returns the operations served so far, in order, after
// authentication (a refused signature is not counted).
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// ServeHTTP answers one request of the JSON 1.1 protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	faults := s.faults
	s.mu.Unlock()
	if faults.Down {
		dropConnection(w)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "IncompleteSignature", "the request body could not be read")
		return
	}
	if len(body) > maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "ValidationException", "the request is too large")
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		writeError(w, http.StatusNotFound, "UnknownOperationException", "the service answers POST / only")
		return
	}
	if ae := s.authenticate(r, body); ae != nil {
		writeError(w, ae.status, ae.code, ae.message)
		return
	}
	op, ok := operationOf(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "InvalidAction", "The action or operation requested is invalid. Verify that the action is typed correctly.")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		writeError(w, http.StatusBadRequest, "SerializationException", "expected Content-Type application/x-amz-json-1.1, got "+fmt.Sprintf("%q", ct))
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, op)
	s.mu.Unlock()
	if faults.Fail500 {
		writeError(w, http.StatusInternalServerError, "InternalServiceError", "An error occurred on the server side.")
		return
	}
	handler, known := s.handlers()[op]
	if !known {
		writeError(w, http.StatusBadRequest, "InvalidAction", "The action or operation requested is invalid. Verify that the action is typed correctly.")
		return
	}
	if faults.DenyAll || (faults.DenyWrite && writes[op]) {
		writeError(w, http.StatusBadRequest, "AccessDeniedException", fmt.Sprintf("User: arn:aws:iam::%s:user/emulator is not authorized to perform: secretsmanager:%s because no identity-based policy allows the secretsmanager:%s action", s.opts.Account, op, op))
		return
	}
	out, apiErr := handler(body)
	if apiErr != nil {
		writeError(w, apiErr.status, apiErr.code, apiErr.message)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", s.requestID())
	_ = json.NewEncoder(w).Encode(out)
}

// writes are the operations that DenyWrite refuses.
var writes = map[string]bool{"CreateSecret": true, "PutSecretValue": true, "UpdateSecretVersionStage": true}

func (s *Server) handlers() map[string]func([]byte) (any, *apiError) {
	return map[string]func([]byte) (any, *apiError){
		"CreateSecret":             s.createSecret,
		"DescribeSecret":           s.describeSecret,
		"GetSecretValue":           s.getSecretValue,
		"PutSecretValue":           s.putSecretValue,
		"UpdateSecretVersionStage": s.updateSecretVersionStage,
	}
}

// operationOf reads the operation from X-Amz-Target.
func operationOf(r *http.Request) (string, bool) {
	const prefix = "secretsmanager."
	t := r.Header.Get("X-Amz-Target")
	if len(t) <= len(prefix) || t[:len(prefix)] != prefix {
		return "", false
	}
	return t[len(prefix):], true
}

func (s *Server) requestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", s.nextID)
}

// apiError is an answer of the service's error shape.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func badRequest(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// writeError writes {"__type": code, "message": message} with status.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": message})
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
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

// decode reads a JSON request body into v, refusing unknown shapes.
func decode(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return badRequest("SerializationException", "the request body is not JSON")
		}
		return badRequest("SerializationException", "%v", err)
	}
	return nil
}

// sortedStages returns a copy of stages in order, for stable answers.
func sortedStages(stages []string) []string {
	out := append([]string(nil), stages...)
	sort.Strings(out)
	return out
}
