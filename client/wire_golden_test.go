package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/wiretest"
)

// The client's side of the wire goldens (testdata/wire): each golden's
// answer is served to the client method that makes its request; the test
// checks the request the client sent and the values it decoded. The
// expected values are written here, apart from the goldens and from the
// emulator, so that a wrong JSON field name in client/types.go fails.

// sentRequest is what the client sent to the golden server.
type sentRequest struct {
	method, path string
	query        url.Values
	body         []byte
}

// goldenServer answers every request with the golden's answer and keeps
// the last request.
func goldenServer(t *testing.T, x wiretest.Exchange) (*httptest.Server, func() sentRequest) {
	t.Helper()
	var (
		mu   sync.Mutex
		last sentRequest
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		last = sentRequest{method: r.Method, path: r.URL.Path, query: r.URL.Query(), body: body}
		mu.Unlock()
		for k, v := range x.Headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(x.Status)
		_, _ = w.Write(x.Response)
	}))
	t.Cleanup(ts.Close)
	return ts, func() sentRequest {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}

func at(s string) client.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return client.Time{Time: t}
}

func atp(s string) *client.Time {
	t := at(s)
	return &t
}

// goldenSecret is the value in created_token.json.
const goldenSecret = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE4MDM0ODg0MDAsImlhdCI6MTc5NTcxMjQwMCwiaXNzIjoiaHR0cHM6Ly9pbnRyYW5ldC5leGFtcGxlLmNvbSIsImp0aSI6IjEwMDAwNSIsIm5hbWUiOiJjaS1kZXBsb3ktcHJvZCIsInN1YiI6IjMifQ.EJCvSEZU2u-39UD3PmGo3CGT7tKxXr0wCxp9aAfoqGk" //nolint:gosec // a JWT signed with a test key, for a site that does not exist

// goldenCaller is the token the client sends to the golden server, which
// ignores it.
const goldenCaller = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIzIn0.c2ln" //nolint:gosec // a JWT-shaped test value, not a credential

// goldenToken is the token of created_token.json, token.json and
// legacy_times.json.
var goldenToken = client.Token{
	TokenID: 100005, Name: "ci-deploy-prod", UserID: 3,
	DateCreated:    at("2026-11-26T17:00:00Z"),
	ExpirationDate: atp("2027-02-24T17:00:00Z"),
	Status:         client.StatusActive, CreatedByUserID: 3,
}

func usedGoldenToken() client.Token {
	t := goldenToken
	t.LastUsedDate = atp("2026-12-01T09:30:00Z")
	return t
}

