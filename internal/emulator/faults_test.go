package emulator_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
)

func TestFailuresHappenBeforeActing(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{})
	jdoe := s.SeedToken("jdoe")
	before := len(s.Tokens())

	s.SetFaults(emulator.Faults{FailRate503: 1, RetryAfter: 1500 * time.Millisecond})
	r := call(t, s, "POST", "/api/bearertokens", jdoe, `{"Name":"x"}`).want(t, http.StatusServiceUnavailable)
	if r.Header.Get("Retry-After") != "2" {
		t.Errorf("Retry-After %q, want whole seconds rounded up", r.Header.Get("Retry-After"))
	}
	s.SetFaults(emulator.Faults{FailRate500: 1})
	call(t, s, "POST", "/api/bearertokens", jdoe, `{"Name":"x"}`).want(t, http.StatusInternalServerError)
	call(t, s, "DELETE", "/api/bearertokens/100003", jdoe, "").want(t, http.StatusInternalServerError)

	if len(s.Tokens()) != before || s.Tokens()[2].Revoked {
		t.Error("a failed request changed the state")
	}
	s.SetFaults(emulator.Faults{})
	call(t, s, "GET", "/api/users/me", jdoe, "").want(t, http.StatusOK)
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	// One request per hour: the burst of one is spent at once, and the
	// bucket cannot refill during the test.
	s := emulator.NewTest(t, emulator.Options{Faults: emulator.Faults{RateLimit: 1.0 / 3600}})
	jdoe := s.SeedToken("jdoe")
	call(t, s, "GET", "/api/users/me", jdoe, "").want(t, http.StatusOK)
	r := call(t, s, "POST", "/api/bearertokens", jdoe, `{"Name":"x"}`).want(t, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q, want the default 1", r.Header.Get("Retry-After"))
	}
	if len(s.Tokens()) != 4 {
		t.Error("a rate-limited create minted a token")
	}
}

func TestMaxConcurrentAnswers503(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{})
	jdoe := s.SeedToken("jdoe")
	s.SetFaults(emulator.Faults{MaxConcurrent: 1, Latency: time.Hour})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL()+"/api/users/me", nil)
		req.Header.Set("Authorization", "Bearer "+jdoe)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}()
	// Wait until the first request holds the only slot.
	for s.SlotsHeld() != 1 {
		time.Sleep(time.Millisecond)
	}
	r := call(t, s, "GET", "/api/users/me", jdoe, "").want(t, http.StatusServiceUnavailable)
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	cancel()
	<-done
	for s.SlotsHeld() != 0 {
		time.Sleep(time.Millisecond)
	}
	s.SetFaults(emulator.Faults{MaxConcurrent: 1})
	call(t, s, "GET", "/api/users/me", jdoe, "").want(t, http.StatusOK)
}

func TestHTMLModeAnswersALoginPage(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{Faults: emulator.Faults{HTMLMode: true}})
	for _, p := range []string{"/api/users/me", "/api/bearertokens", "/nowhere"} {
		r := call(t, s, "GET", p, s.SeedToken("jdoe"), "")
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.Body), "<html") {
			t.Errorf("%s: %d %s %.40q", p, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
	}
	s.SetFaults(emulator.Faults{})
	call(t, s, "GET", "/api/users/me", s.SeedToken("jdoe"), "").want(t, http.StatusOK)
}

