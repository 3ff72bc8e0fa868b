package emulator

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Response faults change an answer after the emulator acted, the way a
// misconfigured proxy or a dying connection does: the request took effect
// but the client cannot read the outcome properly.

// responseFaults reports whether any response fault applies to the next
// answer, consuming a TruncateNext if so.
func (s *Server) responseFaults() (bare, empty, truncate bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.TruncateNext > 0 {
		s.faults.TruncateNext--
		truncate = true
	}
	return s.faults.BareJSON, s.faults.EmptyBody, truncate
}

// captureWriter holds a handler's answer so that it can be changed before
// it is sent. Hijacking passes through, for dropped connections.
type captureWriter struct {
	w      http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) Header() http.Header { return c.w.Header() }

func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

func (c *captureWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if hj, ok := c.w.(http.Hijacker); ok {
		return hj.Hijack()
	}
	return nil, nil, http.ErrNotSupported
}

// serveWithResponseFaults runs h and sends its answer changed by the
// faults: bare (the payload without its envelope), empty (no body at all)
// or truncated (half the body, then the connection closes).
func serveWithResponseFaults(w http.ResponseWriter, r *http.Request, h http.HandlerFunc, bare, empty, truncate bool) {
	c := &captureWriter{w: w}
	h(c, r)
	if c.status == 0 {
		// The handler hijacked the connection (or wrote nothing).
		return
	}
	body := c.body.Bytes()
	isJSON := strings.HasPrefix(w.Header().Get("Content-Type"), "application/json")
	if bare && isJSON && c.status < 400 {
		var env struct {
			ResponseData json.RawMessage `json:"ResponseData"`
		}
		if json.Unmarshal(body, &env) == nil && env.ResponseData != nil {
			body = env.ResponseData
		}
	}
	if empty {
		body = nil
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(c.status)
	if truncate && len(body) > 1 {
		// Fewer bytes than Content-Length promised: the server closes the
		// connection and the client reads a truncated body.
		_, _ = w.Write(body[:len(body)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	_, _ = w.Write(body)
}
