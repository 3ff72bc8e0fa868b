package emulator_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/emulator"
)

func TestStateFileKeepsUsersAndTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := emulator.Start(emulator.Options{Users: 5, StateFile: path, RecordSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	jdoeSeed := s.SeedToken("jdoe")
	ct := call(t, s, "POST", "/api/bearertokens", jdoeSeed, `{"Name":"kept"}`).created(t)
	gone := call(t, s, "POST", "/api/bearertokens", jdoeSeed, `{"Name":"gone"}`).created(t)
	call(t, s, "DELETE", "/api/bearertokens/"+itoa(gone.TokenID), jdoeSeed, "").want(t, http.StatusOK)

	// The file is private and holds hashes, never values.
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", info.Mode().Perm())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if !strings.Contains(string(data), `"Name":"kept"`) {
		t.Fatal("the state file lacks the token created before Close")
	}
	for _, secret := range s.Secrets() {
		if strings.Contains(string(data), secret) || strings.Contains(string(data), secret[strings.LastIndex(secret, ".")+1:]) {
			t.Fatal("the state file holds a token value")
		}
	}

	s2, err := emulator.Start(emulator.Options{Users: 7, StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s2.Close() }()
	if s2.SeedTokensMinted() || s2.SeedToken("jdoe") != "" {
		t.Error("a restarted server minted seed tokens again")
	}
	// Old values still work: the server finds them by hash.
	call(t, s2, "GET", "/api/users/me", ct.Secret, "").want(t, http.StatusOK)
	call(t, s2, "GET", "/api/users/me", gone.Secret, "").want(t, http.StatusUnauthorized)
	list := call(t, s2, "GET", "/api/bearertokens", jdoeSeed, "").tokens(t)
	if len(list) != 2 || list[1].Name != "kept" {
		t.Errorf("after restart jdoe has %v", ids(list))
	}
	// Users grow to the new count; IDs continue where they stopped.
	if n := len(s2.Users()); n != 4+7 {
		t.Errorf("%d users after restart, want 11", n)
	}
	next := call(t, s2, "POST", "/api/bearertokens", jdoeSeed, `{"Name":"next"}`).created(t)
	if next.TokenID != gone.TokenID+1 {
		t.Errorf("next TokenID %d, want %d", next.TokenID, gone.TokenID+1)
	}
	if len(s2.Tokens()) != 7 {
		t.Errorf("%d tokens ever, want 7 (revoked ones kept)", len(s2.Tokens()))
	}
}

func TestStateFileThatIsNotOneIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := emulator.Start(emulator.Options{StateFile: path}); err == nil {
		t.Fatal("Start accepted a corrupt state file")
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:80", "example.com:80"} {
		if _, err := emulator.Start(emulator.Options{Addr: addr}); err == nil {
			t.Errorf("Start listened on %s", addr)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		s, err := emulator.Start(emulator.Options{Addr: addr})
		if err != nil {
			t.Errorf("%s: %v", addr, err)
			continue
		}
		_ = s.Close()
	}
}

func TestServedByHTTPTestUsesTheRequestHost(t *testing.T) {
	s := emulator.New(emulator.Options{})
	hs := httptest.NewServer(s)
	defer hs.Close()
	req, _ := http.NewRequest("POST", hs.URL+"/api/bearertokens", strings.NewReader(`{"Name":"x"}`))
	req.Header.Set("Authorization", "Bearer "+s.SeedToken("jdoe"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var env struct{ ResponseData struct{ Token string } }
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d, %v", resp.StatusCode, err)
	}
	if iss := parseClaims(t, env.ResponseData.Token)["iss"]; iss != hs.URL || s.URL() != hs.URL {
		t.Errorf("iss %v, URL %q, want %q", iss, s.URL(), hs.URL)
	}
}
