package cmdutil

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/credentials"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/keychain"
)

const (
	siteA = "https://a.example.com"
	siteB = "https://b.example.com"
)

// bindingConfig has profile default on A, and b and b2 as given.
func bindingConfig(t *testing.T, onB ...string) *config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join(t.TempDir(), "config"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.SetProfile("default", &config.Profile{URL: siteA, TokenStore: config.StoreKeychain})
	for _, n := range onB {
		cfg.SetProfile(n, &config.Profile{URL: siteB, TokenStore: config.StoreKeychain})
	}
	return cfg
}

func TestBindSite(t *testing.T) {
	for _, c := range []struct {
		name       string
		onB        []string
		selected   string
		explicit   bool
		override   string
		profile    string
		site       string
		from       string
		refused    bool
		suggest    string
		ambiguous  int
		wantSwitch bool
	}{
		{name: "no override", selected: "default", profile: "default", site: siteA, from: SiteFromProfile},
		{name: "override of the same site, spelled otherwise", selected: "default", override: "HTTPS://A.example.com:443/api", profile: "default", site: "HTTPS://A.example.com:443/api", from: SiteFromEnv},
		{name: "another site, nobody's", selected: "default", override: siteB, profile: "default", site: siteB, from: SiteFromEnv, refused: true},
		{name: "another site, one profile's", onB: []string{"b"}, selected: "default", override: siteB, profile: "b", site: siteB, from: SiteFromEnv, wantSwitch: true},
		{name: "another site, two profiles'", onB: []string{"b", "b2"}, selected: "default", override: siteB, profile: "default", site: siteB, from: SiteFromEnv, refused: true, ambiguous: 2},
		{name: "another site, named profile", onB: []string{"b"}, selected: "default", explicit: true, override: siteB, profile: "default", site: siteB, from: SiteFromEnv, refused: true, suggest: "b"},
		{name: "a profile that does not exist", onB: []string{"b"}, selected: "new", explicit: true, override: siteB, profile: "new", site: siteB, from: SiteFromEnv},
		{name: "an implicit default that does not exist", onB: []string{"b"}, selected: "nobody", override: siteB, profile: "nobody", site: siteB, from: SiteFromEnv},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := bindingConfig(t, c.onB...)
			b := bindSite(cfg, c.selected, c.explicit, c.override, SiteFromEnv)
			if b.Profile != c.profile || b.Site != c.site || b.SiteFrom != c.from || b.Switched != c.wantSwitch {
				t.Errorf("binding = %+v", b)
			}
			if (b.Refusal != nil) != c.refused {
				t.Fatalf("refusal = %v, want refused %v", b.Refusal, c.refused)
			}
			if b.Refusal != nil && (b.Refusal.Suggest != c.suggest || len(b.Refusal.Ambiguous) != c.ambiguous || b.Refusal.ProfileSite != siteA) {
				t.Errorf("refusal = %+v", b.Refusal)
			}
		})
	}
}

// bindingFactory is a factory whose configuration is cfg and whose
// keychain holds token for default on A.
func bindingFactory(t *testing.T, cfg *config.Config, env map[string]string, token string) *Factory {
	t.Helper()
	if err := cfg.Save(); err != nil {
		t.Fatal(err)
	}
	mem := keychain.NewMemory()
	if err := mem.Set(keychain.Account("default", siteA), token); err != nil {
		t.Fatal(err)
	}
	f := New("test")
	f.IO, _, _, _ = iostreams.Test()
	env["AXERO_CONFIG_DIR"] = cfg.Dir()
	f.Getenv = func(k string) string { return env[k] }
	f.Keychain = func() keychain.Store { return mem }
	return f
}

func TestTokenRefusesAStoredTokenForAnotherSite(t *testing.T) {
	cfg := bindingConfig(t)
	f := bindingFactory(t, cfg, map[string]string{"AXERO_URL": siteB}, "stored-secret")
	_, _, err := f.Token()
	var se *credentials.SiteError
	if !errors.As(err, &se) || ExitCode(err) != ExitAuth {
		t.Fatalf("Token = %v (exit %d), want a site refusal, exit 3", err, ExitCode(err))
	}
	if strings.Contains(err.Error(), "stored-secret") {
		t.Fatal("the refusal holds the token")
	}
	if _, err := f.Client(); !errors.As(err, &se) {
		t.Fatalf("Client = %v, want the refusal", err)
	}
	f = bindingFactory(t, cfg, map[string]string{"AXERO_URL": siteB}, "stored-secret")
	f.URLFlag = siteA
	if tok, source, err := f.Token(); err != nil || tok != "stored-secret" || source != SourceKeychain {
		t.Fatalf("--url A: Token = %q, %q, %v", tok, source, err)
	}
}

func TestTokenPrefersAXERO_TOKENWhereverTheSite(t *testing.T) {
	cfg := bindingConfig(t)
	env := map[string]string{"AXERO_URL": siteB, "AXERO_TOKEN": " from-env "} //nolint:gosec // a made-up token value for the test
	f := bindingFactory(t, cfg, env, "stored-secret")
	if tok, source, err := f.Token(); err != nil || tok != "from-env" || source != SourceEnv {
		t.Fatalf("Token = %q, %q, %v", tok, source, err)
	}
}

func TestTokenWithoutAProfileIsNotLoggedIn(t *testing.T) {
	cfg := bindingConfig(t)
	f := bindingFactory(t, cfg, map[string]string{"AXERO_PROFILE": "nobody"}, "stored-secret")
	f.Keychain = func() keychain.Store { return keychain.Unavailable("must not be opened") }
	if _, _, err := f.Token(); !errors.Is(err, ErrNotLoggedIn) {
		t.Fatalf("Token = %v, want ErrNotLoggedIn", err)
	}
}
