package credentials

import (
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/keychain"
)

func TestStoreInKeychainProfileCreatesTheProfile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	exp := time.Date(2027, 1, 31, 23, 59, 59, 0, time.UTC)
	to := NewHolder{
		Site:     config.Profile{URL: site, AllowHTTP: true, CAFile: "/etc/ca.pem", Paths: client.Paths{Tokens: "/custom"}},
		UserID:   42,
		UserName: "ci-bot",
	}
	if err := w.creds.StoreInKeychainProfile("deploy", to, Held{TokenID: 7, Name: "deploy", Expires: exp}, "tok-7"); err != nil {
		t.Fatal(err)
	}
	reloaded, err := config.Load(w.cfg.Dir())
	if err != nil {
		t.Fatal(err)
	}
	p, ok := reloaded.Profile("deploy")
	if !ok {
		t.Fatal("the profile was not saved")
	}
	if p.URL != site || p.UserID != 42 || p.User != "ci-bot" || p.TokenID != 7 || p.TokenName != "deploy" ||
		p.TokenStore != config.StoreKeychain || p.TokenExpires == nil || !p.TokenExpires.Equal(exp) ||
		!p.AllowHTTP || p.CAFile != "/etc/ca.pem" || p.Paths.Tokens != "/custom" {
		t.Errorf("profile %+v", p)
	}
	if tok, _, err := w.creds.Get("deploy", p); err != nil || tok != "tok-7" {
		t.Errorf("stored token %q, %v", tok, err)
	}
}

func TestStoreInKeychainProfileKeepsTheUserName(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.cfg.SetProfile("deploy", &config.Profile{URL: site, User: "kept", UserID: 42})
	to := NewHolder{Site: config.Profile{URL: site}, UserID: 42}
	if err := w.creds.StoreInKeychainProfile("deploy", to, Held{TokenID: 8, Name: "deploy"}, "tok-8"); err != nil {
		t.Fatal(err)
	}
	p, _ := w.cfg.Profile("deploy")
	if p.User != "kept" || p.TokenExpires != nil || p.TokenID != 8 {
		t.Errorf("profile %+v", p)
	}
}

// A keychain that refuses the token leaves the configuration as it was, so
// that no profile points at a token that is not there.
func TestStoreInKeychainProfileSavesNothingWhenTheKeychainFails(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.keys.Fail = &keychain.UnavailableError{Cause: "locked"}
	to := NewHolder{Site: config.Profile{URL: site}}
	err := w.creds.StoreInKeychainProfile("deploy", to, Held{TokenID: 9}, "tok-9")
	if !keychain.IsUnavailable(err) {
		t.Fatalf("err = %v", err)
	}
	reloaded, _ := config.Load(w.cfg.Dir())
	if _, ok := reloaded.Profile("deploy"); ok {
		t.Error("a profile was saved for a token that was not stored")
	}
	if _, ok := w.cfg.Profile("deploy"); ok {
		t.Error("a profile was recorded for a token that was not stored")
	}
}
