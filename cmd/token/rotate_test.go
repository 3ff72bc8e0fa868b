package token_test

import (
	"context"
	"github.com/axero-cli/axero/cmd/cmdtest"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/keychain"
)

func TestTokenRotateReplacesAndRevokes(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	exp := time.Now().Add(90 * 24 * time.Hour)
	old := e.Mint("ci-deploy", &exp)
	r := e.MustRun("token", "rotate", "ci-deploy")
	tok, ok := e.TokenFor(r.Stdout)
	if !ok || tok.Name != "ci-deploy" || tok.TokenID == old.TokenID {
		t.Fatalf("stdout is not a new token named ci-deploy: %q", r.Stdout)
	}
	// Same lifetime as the old one: 90 days, within a minute.
	if got := tok.ExpirationDate.Sub(tok.DateCreated.Time); got < 90*24*time.Hour-time.Minute || got > 90*24*time.Hour+time.Minute {
		t.Errorf("new lifetime %v, want 90 days", got)
	}
	if active := e.ActiveNamed("ci-deploy"); len(active) != 1 || active[0].TokenID != tok.TokenID {
		t.Fatalf("the old token is still active")
	}
	e.AssertNoSecret("stderr", r.Stderr)
}

func TestTokenRotateKeepOldAndExpires(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	exp := time.Now().Add(90 * 24 * time.Hour)
	e.Mint("ci-deploy", &exp)
	r := e.MustRun("token", "rotate", "ci-deploy", "--keep-old", "--expires", "7d")
	tok, _ := e.TokenFor(r.Stdout)
	if got := tok.ExpirationDate.Sub(tok.DateCreated.Time); got > 7*24*time.Hour+time.Minute {
		t.Errorf("--expires 7d gave a lifetime of %v", got)
	}
	if n := len(e.ActiveNamed("ci-deploy")); n != 2 {
		t.Fatalf("--keep-old left %d active tokens, want 2", n)
	}
	if !strings.Contains(r.Stderr, "Kept the old token") {
		t.Errorf("stderr: %q", r.Stderr)
	}
}

// An old token that never expires, under a policy that no longer allows
// that, is replaced by one with the site's maximum lifetime.
func TestTokenRotateClampsToPolicy(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.Mint("forever", nil)
	r := e.MustRun("token", "rotate", "forever")
	tok, _ := e.TokenFor(r.Stdout)
	if tok.ExpirationDate == nil {
		t.Fatalf("the replacement never expires, against the policy")
	}
}

