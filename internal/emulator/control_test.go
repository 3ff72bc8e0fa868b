package emulator_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/emulator"
)

// control sends a request to the emulator's own endpoints and decodes the
// Stats it answers with.
func control(t *testing.T, s *emulator.Server, method, path, body string) (int, emulator.Stats, string) {
	t.Helper()
	r := call(t, s, method, path, "", body)
	var st emulator.Stats
	if r.Status == http.StatusOK {
		if err := json.Unmarshal(r.Body, &st); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, r.Body)
		}
	}
	return r.Status, st, string(r.Body)
}

func TestControlEndpointReadsAndChangesTheModel(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{Site: emulator.Site{Capacity: 48}, Faults: emulator.Faults{FailRate503: 1}})
	jdoe := s.SeedToken("jdoe")
	call(t, s, "GET", "/api/users/me", jdoe, "").want(t, http.StatusServiceUnavailable)

	status, st, body := control(t, s, "GET", "/_emulator/stats", "")
	if status != http.StatusOK || st.Requests != 1 || st.Unavailable != 1 || st.Capacity != 48 || st.Overload != 2 || st.PeakInFlight != 1 {
		t.Fatalf("GET stats: %d %s", status, body)
	}
	for _, key := range []string{`"in_flight"`, `"peak_in_flight"`, `"requests"`, `"answered_429"`, `"answered_503"`, `"capacity"`, `"overload"`, `"rate_limit"`} {
		if !strings.Contains(body, key) {
			t.Errorf("the stats do not name %s: %s", key, body)
		}
	}

	// A change applies the fields given and keeps the others.
	status, st, body = control(t, s, "PUT", "/_emulator/site", `{"capacity": 8, "rate_limit": 200}`)
	if status != http.StatusOK || st.Capacity != 8 || st.Overload != 2 || st.RateLimit != 200 {
		t.Fatalf("PUT site: %d %s", status, body)
	}
	if got := s.Site(); got != (emulator.Site{Capacity: 8}) {
		t.Errorf("Site() = %+v after the change", got)
	}
	if f := s.Faults(); f.RateLimit != 200 || f.FailRate503 != 1 {
		t.Errorf("the change lost other faults or the rate limit: %+v", f)
	}
	control(t, s, "PUT", "/_emulator/site", `{"overload": 1.5}`)
	if got := s.Site(); got != (emulator.Site{Capacity: 8, Overload: 1.5}) {
		t.Errorf("Site() = %+v after changing the overload alone", got)
	}

	// Wrong input changes nothing, all of it or none.
	for _, bad := range []string{`{"capacity": -1}`, `{"capacity": 4, "overload": -2}`, `{"capacity": 4, "rate_limit": -1}`, `{"capacty": 4}`, `capacity=4`, ``} {
		if status, _, body := control(t, s, "PUT", "/_emulator/site", bad); status != http.StatusBadRequest || !strings.Contains(body, `"error"`) {
			t.Errorf("PUT %q: %d %s, want 400 with an error", bad, status, body)
		}
	}
	if got := s.Site(); got != (emulator.Site{Capacity: 8, Overload: 1.5}) || s.Faults().RateLimit != 200 {
		t.Errorf("a refused change changed the model: %+v, rate %g", got, s.Faults().RateLimit)
	}

	// The emulator's own requests are not requests to the site.
	if st := s.Stats(); st.Requests != 1 {
		t.Errorf("control requests were counted: %d requests", st.Requests)
	}
	if status, st, body := control(t, s, "DELETE", "/_emulator/stats", ""); status != http.StatusOK || st.Requests != 0 || st.Unavailable != 0 {
		t.Errorf("DELETE stats: %d %s", status, body)
	}
	if status, _, _ := control(t, s, "POST", "/_emulator/stats", ""); status != http.StatusNotFound {
		t.Errorf("POST stats: %d, want 404", status)
	}
}

func TestControlEndpointIgnoresFaults(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{Faults: emulator.Faults{HTMLMode: true, RateLimit: 1.0 / 3600}})
	for range 3 {
		if status, _, body := control(t, s, "GET", "/_emulator/stats", ""); status != http.StatusOK {
			t.Fatalf("GET stats under faults: %d %s", status, body)
		}
	}
}

func TestControlEndpointAnswersOnlyLoopback(t *testing.T) {
	s := emulator.New(emulator.Options{})
	for _, remote := range []string{"192.0.2.7:40000", "[2001:db8::1]:40000", "garbage"} {
		req := httptest.NewRequest("PUT", "/_emulator/site", strings.NewReader(`{"capacity": 1}`))
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("from %s: %d, want 404", remote, rec.Code)
		}
	}
	if got := s.Site(); got.Capacity != 0 {
		t.Errorf("a request from the network changed the model: %+v", got)
	}
	req := httptest.NewRequest("GET", "/_emulator/stats", nil)
	req.RemoteAddr = "127.0.0.1:40000"
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("from loopback: %d, want 200", rec.Code)
	}
}