func TestDropAfterMintCommitsThenCloses(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{Faults: emulator.Faults{DropAfterMintNext: 2}})
	admin := s.SeedToken("admin")
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("POST", s.URL()+"/api/users/3/bearertokens", strings.NewReader(`{"Name":"dropped"}`))
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			t.Fatalf("create %d answered %d %s; want a dropped connection", i, resp.StatusCode, body)
		}
	}
	ct := call(t, s, "POST", "/api/users/3/bearertokens", admin, `{"Name":"answered"}`).created(t)

	var dropped, delivered int
	for _, ts := range s.Tokens() {
		switch {
		case ts.Name == "dropped" && !ts.Delivered && !ts.Revoked:
			dropped++
		case ts.TokenID == ct.TokenID && ts.Delivered:
			delivered++
		}
	}
	if dropped != 2 || delivered != 1 {
		t.Errorf("%d dropped and %d delivered tokens, want 2 and 1", dropped, delivered)
	}
	// The dropped tokens exist: an admin can find them and revoke them.
	list := call(t, s, "GET", "/api/users/3/bearertokens", admin, "").tokens(t)
	if len(list) != 4 {
		t.Errorf("jdoe has %d tokens, want seed + 2 dropped + 1", len(list))
	}
	if s.Faults().DropAfterMintNext != 0 {
		t.Errorf("DropAfterMintNext left at %d", s.Faults().DropAfterMintNext)
	}
	// Reads are never dropped.
	s.SetFaults(emulator.Faults{DropAfterMint: 1})
	call(t, s, "GET", "/api/bearertokens", admin, "").want(t, http.StatusOK)
}

func TestRequestCount(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{})
	jdoe := s.SeedToken("jdoe")
	call(t, s, "GET", "/api/users/me", jdoe, "")
	call(t, s, "GET", "/api/bearertokens", jdoe, "")
	call(t, s, "POST", "/api/bearertokens", jdoe, `{"Name":"x"}`)
	if n := s.RequestCount("GET", "/api/"); n != 2 {
		t.Errorf("GET /api/: %d", n)
	}
	if n := s.RequestCount("", "/api/bearertokens"); n != 2 {
		t.Errorf("any /api/bearertokens: %d", n)
	}
}

func TestResponseFaults(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{})
	jdoe := s.SeedToken("jdoe")

	s.SetFaults(emulator.Faults{BareJSON: true})
	r := call(t, s, "GET", "/api/users/me", jdoe, "")
	if r.Status != http.StatusOK || !strings.HasPrefix(string(r.Body), `{"UserID":3,`) {
		t.Errorf("bare: %d %s", r.Status, r.Body)
	}
	r = call(t, s, "GET", "/api/bearertokens", jdoe, "")
	if !strings.HasPrefix(string(r.Body), `[{"TokenID":100003,`) {
		t.Errorf("bare list: %s", r.Body)
	}
	// Errors keep their envelope.
	call(t, s, "GET", "/api/users/1", jdoe, "").want(t, http.StatusForbidden)

	s.SetFaults(emulator.Faults{EmptyBody: true})
	r = call(t, s, "GET", "/api/users/me", jdoe, "")
	if r.Status != http.StatusOK || len(r.Body) != 0 {
		t.Errorf("empty: %d %q", r.Status, r.Body)
	}

	// A truncated answer to a create: the token exists, the client cannot
	// read it.
	s.SetFaults(emulator.Faults{TruncateNext: 1})
	req, _ := http.NewRequest("POST", s.URL()+"/api/bearertokens", strings.NewReader(`{"Name":"cut"}`))
	req.Header.Set("Authorization", "Bearer "+jdoe)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
	}
	if err == nil {
		t.Error("a truncated answer was read without error")
	}
	if s.Faults().TruncateNext != 0 {
		t.Error("TruncateNext was not consumed")
	}
	found := false
	for _, tok := range s.Tokens() {
		found = found || tok.Name == "cut"
	}
	if !found {
		t.Error("the create whose answer was truncated minted nothing")
	}
	call(t, s, "GET", "/api/users/me", jdoe, "").want(t, http.StatusOK)
}

func TestNegativeRetryAfterSendsNone(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{})
	jdoe := s.SeedToken("jdoe")
	s.SetFaults(emulator.Faults{FailRate503: 1, RetryAfter: -1})
	r := call(t, s, "GET", "/api/users/me", jdoe, "").want(t, http.StatusServiceUnavailable)
	if v, ok := r.Header["Retry-After"]; ok {
		t.Errorf("Retry-After %q sent, want none", v)
	}
}
