package githubemu

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/nacl/box"
)

const tok = "ghp_emulatorTest0123" //nolint:gosec // test fixture, not a credential

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func call(t *testing.T, s *Server, method, path string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, s.APIURL()+path, rd)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	a := answer{status: resp.StatusCode, header: resp.Header}
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &a.body)
	return a
}

func sealTo(t *testing.T, a answer, plain string) (string, string) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(a.body["key"].(string))
	if err != nil || len(raw) != 32 {
		t.Fatalf("public key %v", a.body)
	}
	var pub [32]byte
	copy(pub[:], raw)
	sealed, err := box.SealAnonymous(nil, []byte(plain), &pub, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sealed), a.body["key_id"].(string)
}

func TestWireShapes(t *testing.T) {
	t.Parallel()
	s, err := Start(Options{PathPrefix: "/api/v3"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	s.AddRepo("acme", "app")
	s.AddOrg("acme")
	s.AddToken(tok, Token{Scopes: []string{"repo", "admin:org"}})

	key := call(t, s, "GET", "/repos/acme/app/actions/secrets/public-key", nil)
	if key.status != 200 || key.header.Get("X-OAuth-Scopes") != "repo, admin:org" {
		t.Fatalf("public key: %+v", key)
	}
	sealed, id := sealTo(t, key, "v1")
	if a := call(t, s, "PUT", "/repos/acme/app/actions/secrets/my_secret", map[string]string{"encrypted_value": sealed, "key_id": id}); a.status != 201 {
		t.Fatalf("create: %+v", a)
	}
	if a := call(t, s, "PUT", "/repos/acme/app/actions/secrets/MY_SECRET", map[string]string{"encrypted_value": sealed, "key_id": id}); a.status != 204 {
		t.Fatalf("update: %+v", a)
	}
	meta := call(t, s, "GET", "/repos/acme/app/actions/secrets/my_secret", nil)
	if meta.status != 200 || meta.body["name"] != "MY_SECRET" || meta.body["updated_at"] == nil || meta.body["value"] != nil {
		t.Fatalf("metadata: %+v", meta)
	}
	for _, tc := range []struct {
		path string
		body map[string]any
		want string
	}{
		{"/repos/acme/app/actions/secrets/GITHUB_X", map[string]any{"encrypted_value": sealed, "key_id": id}, "must not start with GITHUB_"},
		{"/repos/acme/app/actions/secrets/9X", map[string]any{"encrypted_value": sealed, "key_id": id}, "Must start with a letter"},
		{"/repos/acme/app/actions/secrets/X", map[string]any{"encrypted_value": sealed, "key_id": "1"}, "key_id does not match"},
		{"/repos/acme/app/actions/secrets/X", map[string]any{"key_id": id}, `"encrypted_value" wasn't supplied`},
		{"/repos/acme/app/actions/secrets/X", map[string]any{"encrypted_value": base64.StdEncoding.EncodeToString([]byte("not sealed")), "key_id": id}, "could not be decrypted"},
	} {
		a := call(t, s, "PUT", tc.path, tc.body)
		if a.status != 422 || !strings.Contains(a.body["message"].(string), tc.want) || a.body["documentation_url"] == nil {
			t.Errorf("PUT %s: %+v, want 422 with %q", tc.path, a, tc.want)
		}
	}
	orgKey := call(t, s, "GET", "/orgs/acme/actions/secrets/public-key", nil)
	sealed, id = sealTo(t, orgKey, "org")
	if a := call(t, s, "PUT", "/orgs/acme/actions/secrets/ORG_X", map[string]string{"encrypted_value": sealed, "key_id": id}); a.status != 422 || !strings.Contains(a.body["message"].(string), `"visibility" wasn't supplied`) {
		t.Errorf("org without visibility: %+v", a)
	}
	if a := call(t, s, "GET", "/repos/acme/missing/actions/secrets/public-key", nil); a.status != 404 || a.body["message"] != "Not Found" {
		t.Errorf("missing repository: %+v", a)
	}
	// Without the prefix of an Enterprise Server there is nothing.
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL()+"/repos/acme/app/actions/secrets/public-key", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 404 {
		t.Errorf("outside /api/v3: %v %v", resp, err)
	} else {
		_ = resp.Body.Close()
	}
}
