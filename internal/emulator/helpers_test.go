package emulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
)

// reply is a decoded answer.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
	Env    struct {
		IsError      bool
		ErrorMessage string
		ErrorCode    string
		ResponseData json.RawMessage
		TotalRecords *int
	}
}

// call sends one request with a bearer token ("" for none).
func call(t *testing.T, s *emulator.Server, method, path, token, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	r := reply{Status: resp.StatusCode, Header: resp.Header}
	r.Body, _ = io.ReadAll(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && bytes.HasPrefix(r.Body, []byte("{")) {
		if err := json.Unmarshal(r.Body, &r.Env); err != nil {
			t.Fatalf("%s %s: invalid JSON %q: %v", method, path, r.Body, err)
		}
	}
	return r
}

// want checks the status, and for errors the envelope.
func (r reply) want(t *testing.T, status int) reply {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	if status >= 400 {
		if !r.Env.IsError || r.Env.ErrorMessage == "" || r.Env.ErrorCode == "" {
			t.Fatalf("error answer without IsError, ErrorMessage and ErrorCode: %s", r.Body)
		}
	} else if r.Env.IsError {
		t.Fatalf("success answer with IsError: %s", r.Body)
	}
	return r
}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Env.ResponseData, v); err != nil {
		t.Fatalf("ResponseData %s: %v", r.Env.ResponseData, err)
	}
}

func (r reply) created(t *testing.T) client.CreatedToken {
	t.Helper()
	r.want(t, http.StatusCreated)
	var ct client.CreatedToken
	r.decode(t, &ct)
	if ct.Secret == "" || ct.TokenID == 0 {
		t.Fatalf("created token without value or ID: %s", r.Body)
	}
	return ct
}

func (r reply) tokens(t *testing.T) []client.Token {
	t.Helper()
	r.want(t, http.StatusOK)
	var list []client.Token
	r.decode(t, &list)
	if r.Env.TotalRecords == nil {
		t.Fatalf("list without TotalRecords: %s", r.Body)
	}
	return list
}

func ids(list []client.Token) []int64 {
	out := []int64{}
	for _, t := range list {
		out = append(out, t.TokenID)
	}
	return out
}

func containsID(list []client.Token, id int64) bool {
	for _, t := range list {
		if t.TokenID == id {
			return true
		}
	}
	return false
}

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func jsonBody(v any) string {
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(v)
	return b.String()
}
