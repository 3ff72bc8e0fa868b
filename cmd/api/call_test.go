package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/axero-cli/axero/cmd/root"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/iostreams"
)

// testToken is not a real JWT; tests check it never reaches the output.
const testToken = "test-secret-token-value"

// seen is what the fake server received.
type seen struct {
	Method, Path, Query, ContentType, Auth, Trace string
	Body                                          string
}

// callServer runs handler on loopback and records each request.
func callServer(t *testing.T, handler http.HandlerFunc) (string, *[]seen) {
	t.Helper()
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			ContentType: r.Header.Get("Content-Type"), Auth: r.Header.Get("Authorization"),
			Trace: r.Header.Get("X-Trace"), Body: string(b),
		})
		mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &got
}

func jsonReply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body) //nolint:gosec // a test server; some tests make it echo what it was sent
}

type callResult struct {
	Out, Err string
	Code     int
}

// runCall runs `axero <args>` against site with the test token, stdout a
// terminal or not.
func runCall(t *testing.T, site string, tty bool, stdin string, args ...string) callResult {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	ios.SetStdoutTTY(tty)
	env := map[string]string{"AXERO_URL": site, "AXERO_TOKEN": testToken, "AXERO_CONFIG_DIR": t.TempDir()}
	f := cmdutil.New("test")
	f.IO = ios
	f.Getenv = func(k string) string { return env[k] }
	code := root.Execute(context.Background(), f, args)
	r := callResult{Out: out.String(), Err: errOut.String(), Code: code}
	if strings.Contains(r.Out+r.Err, testToken) {
		t.Errorf("the token leaked into the output:\n%s\n%s", r.Out, r.Err)
	}
	return r
}

func TestCallGetUnwrapsEnvelope(t *testing.T) {
	t.Parallel()
	site, got := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, `{"IsError":false,"ResponseData":{"UserID":42,"UserName":"jdoe"}}`)
	})
	for _, path := range []string{"users/me", "/api/users/me", site + "/api/users/me"} {
		r := runCall(t, site, false, "", "call", path)
		if r.Code != 0 || r.Out != `{"UserID":42,"UserName":"jdoe"}`+"\n" {
			t.Errorf("%s: exit %d, out %q, err %q", path, r.Code, r.Out, r.Err)
		}
	}
	for _, s := range *got {
		if s.Method != "GET" || s.Path != "/api/users/me" || s.Auth != "Bearer "+testToken {
			t.Errorf("server saw %+v", s)
		}
	}
}

func TestCallPrettyOnTerminal(t *testing.T) {
	t.Parallel()
	site, _ := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, `{"IsError":false,"ResponseData":{"UserID":42}}`)
	})
	r := runCall(t, site, true, "", "call", "users/me")
	if r.Out != "{\n  \"UserID\": 42\n}\n" {
		t.Errorf("got %q", r.Out)
	}
}

func TestCallRawPrintsBodyAsReceived(t *testing.T) {
	t.Parallel()
	body := `{"IsError": false, "ResponseData": {"UserID": 42}}`
	site, _ := callServer(t, func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, body) })
	r := runCall(t, site, false, "", "call", "--raw", "users/me")
	if r.Out != body {
		t.Errorf("piped: got %q, want %q", r.Out, body)
	}
	r = runCall(t, site, true, "", "call", "--raw", "users/me")
	want := "{\n  \"IsError\": false,\n  \"ResponseData\": {\n    \"UserID\": 42\n  }\n}\n"
	if r.Out != want {
		t.Errorf("terminal: got %q, want %q", r.Out, want)
	}
}

func TestCallBareAndNonJSONBodies(t *testing.T) {
	t.Parallel()
	site, _ := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/bare":
			jsonReply(w, 200, `{"UserID": 1}`)
		case "/api/text":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "pong")
		case "/api/empty":
			jsonReply(w, 200, `{"IsError":false}`)
		}
	})
	if r := runCall(t, site, false, "", "call", "bare"); r.Out != `{"UserID":1}`+"\n" {
		t.Errorf("bare: %q", r.Out)
	}
	if r := runCall(t, site, false, "", "call", "text"); r.Out != "pong\n" || r.Code != 0 {
		t.Errorf("text: %q %d", r.Out, r.Code)
	}
	if r := runCall(t, site, false, "", "call", "DELETE", "empty"); r.Out != "" || r.Code != 0 {
		t.Errorf("envelope without data: %q %d", r.Out, r.Code)
	}
}

