package cmd

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/client/axerotest"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/keychain"
)

func TestTokenRotateReplacesAndRevokes(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	exp := time.Now().Add(90 * 24 * time.Hour)
	old := e.mint("ci-deploy", &exp)
	r := e.mustRun("token", "rotate", "ci-deploy")
	tok, ok := e.tokenFor(r.stdout)
	if !ok || tok.Name != "ci-deploy" || tok.TokenID == old.TokenID {
		t.Fatalf("stdout is not a new token named ci-deploy: %q", r.stdout)
	}
	// Same lifetime as the old one: 90 days, within a minute.
	if got := tok.ExpirationDate.Sub(tok.DateCreated.Time); got < 90*24*time.Hour-time.Minute || got > 90*24*time.Hour+time.Minute {
		t.Errorf("new lifetime %v, want 90 days", got)
	}
	if active := e.activeNamed("ci-deploy"); len(active) != 1 || active[0].TokenID != tok.TokenID {
		t.Fatalf("the old token is still active")
	}
	e.assertNoSecret("stderr", r.stderr)
}

func TestTokenRotateKeepOldAndExpires(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	exp := time.Now().Add(90 * 24 * time.Hour)
	e.mint("ci-deploy", &exp)
	r := e.mustRun("token", "rotate", "ci-deploy", "--keep-old", "--expires", "7d")
	tok, _ := e.tokenFor(r.stdout)
	if got := tok.ExpirationDate.Sub(tok.DateCreated.Time); got > 7*24*time.Hour+time.Minute {
		t.Errorf("--expires 7d gave a lifetime of %v", got)
	}
	if n := len(e.activeNamed("ci-deploy")); n != 2 {
		t.Fatalf("--keep-old left %d active tokens, want 2", n)
	}
	if !strings.Contains(r.stderr, "Kept the old token") {
		t.Errorf("stderr: %q", r.stderr)
	}
}

// An old token that never expires, under a policy that no longer allows
// that, is replaced by one with the site's maximum lifetime.
func TestTokenRotateClampsToPolicy(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	e.mint("forever", nil)
	r := e.mustRun("token", "rotate", "forever")
	tok, _ := e.tokenFor(r.stdout)
	if tok.ExpirationDate == nil {
		t.Fatalf("the replacement never expires, against the policy")
	}
}

