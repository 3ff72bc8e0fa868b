package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// The emulator's own endpoints, beside the API and outside /api, let a
// benchmark script read what the site is doing and change its model while
// a run goes on:
//
//	GET    /_emulator/stats   the Stats, as JSON
//	DELETE /_emulator/stats   zero the counters and start a new peak
//	PUT    /_emulator/site    change the model: {"capacity": 8, "overload": 2, "rate_limit": 200},
//	                          any of the three; answers the Stats
//
// They answer only requests from loopback, and they are not requests to
// the site: they are not counted, not slowed and never refused by faults.
const controlPrefix = "/_emulator/"

// siteChange is the body of PUT /_emulator/site; a field left out keeps
// its value.
type siteChange struct {
	Capacity  *int     `json:"capacity"`
	Overload  *float64 `json:"overload"`
	RateLimit *float64 `json:"rate_limit"`
}

// maxControlBody bounds a control request's body.
const maxControlBody = 4 << 10

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	if !fromLoopback(r) {
		writeControl(w, http.StatusNotFound, map[string]string{"error": "not found"})
		return
	}
	switch strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, controlPrefix), "/") + " " + r.Method {
	case "stats GET", "stats HEAD":
		writeControl(w, http.StatusOK, s.Stats())
	case "stats DELETE":
		s.ResetStats()
		writeControl(w, http.StatusOK, s.Stats())
	case "site PUT":
		if err := s.changeSite(r.Body); err != nil {
			writeControl(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeControl(w, http.StatusOK, s.Stats())
	default:
		writeControl(w, http.StatusNotFound, map[string]string{"error": "no such emulator endpoint: " + r.Method + " " + r.URL.Path +
			" (GET or DELETE " + controlPrefix + "stats, PUT " + controlPrefix + "site)"})
	}
}

// changeSite applies a siteChange, all of it or, when any value is wrong,
// none of it.
func (s *Server) changeSite(body io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(body, maxControlBody+1))
	if err != nil {
		return fmt.Errorf("could not read the body: %w", err)
	}
	if len(data) > maxControlBody {
		return fmt.Errorf("the body is larger than %d bytes", maxControlBody)
	}
	var ch siteChange
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ch); err != nil {
		return fmt.Errorf(`want a JSON object such as {"capacity": 8, "overload": 2, "rate_limit": 200}: %w`, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	site, faults := s.site, s.faults
	if ch.Capacity != nil {
		site.Capacity = *ch.Capacity
	}
	if ch.Overload != nil {
		site.Overload = *ch.Overload
	}
	if ch.RateLimit != nil {
		if *ch.RateLimit < 0 {
			return fmt.Errorf("the rate limit must not be negative, got %g", *ch.RateLimit)
		}
		faults.RateLimit = *ch.RateLimit
	}
	if err := site.check(); err != nil {
		return err
	}
	s.site = site
	s.setFaultsLocked(faults)
	return nil
}

// fromLoopback reports a request whose peer is on this machine.
func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func writeControl(w http.ResponseWriter, status int, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"error": "could not encode the answer"}`)
	}
	data = append(data, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}
