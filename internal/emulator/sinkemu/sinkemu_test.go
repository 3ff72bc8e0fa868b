package sinkemu

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func start(t *testing.T, o Options) *Server {
	t.Helper()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, http.StatusOK, map[string]bool{"ok": true}) })
	errw := func(w http.ResponseWriter, status int, msg string) {
		WriteJSON(w, status, map[string]string{"message": "fault " + msg})
	}
	s, err := Start(ok, errw, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// answer is a response read whole, or the transport error.
type answer struct {
	status int
	header http.Header
	err    string
}

func do(t *testing.T, method, url string) answer {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{err: err.Error()}
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header}
}

func TestFaultKnobs(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	if a := do(t, "GET", s.URL()+"/x"); a.status != 200 {
		t.Fatalf("healthy: %+v", a)
	}
	s.SetFaults(Faults{Unavailable: 1, Throttled: 1})
	for _, want := range []int{503, 429, 200} {
		a := do(t, "GET", s.URL()+"/x")
		if a.status != want || (want != 200 && a.header.Get("Retry-After") != "0") {
			t.Fatalf("want %d with Retry-After: %+v", want, a)
		}
	}
	s.SetFaults(Faults{ForbidWrites: true})
	if a := do(t, "GET", s.URL()+"/x"); a.status != 200 {
		t.Errorf("a read under ForbidWrites: %+v", a)
	}
	if a := do(t, "PUT", s.URL()+"/x"); a.status != 403 {
		t.Errorf("a write under ForbidWrites: %+v", a)
	}
	s.SetFaults(Faults{ServerError: true})
	if a := do(t, "GET", s.URL()+"/x"); a.status != 500 {
		t.Errorf("ServerError: %+v", a)
	}
	s.SetFaults(Faults{Down: true})
	if a := do(t, "GET", s.URL()+"/x"); a.status != 0 || !strings.Contains(a.err, "EOF") {
		t.Errorf("Down answered: %+v", a)
	}
	// Go's transport may send a GET once more on a new connection when
	// a reused one is closed without an answer.
	if n := len(s.Requests()); n < 8 {
		t.Errorf("%d requests recorded, want at least 8", n)
	}
}

func TestDateFollowsTheServiceClock(t *testing.T) {
	t.Parallel()
	at := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	s := start(t, Options{Now: func() time.Time { return at }})
	if got := do(t, "GET", s.URL()+"/").header.Get("Date"); got != "Tue, 06 May 2031 07:08:09 GMT" {
		t.Errorf("Date = %q", got)
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	t.Parallel()
	if _, err := Start(http.NotFoundHandler(), nil, Options{Addr: "0.0.0.0:0"}); err == nil {
		t.Error("listening on every interface")
	}
}

// Latency delays every answer (a lower bound: the wait is at least that).
func TestLatencyDelaysEveryAnswer(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	s.SetFaults(Faults{Latency: 30 * time.Millisecond})
	began := time.Now()
	if a := do(t, "GET", s.URL()+"/x"); a.status != 200 {
		t.Fatalf("%+v", a)
	}
	if d := time.Since(began); d < 30*time.Millisecond {
		t.Fatalf("answered after %v, want at least the latency", d)
	}
}