// When the new token fails its proof, it is revoked and the old one is
// left untouched.
func TestTokenRotateProofFailureKeepsOld(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	exp := time.Now().Add(30 * 24 * time.Hour)
	old := e.mint("ci-deploy", &exp)
	seed := e.srv.SeedToken("jdoe")
	e.transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		// Only the caller's own token passes GET users/me: the proof of
		// any new token fails.
		if strings.HasSuffix(r.URL.Path, "/users/me") && r.Header.Get("Authorization") != "Bearer "+seed {
			return unauthorized(r), nil
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	r := e.expectCode(1, "did not work", "token", "rotate", "ci-deploy")
	if !strings.Contains(r.stderr, "so it was revoked") || !strings.Contains(r.stderr, "is untouched") {
		t.Errorf("stderr: %q", r.stderr)
	}
	active := e.activeNamed("ci-deploy")
	if len(active) != 1 || active[0].TokenID != old.TokenID {
		t.Fatalf("want only the old token active, got %+v", active)
	}
	if r.stdout != "" {
		t.Errorf("stdout: %q", r.stdout)
	}
	e.assertNoSecret("stderr", r.stderr)
}

// A profile whose keychain entry held the old token holds the new one
// after the rotation, and works.
func TestTokenRotateUpdatesKeychainProfile(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	exp := time.Now().Add(30 * 24 * time.Hour)
	old := e.mint("deploy", &exp)
	cfg := e.loadConfig()
	cfg.SetProfile("deploy", &config.Profile{URL: e.srv.URL(), TokenStore: config.StoreKeychain, TokenID: old.TokenID, TokenName: "deploy"})
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	account := keychain.Account("deploy", e.srv.URL())
	e.keychain.Set(account, old.Secret)

	delete(e.env, "AXERO_TOKEN")
	r := e.mustRun("--profile", "deploy", "token", "rotate", "deploy")
	secret, _ := e.keychain.Get(account)
	tok, ok := e.tokenFor(secret)
	if !ok || tok.TokenID == old.TokenID || tok.Revoked {
		t.Fatalf("the keychain does not hold the new token")
	}
	if p, _ := e.loadConfig().Profile("deploy"); p.TokenID != tok.TokenID {
		t.Errorf("profile TokenID %d, want %d", p.TokenID, tok.TokenID)
	}
	if !strings.Contains(r.stderr, `Profile "deploy" now holds the new token`) {
		t.Errorf("stderr: %q", r.stderr)
	}
	if ts, _ := e.tokenFor(old.Secret); !ts.Revoked {
		t.Errorf("the old token was not revoked")
	}
	e.mustRun("--profile", "deploy", "token", "list")
}

func TestTokenRotateUnknownAndAmbiguous(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	e.mint("dup", nil)
	e.mint("dup", nil)
	before := len(e.srv.Tokens())
	e.expectCode(4, `no token matches "nope"`, "token", "rotate", "nope")
	e.expectCode(4, `no token matches "999999"`, "token", "rotate", "999999")
	e.expectCode(1, `"dup" matches 2 tokens`, "token", "rotate", "dup")
	e.expectCode(2, `invalid expiry "30x"`, "token", "rotate", "dup", "--expires", "30x")
	if len(e.srv.Tokens()) != before {
		t.Fatal("a refused rotation minted a token")
	}
}

// rotate --keychain=PROFILE stores the replacement as that profile's
// credential and does not print it.
func TestTokenRotateIntoKeychainProfile(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	exp := time.Now().Add(30 * 24 * time.Hour)
	old := e.mint("svc", &exp)
	r := e.mustRun("token", "rotate", "svc", "--keychain=svc-prod")
	e.assertNoSecret("stdout", r.stdout)
	secret, err := e.keychain.Get(keychain.Account("svc-prod", e.srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	if tok, ok := e.tokenFor(secret); !ok || tok.Revoked || tok.TokenID == old.TokenID {
		t.Fatal("the keychain does not hold the new token")
	}
	if ts, _ := e.tokenFor(old.Secret); !ts.Revoked {
		t.Error("the old token was not revoked")
	}
}

// Ctrl-C at each step of a rotation leaves the old token working or the
// new one delivered.
func TestTokenRotateInterrupted(t *testing.T) {
	interruptAt := func(t *testing.T, match func(*http.Request) bool) (*tokenEnv, client.CreatedToken, runResult) {
		e := newTokenEnv(t, axerotest.Options{})
		exp := time.Now().Add(30 * 24 * time.Hour)
		old := e.mint("ci", &exp)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		e.ctx = ctx
		e.transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if match(r) {
				cancel()
				return nil, context.Canceled
			}
			return http.DefaultTransport.RoundTrip(r)
		})
		return e, old, e.run("token", "rotate", "ci")
	}

	t.Run("during the proof", func(t *testing.T) {
		// The only users/me request a rotation makes is the proof.
		e, old, r := interruptAt(t, func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/users/me") })
		if r.code != 130 {
			t.Fatalf("exit %d, want 130\n%s", r.code, r.stderr)
		}
		if active := e.activeNamed("ci"); len(active) != 1 || active[0].TokenID != old.TokenID {
			t.Fatalf("want only the old token active, got %+v", active)
		}
	})

	t.Run("while revoking the old token", func(t *testing.T) {
		e, old, r := interruptAt(t, func(r *http.Request) bool { return r.Method == http.MethodDelete })
		if r.code != 130 || !strings.Contains(r.stderr, "is delivered, but revoking the old token") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		tok, ok := e.tokenFor(r.stdout)
		if !ok || tok.Revoked || tok.TokenID == old.TokenID {
			t.Fatalf("the new token was not delivered: %q", r.stdout)
		}
		if ts, _ := e.tokenFor(old.Secret); ts.Revoked {
			t.Fatal("the old token was revoked")
		}
	})
}

// Rotating the token in AXERO_TOKEN says that the variable is now stale.
func TestTokenRotateOwnEnvTokenWarns(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	r := e.mustRun("token", "rotate", "seed")
	if !strings.Contains(r.stderr, "AXERO_TOKEN still holds the old token") {
		t.Fatalf("stderr: %q", r.stderr)
	}
	if _, ok := e.tokenFor(r.stdout); !ok {
		t.Fatal("the new token was not shown")
	}
}