func TestCallFieldsBecomeJSONBody(t *testing.T) {
	t.Parallel()
	site, got := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 201, `{"IsError":false,"ResponseData":{"TokenID":5}}`)
	})
	r := runCall(t, site, false, "", "call", "bearertokens", "-f", "Name=ci", "-F", "ExpiresInMinutes=60", "-H", "X-Trace: t1")
	if r.Code != 0 || r.Out != `{"TokenID":5}`+"\n" {
		t.Fatalf("exit %d, out %q, err %q", r.Code, r.Out, r.Err)
	}
	s := (*got)[0]
	if s.Method != "POST" || s.Body != `{"Name":"ci","ExpiresInMinutes":60}` || s.ContentType != "application/json" || s.Trace != "t1" {
		t.Errorf("server saw %+v", s)
	}
}

func TestCallFieldsOnGetBecomeQuery(t *testing.T) {
	t.Parallel()
	site, got := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, `{"IsError":false,"ResponseData":[]}`)
	})
	r := runCall(t, site, false, "", "call", "-X", "GET", "users", "-f", "Email=j@example.com", "-F", "PageSize=5")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Err)
	}
	s := (*got)[0]
	if s.Method != "GET" || s.Query != "Email=j%40example.com&PageSize=5" || s.Body != "" {
		t.Errorf("server saw %+v", s)
	}
}

func TestCallInputSendsBodyAsIs(t *testing.T) {
	t.Parallel()
	site, got := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, `{"IsError":false,"ResponseData":{}}`)
	})
	body := `{"Name": "renamed"}`
	r := runCall(t, site, false, body, "call", "PUT", "bearertokens/7", "--input", "-", "-f", "dry=1")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Err)
	}
	s := (*got)[0]
	if s.Method != "PUT" || s.Body != body || s.Query != "dry=1" || s.ContentType != "application/json" {
		t.Errorf("server saw %+v", s)
	}
}

func TestCallIncludePrintsStatusAndHeaders(t *testing.T) {
	t.Parallel()
	site, _ := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "abc")
		jsonReply(w, 200, `{"IsError":false,"ResponseData":1}`)
	})
	r := runCall(t, site, false, "", "call", "-i", "users/me")
	if !strings.HasPrefix(r.Out, "HTTP/1.1 200 OK\n") || !strings.Contains(r.Out, "X-Request-Id: abc\n") || !strings.HasSuffix(r.Out, "\n\n1\n") {
		t.Errorf("got %q", r.Out)
	}
}

func TestCallJQ(t *testing.T) {
	t.Parallel()
	site, _ := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, `{"IsError":false,"ResponseData":{"UserID":42,"UserName":"jdoe"}}`)
	})
	if r := runCall(t, site, false, "", "call", "users/me", "--jq", ".UserName"); r.Out != "jdoe\n" {
		t.Errorf("jq over payload: %q %s", r.Out, r.Err)
	}
	if r := runCall(t, site, false, "", "call", "--raw", "users/me", "--jq", ".ResponseData.UserID"); r.Out != "42\n" {
		t.Errorf("jq over raw body: %q %s", r.Out, r.Err)
	}
	r := runCall(t, site, false, "", "call", "users/me", "--jq", ".[")
	if r.Code != cmdutil.ExitUsage || !strings.Contains(r.Err, "invalid --jq expression") {
		t.Errorf("want a usage error about --jq, got exit %d: %q", r.Code, r.Err)
	}
}

func TestCallExitCodesByStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status  int
		code    int
		wantErr string
	}{
		{401, 3, "axero: 401 Unauthorized: token revoked (the token is missing"},
		{403, 3, "axero: 403 Forbidden: token revoked (your role lacks"},
		{404, 4, "axero: 404 Not Found: token revoked\n"},
		{400, 1, "axero: 400 Bad Request: token revoked\n"},
		{500, 1, "axero: 500 Internal Server Error: token revoked\n"},
	}
	for _, tt := range tests {
		site, _ := callServer(t, func(w http.ResponseWriter, r *http.Request) {
			jsonReply(w, tt.status, `{"IsError":true,"ErrorMessage":"token\nrevoked","ErrorCode":"X"}`)
		})
		r := runCall(t, site, false, "", "call", "bearertokens/9", "--jq", ".x")
		if r.Code != tt.code || !strings.HasPrefix(r.Err, tt.wantErr) {
			t.Errorf("%d: exit %d, stderr %q", tt.status, r.Code, r.Err)
		}
		if strings.Count(r.Err, "\n") != 1 {
			t.Errorf("%d: stderr is not one line: %q", tt.status, r.Err)
		}
		if !strings.Contains(r.Out, `"IsError":true`) {
			t.Errorf("%d: the error body is not on stdout: %q", tt.status, r.Out)
		}
	}
}

func TestCallHTMLPage(t *testing.T) {
	t.Parallel()
	site, _ := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<!DOCTYPE html><html><body>Sign in</body></html>")
	})
	r := runCall(t, site, false, "", "call", "users/me")
	if r.Code != 1 || !strings.Contains(r.Err, "the server answered with an HTML page; is the site URL right?") || r.Out != "" {
		t.Errorf("exit %d, out %q, err %q", r.Code, r.Out, r.Err)
	}
}

