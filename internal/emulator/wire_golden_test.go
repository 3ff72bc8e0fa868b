package emulator_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/wiretest"
)

// goldenSite is the emulator the wire goldens describe: its site URL, its
// clock at the start (the seed tokens are minted then) and at the request.
const goldenSite = "https://intranet.example.com"

var (
	goldenStart   = time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC)
	goldenRequest = time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
)

// goldenEmulator is an emulator prepared for one golden, served on
// loopback.
type goldenEmulator struct {
	srv   *emulator.Server
	url   string
	clock *clock
}

// send makes one request as a seeded user ("" for none) and returns the
// status, the headers and the body.
func (g goldenEmulator) send(t *testing.T, method, path, as string, body []byte, token string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, g.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token == "" && as != "" {
		token = g.srv.SeedToken(as)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}

// goldenSetups prepare the emulator for each golden, with the clock at the
// request's time when they return. Every golden the emulator sends has an
// entry; the ones only the client checks have none.
var goldenSetups = map[string]func(t *testing.T, g goldenEmulator){
	"user":            func(*testing.T, goldenEmulator) {},
	"policy":          func(*testing.T, goldenEmulator) {},
	"created_token":   func(*testing.T, goldenEmulator) {},
	"error_not_found": func(*testing.T, goldenEmulator) {},
	"token": func(t *testing.T, g goldenEmulator) {
		status, _, body := g.send(t, "POST", "/api/bearertokens", "jdoe", []byte(`{"Name": "ci-deploy-prod", "ExpiresInMinutes": 129600}`), "")
		var created struct{ ResponseData struct{ Token string } }
		if status != http.StatusCreated || json.Unmarshal(body, &created) != nil {
			t.Fatalf("setup create: %d %s", status, body)
		}
		g.clock.Set(time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC))
		if status, _, body := g.send(t, "GET", "/api/users/me", "", nil, created.ResponseData.Token); status != http.StatusOK {
			t.Fatalf("setup use: %d %s", status, body)
		}
	},
	"token_list_page": func(t *testing.T, g goldenEmulator) {
		if _, err := g.srv.MintToken(emulator.JDoeID, "support-session", nil, emulator.AdminID); err != nil {
			t.Fatal(err)
		}
		exp := goldenRequest.Add(90 * 24 * time.Hour)
		if _, err := g.srv.MintToken(emulator.JDoeID, "ci-deploy-prod", &exp, 0); err != nil {
			t.Fatal(err)
		}
	},
	"rate_limited": func(t *testing.T, g goldenEmulator) {
		// One request an hour: the first spends the bucket.
		g.srv.SetFaults(emulator.Faults{RateLimit: 1.0 / 3600})
		if status, _, body := g.send(t, "GET", "/api/users/me", "jdoe", nil, ""); status != http.StatusOK {
			t.Fatalf("setup: %d %s", status, body)
		}
	},
}

// TestEmulatorAnswersMatchTheWireGoldens holds the emulator's encoding to
// the contract: each golden's request, sent to an emulator prepared for
// it, gets the golden's status, headers and body, field for field.
func TestEmulatorAnswersMatchTheWireGoldens(t *testing.T) {
	for _, name := range wiretest.Names(t) {
		x := wiretest.Load(t, name)
		setup, ok := goldenSetups[name]
		if x.ClientOnly {
			if ok {
				t.Errorf("%s is client_only but has an emulator setup", name)
			}
			continue
		}
		if !ok {
			t.Errorf("testdata/wire/%s.json has no setup here: every golden the emulator sends must be checked", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			c := &clock{t: goldenStart}
			srv := emulator.New(emulator.Options{URL: goldenSite, Now: c.Now, SigningKey: []byte("the wire goldens' signing key..")})
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			g := goldenEmulator{srv: srv, url: ts.URL, clock: c}
			c.Set(goldenRequest)
			setup(t, g)

			status, header, body := g.send(t, x.Request.Method, x.Request.Path, x.Request.As, x.Request.Body, "")
			if status != x.Status {
				t.Errorf("status %d, want %d", status, x.Status)
			}
			for k, v := range x.Headers {
				if got := header.Get(k); got != v {
					t.Errorf("header %s: %q, want %q", k, got, v)
				}
			}
			if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			want, got := x.Response, json.RawMessage(body)
			if name == "created_token" {
				want, got = compareTokenClaims(t, want, got)
			}
			for _, d := range wiretest.Diff(want, got) {
				t.Errorf("%s", d)
			}
		})
	}
}

// compareTokenClaims checks that the created token's value carries the
// golden's claims, and returns both answers with the value itself left
// out: the signature depends on the JWT library's encoding, the claims on
// the contract.
func compareTokenClaims(t *testing.T, want, got json.RawMessage) (json.RawMessage, json.RawMessage) {
	t.Helper()
	strip := func(which string, doc json.RawMessage) (json.RawMessage, []byte) {
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			t.Fatalf("%s: %v", which, err)
		}
		data, _ := m["ResponseData"].(map[string]any)
		value, _ := data["Token"].(string)
		parts := strings.Split(value, ".")
		if len(parts) != 3 {
			t.Fatalf("%s: the token value %q is not a JWT", which, value)
		}
		claims, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatalf("%s: the JWT's claims: %v", which, err)
		}
		data["Token"] = "(a JWT)"
		out, _ := json.Marshal(m)
		return out, claims
	}
	want, wantClaims := strip("golden", want)
	got, gotClaims := strip("emulator", got)
	for _, d := range wiretest.Diff(wantClaims, gotClaims) {
		t.Errorf("JWT claims: %s", d)
	}
	return want, got
}