// When the new token fails its proof, it is revoked and the old one is
// left untouched.
func TestTokenRotateProofFailureKeepsOld(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	exp := time.Now().Add(30 * 24 * time.Hour)
	old := e.Mint("ci-deploy", &exp)
	seed := e.Srv.SeedToken("jdoe")
	e.Transport = cmdtest.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
		// Only the caller's own token passes GET users/me: the proof of
		// any new token fails.
		if strings.HasSuffix(r.URL.Path, "/users/me") && r.Header.Get("Authorization") != "Bearer "+seed {
			return cmdtest.Unauthorized(r), nil
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	r := e.Expect(1, "did not work", "token", "rotate", "ci-deploy")
	if !strings.Contains(r.Stderr, "so it was revoked") || !strings.Contains(r.Stderr, "is untouched") {
		t.Errorf("stderr: %q", r.Stderr)
	}
	active := e.ActiveNamed("ci-deploy")
	if len(active) != 1 || active[0].TokenID != old.TokenID {
		t.Fatalf("want only the old token active, got %+v", active)
	}
	if r.Stdout != "" {
		t.Errorf("stdout: %q", r.Stdout)
	}
	e.AssertNoSecret("stderr", r.Stderr)
}

// A profile whose keychain entry held the old token holds the new one
// after the rotation, and works.
func TestTokenRotateUpdatesKeychainProfile(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	exp := time.Now().Add(30 * 24 * time.Hour)
	old := e.Mint("deploy", &exp)
	cfg := e.Config()
	cfg.SetProfile("deploy", &config.Profile{URL: e.Srv.URL(), TokenStore: config.StoreKeychain, TokenID: old.TokenID, TokenName: "deploy"})
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	account := keychain.Account("deploy", e.Srv.URL())
	_ = e.Memory.Set(account, old.Secret)

	delete(e.Vars, "AXERO_TOKEN")
	r := e.MustRun("--profile", "deploy", "token", "rotate", "deploy")
	secret, _ := e.Memory.Get(account)
	tok, ok := e.TokenFor(secret)
	if !ok || tok.TokenID == old.TokenID || tok.Revoked {
		t.Fatalf("the keychain does not hold the new token")
	}
	if p, _ := e.Config().Profile("deploy"); p.TokenID != tok.TokenID {
		t.Errorf("profile TokenID %d, want %d", p.TokenID, tok.TokenID)
	}
	if !strings.Contains(r.Stderr, `Profile "deploy" now holds the new token`) {
		t.Errorf("stderr: %q", r.Stderr)
	}
	if ts, _ := e.TokenFor(old.Secret); !ts.Revoked {
		t.Errorf("the old token was not revoked")
	}
	e.MustRun("--profile", "deploy", "token", "list")
}

func TestTokenRotateUnknownAndAmbiguous(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.Mint("dup", nil)
	e.Mint("dup", nil)
	before := len(e.Srv.Tokens())
	e.Expect(4, `no token matches "nope"`, "token", "rotate", "nope")
	e.Expect(4, `no token matches "999999"`, "token", "rotate", "999999")
	e.Expect(1, `"dup" matches 2 tokens`, "token", "rotate", "dup")
	e.Expect(2, `invalid expiry "30x"`, "token", "rotate", "dup", "--expires", "30x")
	if len(e.Srv.Tokens()) != before {
		t.Fatal("a refused rotation minted a token")
	}
}

// rotate --keychain=PROFILE stores the replacement as that profile's
// credential and does not print it.
func TestTokenRotateIntoKeychainProfile(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	exp := time.Now().Add(30 * 24 * time.Hour)
	old := e.Mint("svc", &exp)
	r := e.MustRun("token", "rotate", "svc", "--keychain=svc-prod")
	e.AssertNoSecret("stdout", r.Stdout)
	secret, err := e.Memory.Get(keychain.Account("svc-prod", e.Srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	if tok, ok := e.TokenFor(secret); !ok || tok.Revoked || tok.TokenID == old.TokenID {
		t.Fatal("the keychain does not hold the new token")
	}
	if ts, _ := e.TokenFor(old.Secret); !ts.Revoked {
		t.Error("the old token was not revoked")
	}
}

// Ctrl-C at each step of a rotation leaves the old token working or the
// new one delivered.
func TestTokenRotateInterrupted(t *testing.T) {
	t.Parallel()
	interruptAt := func(t *testing.T, match func(*http.Request) bool) (*cmdtest.Env, client.CreatedToken, cmdtest.Result) {
		e := cmdtest.NewToken(t, emulator.Options{})
		exp := time.Now().Add(30 * 24 * time.Hour)
		old := e.Mint("ci", &exp)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		e.Ctx = ctx
		e.Transport = cmdtest.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
			if match(r) {
				cancel()
				return nil, context.Canceled
			}
			return http.DefaultTransport.RoundTrip(r)
		})
		return e, old, e.Run("token", "rotate", "ci")
	}

	t.Run("during the proof", func(t *testing.T) {
		// The only users/me request a rotation makes is the proof.
		e, old, r := interruptAt(t, func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/users/me") })
		if r.Code != 130 {
			t.Fatalf("exit %d, want 130\n%s", r.Code, r.Stderr)
		}
		if active := e.ActiveNamed("ci"); len(active) != 1 || active[0].TokenID != old.TokenID {
			t.Fatalf("want only the old token active, got %+v", active)
		}
	})

	t.Run("while revoking the old token", func(t *testing.T) {
		e, old, r := interruptAt(t, func(r *http.Request) bool { return r.Method == http.MethodDelete })
		if r.Code != 130 || !strings.Contains(r.Stderr, "is delivered, but revoking the old token") {
			t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
		}
		tok, ok := e.TokenFor(r.Stdout)
		if !ok || tok.Revoked || tok.TokenID == old.TokenID {
			t.Fatalf("the new token was not delivered: %q", r.Stdout)
		}
		if ts, _ := e.TokenFor(old.Secret); ts.Revoked {
			t.Fatal("the old token was revoked")
		}
	})
}

// Rotating the token in AXERO_TOKEN says that the variable is now stale.
func TestTokenRotateOwnEnvTokenWarns(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	r := e.MustRun("token", "rotate", "seed")
	if !strings.Contains(r.Stderr, "AXERO_TOKEN still holds the old token") {
		t.Fatalf("stderr: %q", r.Stderr)
	}
	if _, ok := e.TokenFor(r.Stdout); !ok {
		t.Fatal("the new token was not shown")
	}
}

// A profile that holds the old token but cannot take the new one keeps the
// old token working: it is not revoked, and the profile still points at it.
func TestTokenRotateStoreFailureKeepsOld(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	exp := time.Now().Add(30 * 24 * time.Hour)
	old := e.Mint("deploy", &exp)
	cfg := e.Config()
	cfg.SetProfile("deploy", &config.Profile{URL: e.Srv.URL(), TokenStore: config.StoreKeychain, TokenID: old.TokenID, TokenName: "deploy"})
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	e.Memory.Fail = &keychain.UnavailableError{Cause: "the keychain collection is locked"}

	r := e.Expect(1, "the old token "+strconv.FormatInt(old.TokenID, 10)+" was not revoked", "token", "rotate", "deploy")
	if !strings.Contains(r.Stderr, `profile "deploy"`) || !strings.Contains(r.Stderr, "the keychain collection is locked") {
		t.Errorf("stderr does not say which profile failed and why: %q", r.Stderr)
	}
	if ts, _ := e.TokenFor(old.Secret); ts.Revoked {
		t.Errorf("the old token was revoked although the profile holding it could not take the new one")
	}
	if _, ok := e.TokenFor(strings.TrimSpace(r.Stdout)); !ok {
		t.Errorf("the new token was not shown: %q", r.Stdout)
	}
	if p, _ := e.Config().Profile("deploy"); p.TokenID != old.TokenID {
		t.Errorf("profile TokenID %d, want the old %d", p.TokenID, old.TokenID)
	}
}
