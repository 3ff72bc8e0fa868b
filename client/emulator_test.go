package client_test

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
)

// These tests run the client against the project's Axero emulator on
// loopback, rather than hand-written handlers.

func emulatorClient(t *testing.T, srv *emulator.Server, user string, debug *bytes.Buffer) *client.Client {
	t.Helper()
	cfg := client.Config{BaseURL: srv.URL(), Token: srv.SeedToken(user)}
	if debug != nil {
		cfg.Debug = debug
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEmulatorDropAfterMintIsOutcomeUnknownAndNotResent(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Faults: emulator.Faults{DropAfterMintNext: 1}})
	c := emulatorClient(t, srv, "jdoe", nil)

	before := time.Now().Truncate(time.Second)
	_, err := c.CreateToken(t.Context(), client.CreateTokenRequest{Name: "lost-answer"})
	var ou *client.OutcomeUnknownError
	if !client.IsOutcomeUnknown(err) || !errors.As(err, &ou) {
		t.Fatalf("err = %v, want outcome unknown", err)
	}
	if n := srv.RequestCount("POST", "/api/bearertokens"); n != 1 {
		t.Errorf("POST sent %d times, want once", n)
	}
	var found []emulator.TokenState
	for _, ts := range srv.Tokens() {
		if ts.Name == "lost-answer" {
			found = append(found, ts)
		}
	}
	if len(found) != 1 || found[0].Delivered {
		t.Fatalf("tokens named lost-answer = %+v, want exactly one, undelivered", found)
	}
	// The caller can find the suspect to reconcile: created at or after
	// Started, listed among the user's tokens.
	if ou.Started.Before(before) || found[0].DateCreated.Before(ou.Started.Truncate(time.Second)) {
		t.Errorf("Started %v vs created %v", ou.Started, found[0].DateCreated.Time)
	}
	all, err := c.ListAllTokens(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, tok := range all {
		listed = listed || tok.TokenID == found[0].TokenID
	}
	if !listed {
		t.Errorf("the undelivered token is not listed")
	}

	// The next create goes through normally.
	ct, err := c.CreateToken(t.Context(), client.CreateTokenRequest{Name: "second"})
	if err != nil || ct.Secret == "" {
		t.Fatalf("second create: %v", err)
	}
}

func TestEmulatorTokenLifecycle(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{RecordSecrets: true})
	var debug bytes.Buffer
	admin := emulatorClient(t, srv, "admin", &debug)
	ctx := t.Context()

	me, err := admin.Me(ctx)
	if err != nil || me.UserID != emulator.AdminID || !me.CanImpersonate {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	policy, err := admin.Policy(ctx)
	if err != nil || policy.MaxExpirationMinutes == 0 {
		t.Fatalf("Policy = %+v, %v", policy, err)
	}
	minutes := int64(60)
	ct, err := admin.CreateToken(ctx, client.CreateTokenRequest{Name: "ci-deploy", ExpiresInMinutes: &minutes})
	if err != nil {
		t.Fatal(err)
	}
	if ct.Name != "ci-deploy" || ct.ExpirationDate == nil || ct.Secret == "" {
		t.Errorf("created = %+v", ct.Token)
	}
	// The new token works on its own.
	self, err := admin.WithToken(ct.Secret).Me(ctx)
	if err != nil || self.UserID != emulator.AdminID {
		t.Fatalf("new token: %+v, %v", self, err)
	}
	renamed, err := admin.RenameToken(ctx, ct.TokenID, "ci-deploy-2")
	if err != nil || renamed.Name != "ci-deploy-2" {
		t.Fatalf("rename: %+v, %v", renamed, err)
	}
	got, err := admin.GetToken(ctx, ct.TokenID)
	if err != nil || got.Name != "ci-deploy-2" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	if err := admin.RevokeToken(ctx, ct.TokenID); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.GetToken(ctx, ct.TokenID); !client.IsNotFound(err) {
		t.Errorf("after revoke: %v", err)
	}
	if _, err := admin.WithToken(ct.Secret).Me(ctx); client.KindOf(err) != client.KindUnauthorized {
		t.Errorf("revoked token: %v", err)
	}

	// Impersonation tokens for jdoe, many of them, listed across pages.
	const n = 230
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			_, err := admin.CreateUserToken(ctx, emulator.JDoeID, client.CreateTokenRequest{Name: "bulk-" + string(rune('a'+i%26))})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	all, err := admin.ListAllUserTokens(ctx, emulator.JDoeID)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != n+1 { // plus jdoe's seed token
		t.Errorf("listed %d tokens, want %d", len(all), n+1)
	}
	for i := 1; i < len(all); i++ {
		if all[i].TokenID == all[i-1].TokenID {
			t.Fatalf("duplicate token %d", all[i].TokenID)
		}
	}
	users, err := admin.FindUsers(ctx, client.UserQuery{UserName: "jdoe"}, 1, 20)
	if err != nil || len(users.Items) != 1 || users.Items[0].UserID != emulator.JDoeID {
		t.Errorf("FindUsers = %+v, %v", users, err)
	}

	// Not one of the values the server handed out reached the debug log.
	out := debug.String()
	if !strings.Contains(out, "[REDACTED]") {
		t.Fatalf("debug log looks empty")
	}
	for _, secret := range srv.Secrets() {
		if strings.Contains(out, secret) {
			t.Fatalf("debug log contains a token value")
		}
	}
}

func TestEmulatorHTMLMode(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Faults: emulator.Faults{HTMLMode: true}})
	c := emulatorClient(t, srv, "jdoe", nil)
	_, err := c.Me(t.Context())
	if client.KindOf(err) != client.KindHTML {
		t.Errorf("err = %v, want KindHTML", err)
	}
}

func TestEmulatorErrorKinds(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{})
	jdoe := emulatorClient(t, srv, "jdoe", nil)
	ctx := t.Context()
	if _, err := jdoe.CreateUserToken(ctx, emulator.AdminID, client.CreateTokenRequest{Name: "x"}); client.KindOf(err) != client.KindForbidden {
		t.Errorf("impersonation by a plain user: %v", err)
	}
	tooLong := int64(10 * 525600)
	_, err := jdoe.CreateToken(ctx, client.CreateTokenRequest{Name: "x", ExpiresInMinutes: &tooLong})
	var e *client.Error
	if !errors.As(err, &e) || e.Kind != client.KindValidation || e.ServerMessage == "" {
		t.Errorf("too long an expiry: %v", err)
	}
	if _, err := jdoe.WithToken("not-a-token").Me(ctx); client.KindOf(err) != client.KindUnauthorized {
		t.Errorf("bad token: %v", err)
	}
	if err := jdoe.RevokeToken(ctx, 999999); !client.IsNotFound(err) {
		t.Errorf("revoke unknown: %v", err)
	}
}

// TestEmulatorRateLimitedPoolGetsThrough: a pool of workers sharing one
// client against a rate-limited server slows down together (the shared
// pause) and every request succeeds within the default retries.
func TestEmulatorRateLimitedPoolGetsThrough(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Faults: emulator.Faults{RateLimit: 40}})
	c := emulatorClient(t, srv, "jdoe", nil)
	const requests, workers = 100, 8
	jobs := make(chan int)
	errs := make(chan error, requests)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				_, err := c.Me(t.Context())
				errs <- err
			}
		}()
	}
	for i := range requests {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.RequestCount("GET", "/api/users/me"); n <= requests {
		t.Logf("no request was rate limited (%d requests); the limit was not reached", n)
	}
}
