package credentials

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/keychain"
)

const site = "https://intranet.example.com"

// world is one test's configuration directory, keychain and environment.
type world struct {
	creds *Credentials
	cfg   *config.Config
	keys  *keychain.Memory
	env   map[string]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	cfg, err := config.Load(filepath.Join(t.TempDir(), "config"))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{cfg: cfg, keys: keychain.NewMemory(), env: map[string]string{}}
	w.creds = &Credentials{
		Getenv:   func(k string) string { return w.env[k] },
		Config:   func() (*config.Config, error) { return w.cfg, nil },
		Keychain: func() keychain.Store { return w.keys },
	}
	return w
}

func keychainProfile(url string) *config.Profile {
	return &config.Profile{URL: url, TokenStore: config.StoreKeychain}
}

func fileProfile() *config.Profile {
	return &config.Profile{URL: site, TokenStore: config.StoreFile}
}

func TestWhere(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    *config.Profile
		want Location
	}{
		{"keychain", keychainProfile(site), Location{Store: config.StoreKeychain, Key: "ci@" + site}},
		{"file", fileProfile(), Location{Store: config.StoreFile, Key: "ci"}},
		{"none", &config.Profile{URL: site}, Location{}},
	}
	for _, tt := range tests {
		if got := Where("ci", tt.p); got != tt.want {
			t.Errorf("%s: Where = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestStoreGetForgetKeychain(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := keychainProfile(site)
	if err := w.creds.Store("ci", p, "tok-1"); err != nil {
		t.Fatal(err)
	}
	if got := w.keys.Accounts(); !slices.Equal(got, []string{"ci@" + site}) {
		t.Errorf("keychain accounts %v", got)
	}
	tok, source, err := w.creds.Get("ci", p)
	if err != nil || tok != "tok-1" || source != SourceKeychain {
		t.Fatalf("Get = %q, %q, %v", tok, source, err)
	}
	if err := w.creds.Forget("ci", p); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.creds.Get("ci", p); !errors.Is(err, ErrNotLoggedIn) {
		t.Errorf("Get after Forget: %v, want ErrNotLoggedIn", err)
	}
	// Forgetting what is already gone is not an error.
	if err := w.creds.Forget("ci", p); err != nil {
		t.Errorf("second Forget: %v", err)
	}
}

func TestStoreGetForgetFile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := fileProfile()
	if err := w.creds.Store("ci", p, "tok-1"); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(w.cfg.FileTokenPath("ci"))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("token file mode %04o, want 0600", perm)
	}
	if len(w.keys.Accounts()) != 0 {
		t.Errorf("a file login touched the keychain: %v", w.keys.Accounts())
	}
	tok, source, err := w.creds.Get("ci", p)
	if err != nil || tok != "tok-1" || source != SourceFile {
		t.Fatalf("Get = %q, %q, %v", tok, source, err)
	}
	if err := w.creds.Forget("ci", p); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(w.cfg.FileTokenPath("ci")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("token file left behind: %v", err)
	}
	if _, _, err := w.creds.Get("ci", p); !errors.Is(err, ErrNotLoggedIn) {
		t.Errorf("Get after Forget: %v, want ErrNotLoggedIn", err)
	}
}

func TestStoreWithoutStoreIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	err := w.creds.Store("ci", &config.Profile{URL: site}, "tok-secret")
	if err == nil {
		t.Fatal("Store with no token store succeeded")
	}
	if strings.Contains(err.Error(), "tok-secret") {
		t.Errorf("error holds the token: %v", err)
	}
}

func TestEnvTrimsAXERO_TOKEN(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if _, ok := w.creds.Env(); ok {
		t.Fatal("Env found a token with AXERO_TOKEN unset")
	}
	w.env[EnvVar] = "  from-env \n"
	if tok, ok := w.creds.Env(); !ok || tok != "from-env" {
		t.Fatalf("Env = %q, %v", tok, ok)
	}
}

func TestUnavailableKeychainIsReported(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := keychainProfile(site)
	w.creds.Keychain = func() keychain.Store { return keychain.Unavailable("no D-Bus session bus") }
	if _, _, err := w.creds.Get("ci", p); !keychain.IsUnavailable(err) {
		t.Errorf("Get = %v, want *keychain.UnavailableError", err)
	}
	if err := w.creds.Store("ci", p, "tok"); !keychain.IsUnavailable(err) {
		t.Errorf("Store = %v, want *keychain.UnavailableError", err)
	}
	// Forget must fail, not pretend: the caller would otherwise drop the
	// profile and leave the secret behind.
	err := w.creds.Forget("ci", p)
	if !keychain.IsUnavailable(err) || !strings.Contains(err.Error(), "cannot remove the token from the OS keychain") {
		t.Errorf("Forget = %v", err)
	}
}

func TestForgetReplaced(t *testing.T) {
	t.Parallel()
	other := "https://other.example.com"
	tests := []struct {
		name        string
		old, cur    *config.Profile
		oldSurvives bool
	}{
		{"same keychain entry", keychainProfile(site), keychainProfile(site), true},
		{"another site", keychainProfile(other), keychainProfile(site), false},
		{"keychain to file", keychainProfile(site), fileProfile(), false},
		{"file to keychain", fileProfile(), keychainProfile(site), false},
		{"file to file", fileProfile(), fileProfile(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			if err := w.creds.Store("ci", tt.old, "old"); err != nil {
				t.Fatal(err)
			}
			if err := w.creds.Store("ci", tt.cur, "new"); err != nil {
				t.Fatal(err)
			}
			if err := w.creds.ForgetReplaced("ci", tt.old, tt.cur); err != nil {
				t.Fatal(err)
			}
			// The new token is always kept.
			if tok, _, err := w.creds.Get("ci", tt.cur); err != nil || tok != "new" {
				t.Errorf("current token = %q, %v", tok, err)
			}
			_, _, err := w.creds.Get("ci", tt.old)
			if survives := err == nil; survives != tt.oldSurvives {
				t.Errorf("old location still answers: %v, want %v (err %v)", survives, tt.oldSurvives, err)
			}
		})
	}
}

// TestGoKeyringBackend runs the type over go-keyring's own in-memory mock,
// through the keychain package's timeouts and error mapping, as the
// released binary does over the OS keychain.
func TestGoKeyringBackend(t *testing.T) {
	keyring.MockInit()
	w := newWorld(t)
	store := keychain.SystemSwitch("", time.Minute)
	w.creds.Keychain = func() keychain.Store { return store }
	p := keychainProfile(site)
	if _, _, err := w.creds.Get("mock", p); !errors.Is(err, ErrNotLoggedIn) {
		t.Fatalf("Get before Store: %v", err)
	}
	if err := w.creds.Store("mock", p, "tok"); err != nil {
		t.Fatal(err)
	}
	if tok, source, err := w.creds.Get("mock", p); err != nil || tok != "tok" || source != SourceKeychain {
		t.Fatalf("Get = %q, %q, %v", tok, source, err)
	}
	if err := w.creds.Forget("mock", p); err != nil {
		t.Fatal(err)
	}
	if err := w.creds.Forget("mock", p); err != nil {
		t.Errorf("second Forget: %v", err)
	}
}