func TestCallTruncatedJSON(t *testing.T) {
	t.Parallel()
	site, _ := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, `{"IsError":false,"ResponseData":{"UserID":4`)
	})
	r := runCall(t, site, false, "", "call", "users/me")
	if r.Code != 1 || !strings.Contains(r.Err, "truncated or invalid JSON") {
		t.Errorf("exit %d, out %q, err %q", r.Code, r.Out, r.Err)
	}
	if !strings.Contains(r.Out, `"UserID":4`) {
		t.Errorf("the partial body is not on stdout: %q", r.Out)
	}
}

func TestCallPaginateMergesPages(t *testing.T) {
	t.Parallel()
	const total = 250
	site, got := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("StartPage"))
		size, _ := strconv.Atoi(r.URL.Query().Get("PageSize"))
		var items []string
		for i := (page-1)*size + 1; i <= page*size && i <= total; i++ {
			items = append(items, fmt.Sprintf(`{"TokenID":%d}`, i))
		}
		jsonReply(w, 200, fmt.Sprintf(`{"IsError":false,"ResponseData":[%s],"TotalRecords":%d}`, strings.Join(items, ","), total))
	})
	r := runCall(t, site, false, "", "call", "bearertokens?PageSize=5", "--paginate")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Err)
	}
	var merged []struct{ TokenID int }
	if err := json.Unmarshal([]byte(r.Out), &merged); err != nil {
		t.Fatalf("not one JSON array: %v: %q", err, r.Out)
	}
	if len(merged) != total || merged[0].TokenID != 1 || merged[total-1].TokenID != total {
		t.Errorf("got %d records", len(merged))
	}
	if len(*got) != 3 {
		t.Errorf("want 3 page requests, got %d", len(*got))
	}
	for i, s := range *got {
		if want := fmt.Sprintf("StartPage=%d&PageSize=100", i+1); s.Query != want {
			t.Errorf("page %d query %q, want %q", i+1, s.Query, want)
		}
	}
	r = runCall(t, site, false, "", "call", "bearertokens", "--paginate", "--jq", "length")
	if r.Out != "250\n" {
		t.Errorf("jq over merged pages: %q", r.Out)
	}
}

func TestCallPaginateStopsOnError(t *testing.T) {
	t.Parallel()
	site, _ := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("StartPage") == "2" {
			jsonReply(w, 503, `{"IsError":true,"ErrorMessage":"busy"}`)
			return
		}
		items := strings.Repeat(`{"a":1},`, 99) + `{"a":1}`
		jsonReply(w, 200, `{"IsError":false,"ResponseData":[`+items+`],"TotalRecords":300}`)
	})
	r := runCall(t, site, false, "", "call", "bearertokens", "--paginate", "--timeout", "5s")
	if r.Code != 1 || !strings.Contains(r.Err, "503") {
		t.Errorf("exit %d, err %q", r.Code, r.Err)
	}
}

func TestCallUsageErrors(t *testing.T) {
	t.Parallel()
	site, got := callServer(t, func(w http.ResponseWriter, r *http.Request) { jsonReply(w, 200, `{}`) })
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"call"}, "call needs [METHOD] PATH: missing PATH"},
		{[]string{"call", "POST", "bearertokens", "--paginate"}, "--paginate works only with GET"},
		{[]string{"call", "users/me", "-H", "Authorization: Bearer x"}, "-H Authorization is not allowed"},
		{[]string{"call", "https://elsewhere.example.com/api/users/me"}, "refusing to send the token there"},
		{[]string{"call", "users/me", "--input", "/nonexistent/body.json"}, "--input /nonexistent/body.json"},
	}
	for _, tt := range tests {
		r := runCall(t, site, false, "", tt.args...)
		if r.Code != 2 || !strings.Contains(r.Err, tt.want) {
			t.Errorf("%q: exit %d, err %q", tt.args, r.Code, r.Err)
		}
	}
	if len(*got) != 0 {
		t.Errorf("a usage error still sent %d requests", len(*got))
	}
}

func TestCallBodyOnStdoutOnlyForData(t *testing.T) {
	t.Parallel()
	site, _ := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 201, `{"IsError":false,"ResponseData":{"TokenID":1,"Token":"eyJh.secret.value"}}`)
	})
	r := runCall(t, site, false, "", "call", "POST", "bearertokens", "-f", "Name=x")
	if !strings.Contains(r.Out, "eyJh.secret.value") || strings.Contains(r.Err, "secret") {
		t.Errorf("out %q, err %q", r.Out, r.Err)
	}
}
