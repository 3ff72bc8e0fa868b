package vaultemu

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/emulator/sinkemu"
)

const tok = "hvs.emulatorTest0123" //nolint:gosec // test fixture, not a credential

func call(t *testing.T, s *Server, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, s.URL()+path, strings.NewReader(body))
	req.Header.Set("X-Vault-Token", tok)
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
	s.AddToken(tok, "", Policy{"secret/data/app/*": {"create", "read", "update"}, "secret/data/app/locked": {"deny"}, "secret/metadata/app/*": {"read"}})

	for _, tc := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/v1/secret/data/app/x", "", 404, `{"errors":[]}`},
		{"PUT", "/v1/secret/data/app/x", `{"options":{"cas":1},"data":{"a":"1"}}`, 400, `{"errors":["check-and-set parameter did not match the current version"]}`},
		{"POST", "/v1/secret/data/app/x", `{"options":{"cas":0},"data":{"a":"1"}}`, 200, `"version":1`},
		{"POST", "/v1/secret/data/app/x", `{"options":{"cas":0},"data":{"a":"2"}}`, 400, "check-and-set parameter did not match"},
		{"PUT", "/v1/secret/data/app/x", `{"options":{"cas":1},"data":{"a":"2","n":3}}`, 200, `"version":2`},
		{"GET", "/v1/secret/data/app/x", "", 200, `"data":{"a":"2","n":3}`},
		{"GET", "/v1/secret/metadata/app/x", "", 200, `"current_version":2`},
		{"PUT", "/v1/secret/data/app/x", `{"options":{}}`, 400, `{"errors":["no data provided"]}`},
		{"GET", "/v1/secret/data/app/locked", "", 403, `{"errors":["permission denied"]}`},
		{"GET", "/v1/secret/data/other", "", 403, `{"errors":["permission denied"]}`},
		{"POST", "/v1/sys/capabilities-self", `{"paths":["secret/data/app/x"]}`, 200, `"capabilities":["create","read","update"]`},
		{"POST", "/v1/sys/capabilities-self", `{"paths":["secret/data/app/locked","secret/data/zzz"]}`, 200, `"secret/data/app/locked":["deny"]`},
		{"GET", "/v1/sys/internal/ui/mounts/secret", "", 200, `"options":{"version":"2"}`},
	} {
		status, body := call(t, s, tc.method, tc.path, tc.body)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s %s: %d %s; want %d with %s", tc.method, tc.path, tc.body, status, body, tc.status, tc.want)
		}
	}
	// A deleted latest version answers 404 with its metadata.
	s.DeleteLatest("", "secret", "app/x")
	if status, body := call(t, s, "GET", "/v1/secret/data/app/x", ""); status != 404 || !strings.Contains(body, `"version":2`) || !strings.Contains(body, `"data":null`) {
		t.Errorf("deleted: %d %s", status, body)
	}
	// A namespace is separate, and a token belongs to one.
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL()+"/v1/secret/data/app/x", nil)
	req.Header.Set("X-Vault-Token", tok)
	req.Header.Set("X-Vault-Namespace", "team")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 403 {
		t.Errorf("other namespace: %v %v", resp, err)
	} else {
		_ = resp.Body.Close()
	}
}

// RefuseWrites refuses the writes to some entries while capabilities-self
// still grants them, as a Sentinel policy does.
func TestRefuseWrites(t *testing.T) {
	t.Parallel()
	s, err := Start(sinkemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	s.AddToken(tok, "", Policy{"secret/data/*": {"create", "read", "update"}})
	s.RefuseWrites("secret/app/x")
	if status, body := call(t, s, "POST", "/v1/sys/capabilities-self", `{"paths":["secret/data/app/x"]}`); status != 200 || !strings.Contains(body, `"create","read","update"`) {
		t.Fatalf("capabilities-self: %d %s", status, body)
	}
	if status, body := call(t, s, "POST", "/v1/secret/data/app/x", `{"options":{"cas":0},"data":{"a":"1"}}`); status != 403 || !strings.Contains(body, "permission denied") {
		t.Fatalf("a refused write: %d %s", status, body)
	}
	if status, _ := call(t, s, "POST", "/v1/secret/data/app/y", `{"options":{"cas":0},"data":{"a":"1"}}`); status != 200 {
		t.Fatalf("another entry: %d", status)
	}
	s.RefuseWrites()
	if status, _ := call(t, s, "POST", "/v1/secret/data/app/x", `{"options":{"cas":0},"data":{"a":"1"}}`); status != 200 {
		t.Fatalf("after clearing: %d", status)
	}
}
