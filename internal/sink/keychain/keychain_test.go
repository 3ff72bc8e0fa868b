package keychain

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/credentials"
	"github.com/axero-cli/axero/internal/sink"
	oskeychain "github.com/axero-cli/axero/keychain"
)

const site = "https://intranet.example.com"

func TestMain(m *testing.M) {
	// go-keyring's in-memory provider stands in for the OS keychain,
	// behind the same bounded wrapper the CLI uses.
	keyring.MockInit()
	os.Exit(m.Run())
}

// jwtFor is a token-shaped secret of user sub.
func jwtFor(sub string, id int) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		enc([]byte(`{"sub":"`+sub+`","jti":"`+strconv.Itoa(id)+`","iss":"`+site+`"}`)) + "." +
		enc([]byte("signature-of-a-secret-token"))
}

type world struct {
	dir   string
	cfg   *config.Config
	creds *credentials.Credentials
	home  Home
}

// newWorld is a configuration directory of its own with the keychain
// given (nil: go-keyring's mock through keychain.SystemSwitch).
func newWorld(t *testing.T, store oskeychain.Store) *world {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "config")
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if store == nil {
		store = oskeychain.SystemSwitch("", time.Minute)
	}
	w := &world{dir: dir, cfg: cfg}
	w.creds = &credentials.Credentials{
		Getenv:   func(string) string { return "" },
		Config:   func() (*config.Config, error) { return w.cfg, nil },
		Keychain: func() oskeychain.Store { return store },
	}
	w.home = Home{Credentials: w.creds, Site: config.Profile{URL: site + "/", User: "admin", UserID: 42, AllowHTTP: true, CAFile: "/etc/ssl/corp.pem"}}
	return w
}

func (w *world) sink(t *testing.T, profile string) sink.Sink {
	t.Helper()
	s, err := Parse(profile, sink.Env{}, w.home)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func value(secret string, id int64) sink.Value {
	return sink.Value{Secret: secret, TokenID: id, Name: "deploy", Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)}
}

func noSecret(t *testing.T, err error, secret string) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), secret) {
		t.Fatalf("the error holds the token: %v", err)
	}
}

func TestPutCreatesAProfileOnTheSiteAndVerifies(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	ctx := context.Background()
	name := "deploy"
	s := w.sink(t, name)
	v := value(jwtFor("42", 7), 7)
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx, v); err == nil {
		t.Fatal("Verify passed before Put")
	}
	for range 2 { // idempotent
		if err := s.Put(ctx, v); err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(ctx, v); err != nil {
		t.Fatal(err)
	}
	reloaded, err := config.Load(w.dir)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := reloaded.Profile(name)
	if !ok {
		t.Fatal("no profile saved")
	}
	if p.URL != site || p.TokenID != 7 || p.TokenName != "deploy" || p.TokenStore != config.StoreKeychain ||
		p.UserID != 42 || p.User != "admin" || !p.AllowHTTP || p.CAFile != "/etc/ssl/corp.pem" {
		t.Errorf("profile %+v", p)
	}
	got, err := keyring.Get(oskeychain.Service, oskeychain.Account(name, site))
	if err != nil || got != v.Secret {
		t.Errorf("the keychain holds %q, %v", got, err)
	}
}

func TestAnotherUsersTokenDoesNotTakeTheSignedInName(t *testing.T) {
	t.Parallel()
	w := newWorld(t, oskeychain.NewMemory())
	s := w.sink(t, "other-user")
	if err := s.Put(context.Background(), value(jwtFor("99", 3), 3)); err != nil {
		t.Fatal(err)
	}
	p, _ := w.cfg.Profile("other-user")
	if p.UserID != 99 || p.User != "" {
		t.Errorf("profile %+v", p)
	}
}

func TestProfileOfAnotherSiteIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t, oskeychain.NewMemory())
	w.cfg.SetProfile("elsewhere", &config.Profile{URL: "https://other.example.com", TokenStore: config.StoreKeychain})
	err := w.sink(t, "elsewhere").Check(context.Background())
	if sink.KindOf(err) != sink.Invalid || !strings.Contains(err.Error(), `profile "elsewhere" belongs to https://other.example.com, not to `+site) {
		t.Fatalf("err = %v", err)
	}
	// The same site, spelled with a trailing slash, is fine.
	w.cfg.SetProfile("same", &config.Profile{URL: site + "/"})
	if err := w.sink(t, "same").Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestUnusableKeychainFailsTheCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	off := newWorld(t, oskeychain.SystemSwitch("off", time.Minute))
	err := off.sink(t, "p").Check(ctx)
	if sink.KindOf(err) != sink.Failed || !strings.Contains(err.Error(), "the OS keychain is unavailable (disabled by AXERO_KEYCHAIN=off)") {
		t.Fatalf("err = %v", err)
	}
	secret := jwtFor("42", 5)
	err = off.sink(t, "p").Put(ctx, value(secret, 5))
	noSecret(t, err, secret)
	if sink.KindOf(err) != sink.Failed {
		t.Fatalf("Put: %v", err)
	}
	if _, ok := off.cfg.Profile("p"); ok {
		t.Error("a profile was saved without its token")
	}

	// A keychain that never answers (a locked collection waiting for a
	// password nobody types) fails after its timeout instead of hanging.
	release := make(chan struct{})
	defer close(release)
	stuck := newWorld(t, oskeychain.WithTimeout(blockingStore{release}, time.Millisecond))
	err = stuck.sink(t, "p").Check(ctx)
	if sink.KindOf(err) != sink.Failed || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("err = %v", err)
	}
}

type blockingStore struct{ release chan struct{} }

func (b blockingStore) Get(string) (string, error) { <-b.release; return "", nil }
func (b blockingStore) Set(string, string) error   { <-b.release; return nil }
func (b blockingStore) Delete(string) error        { <-b.release; return nil }

func TestTokenTooLargeForTheKeychainIsInvalid(t *testing.T) {
	t.Parallel()
	w := newWorld(t, oskeychain.NewLimited(16))
	secret := jwtFor("42", 6)
	err := w.sink(t, "p").Put(context.Background(), value(secret, 6))
	noSecret(t, err, secret)
	if sink.KindOf(err) != sink.Invalid || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("err = %v", err)
	}
}

func TestVerifyNoticesAnotherValue(t *testing.T) {
	t.Parallel()
	store := oskeychain.NewMemory()
	w := newWorld(t, store)
	ctx := context.Background()
	s := w.sink(t, "p")
	v := value(jwtFor("42", 8), 8)
	if err := s.Put(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := store.Set(oskeychain.Account("p", site), "someone else's token"); err != nil {
		t.Fatal(err)
	}
	err := s.Verify(ctx, v)
	noSecret(t, err, v.Secret)
	if sink.KindOf(err) != sink.Failed || !strings.Contains(err.Error(), "does not hold the new token") {
		t.Fatalf("err = %v", err)
	}
	other := value(jwtFor("42", 9), 9)
	if err := s.Verify(ctx, other); err == nil || !strings.Contains(err.Error(), "records token 8, not 9") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseRejectsBadProfileNames(t *testing.T) {
	t.Parallel()
	w := newWorld(t, oskeychain.NewMemory())
	for _, spec := range []string{"", "../x", "-x", "a b", strings.Repeat("x", 65)} {
		_, err := Parse(spec, sink.Env{}, w.home)
		if sink.KindOf(err) != sink.Invalid || !strings.HasPrefix(err.Error(), "keychain:"+spec+": parse: ") {
			t.Errorf("Parse(%q) = %v", spec, err)
		}
	}
	empty := newWorld(t, oskeychain.NewMemory())
	empty.home.Site.URL = ""
	if err := empty.sink(t, "p").Check(context.Background()); sink.KindOf(err) != sink.Invalid {
		t.Errorf("Check without a site: %v", err)
	}
}