// goldenCalls call, for each golden, the client method that makes its
// request, and return what it decoded (or its error) for the check.
var goldenCalls = map[string]struct {
	call func(ctx context.Context, c *client.Client) (any, error)
	want any // the decoded value; nil when the call must fail
	// fails checks the error of a golden whose answer is a failure.
	fails func(t *testing.T, err error)
}{
	"user": {
		call: func(ctx context.Context, c *client.Client) (any, error) { return c.Me(ctx) },
		want: &client.User{UserID: 3, UserName: "jdoe", DisplayName: "Jane Doe", Email: "jdoe@example.com"},
	},
	"policy": {
		call: func(ctx context.Context, c *client.Client) (any, error) { return c.Policy(ctx) },
		want: &client.Policy{SecurityLevel: "High", MaxExpirationMinutes: 525600, DefaultExpirationMinutes: 43200},
	},
	"created_token": {
		call: func(ctx context.Context, c *client.Client) (any, error) {
			minutes := int64(129600)
			return c.CreateToken(ctx, client.CreateTokenRequest{Name: "ci-deploy-prod", ExpiresInMinutes: &minutes})
		},
		want: &client.CreatedToken{Token: goldenToken, Secret: goldenSecret},
	},
	"token": {
		call: func(ctx context.Context, c *client.Client) (any, error) { return c.GetToken(ctx, 100005) },
		want: func() *client.Token { t := usedGoldenToken(); return &t }(),
	},
	"legacy_times": {
		call: func(ctx context.Context, c *client.Client) (any, error) { return c.GetToken(ctx, 100005) },
		want: func() *client.Token { t := usedGoldenToken(); return &t }(),
	},
	"token_list_page": {
		call: func(ctx context.Context, c *client.Client) (any, error) { return c.ListUserTokens(ctx, 3, 1, 2) },
		want: client.Page[client.Token]{
			Items: []client.Token{
				{TokenID: 100003, Name: "seed", UserID: 3, DateCreated: at("2026-11-26T16:00:00Z"), ExpirationDate: atp("2027-11-26T16:00:00Z"),
					CreatedByUserID: 3, Status: client.StatusActive},
				{TokenID: 100005, Name: "support-session", UserID: 3, DateCreated: at("2026-11-26T17:00:00Z"),
					IsImpersonation: true, CreatedByUserID: 1, Status: client.StatusActive},
			},
			TotalRecords: 3, StartPage: 1, PageSize: 2,
		},
	},
	"error_not_found": {
		call: func(ctx context.Context, c *client.Client) (any, error) { return c.GetToken(ctx, 999999) },
		fails: func(t *testing.T, err error) {
			var e *client.Error
			if !errors.As(err, &e) || e.Kind != client.KindNotFound || e.Status != 404 || e.ServerMessage != "no token with ID 999999" || e.Code != "NotFound" {
				t.Errorf("error %#v, want a 404 NotFound with the server's message and code", err)
			}
		},
	},
	"rate_limited": {
		call: func(ctx context.Context, c *client.Client) (any, error) { return c.Me(ctx) },
		fails: func(t *testing.T, err error) {
			var e *client.Error
			if !errors.As(err, &e) || e.Kind != client.KindRateLimited || e.Status != 429 || e.RetryAfter != time.Second ||
				e.Code != "TooManyRequests" || !strings.Contains(e.ServerMessage, "rate limit exceeded") {
				t.Errorf("error %#v, want a 429 with Retry-After 1s and the server's message", err)
			}
		},
	},
}

// TestClientDecodesTheWireGoldens holds the client's decoding to the
// contract, and its requests too: the method, the default path, the query
// and, for a create, the body, field for field.
func TestClientDecodesTheWireGoldens(t *testing.T) {
	for _, name := range wiretest.Names(t) {
		x := wiretest.Load(t, name)
		gc, ok := goldenCalls[name]
		if !ok {
			t.Errorf("testdata/wire/%s.json has no call here: every golden must be checked by the client", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			ts, sent := goldenServer(t, x)
			c, err := client.New(client.Config{BaseURL: ts.URL, Token: goldenCaller, Transport: ts.Client().Transport, MaxRetries: -1})
			if err != nil {
				t.Fatal(err)
			}
			got, err := gc.call(t.Context(), c)
			switch {
			case gc.fails != nil:
				if err == nil {
					t.Fatalf("the call succeeded with %+v; want it to fail", got)
				}
				gc.fails(t, err)
			case err != nil:
				t.Fatalf("the call failed: %v", err)
			case !reflect.DeepEqual(got, gc.want):
				t.Errorf("decoded\n %+v\nwant\n %+v", deref(got), deref(gc.want))
			}
			checkSentRequest(t, x.Request, sent())
		})
	}
}

// checkSentRequest compares the client's request with the golden's.
func checkSentRequest(t *testing.T, want wiretest.Request, got sentRequest) {
	t.Helper()
	wantURL, err := url.Parse(want.Path)
	if err != nil {
		t.Fatal(err)
	}
	if got.method != want.Method || got.path != wantURL.Path {
		t.Errorf("sent %s %s, want %s %s", got.method, got.path, want.Method, wantURL.Path)
	}
	if !reflect.DeepEqual(got.query, wantURL.Query()) {
		t.Errorf("sent the query %v, want %v", got.query, wantURL.Query())
	}
	if len(want.Body) == 0 {
		if len(got.body) != 0 {
			t.Errorf("sent a body %s, want none", got.body)
		}
		return
	}
	for _, d := range wiretest.Diff(want.Body, got.body) {
		t.Errorf("request body: %s", d)
	}
}

func deref(v any) any {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return rv.Elem().Interface()
	}
	return v
}
