package gitlabemu

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/emulator/sinkemu"
)

const tok = "glpat-emulatorTest0123" //nolint:gosec // test fixture, not a credential

func call(t *testing.T, s *Server, method, path, contentType, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, s.APIURL()+path, strings.NewReader(body))
	req.Header.Set("PRIVATE-TOKEN", tok)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func TestWireShapes(t *testing.T) {
	t.Parallel()
	s, err := Start(sinkemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	s.AddProject(7, "acme/app")
	uid := s.AddUser(tok, "maint", false)
	s.AddMember("projects", "acme/app", uid, Maintainer)
	const jsonCT = "application/json"

	for _, tc := range []struct {
		method, path, ct, body string
		status                 int
		want                   string
	}{
		{"POST", "/projects/acme%2Fapp/variables", jsonCT, `{"key":"A","value":"plain"}`, 201, `"value":"plain"`},
		{"POST", "/projects/7/variables", jsonCT, `{"key":"A","value":"plain"}`, 400, `{"message":{"key":["(A) has already been taken"]}}`},
		{"POST", "/projects/7/variables", "", `{"key":"B","value":"x"}`, 400, `{"error":"key is missing"}`},
		{"POST", "/projects/7/variables", "application/x-www-form-urlencoded", `key=B&value=formvalue1`, 201, `"key":"B"`},
		{"POST", "/projects/7/variables", jsonCT, `{"key":"C","value":"short","masked":true}`, 400, `{"message":{"value":["is invalid"]}}`},
		{"POST", "/projects/7/variables", jsonCT, `{"key":"bad-key","value":"x"}`, 400, `"key":["can contain only letters, digits and '_'."]`},
		{"POST", "/projects/7/variables", jsonCT, `{"key":"H","value":"hidden-value-1","masked_and_hidden":true}`, 201, `"hidden":true`},
		{"GET", "/projects/7/variables/H", "", "", 200, `"value":null`},
		{"PUT", "/projects/7/variables/H", jsonCT, `{"masked":false}`, 400, `"masked"`},
		{"POST", "/projects/7/variables", jsonCT, `{"key":"A","value":"scoped","environment_scope":"prod"}`, 201, `"environment_scope":"prod"`},
		{"GET", "/projects/7/variables/A", "", "", 409, "filter[environment_scope]"},
		{"GET", "/projects/7/variables/A?filter%5Benvironment_scope%5D=prod", "", "", 200, `"value":"scoped"`},
		{"PUT", "/projects/7/variables/NOPE", jsonCT, `{"value":"x"}`, 404, `{"message":"404 Variable Not Found"}`},
		{"GET", "/projects/acme/app/variables", "", "", 404, "404"},
		{"GET", "/projects/99", "", "", 404, `{"message":"404 Project Not Found"}`},
		{"GET", "/projects/7/members/all/" + jsonNumber(uid), "", "", 200, `"access_level":40`},
	} {
		status, body := call(t, s, tc.method, tc.path, tc.ct, tc.body)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s %s: %d %s; want %d with %s", tc.method, tc.path, tc.body, status, body, tc.status, tc.want)
		}
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.APIURL()+"/user", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 401 {
		t.Errorf("no token: %v %v", resp, err)
	} else {
		_ = resp.Body.Close()
	}
}

func jsonNumber(n int) string { b, _ := json.Marshal(n); return string(b) }
