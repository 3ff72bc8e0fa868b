package credentials

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/config"
)

// jwtIssuedBy is an unsigned JWT whose iss is iss ("" for none).
func jwtIssuedBy(iss string) string {
	claims := `{"sub":"3","jti":"100003"}`
	if iss != "" {
		claims = `{"iss":"` + iss + `","sub":"3","jti":"100003"}`
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + ".c2ln"
}

func TestCheckSiteAcceptsTheProfilesOwnSite(t *testing.T) {
	p := &config.Profile{URL: "https://intranet.example.com"}
	for _, tok := range []string{
		jwtIssuedBy("https://intranet.example.com"),
		jwtIssuedBy("HTTPS://Intranet.example.com:443/api/"),
		jwtIssuedBy(""),
		"not-a-jwt",
	} {
		if err := CheckSite("ci", p, tok); err != nil {
			t.Errorf("CheckSite(%q) = %v", tok, err)
		}
	}
}

func TestCheckSiteRefusesATokenOfAnotherSite(t *testing.T) {
	p := &config.Profile{URL: "https://intranet.example.com"}
	err := CheckSite("ci", p, jwtIssuedBy("https://other.example.com"))
	var se *SiteError
	if !errors.As(err, &se) || !se.Denied() {
		t.Fatalf("CheckSite = %v, want a *SiteError", err)
	}
	for _, want := range []string{`profile "ci"`, "https://other.example.com", "https://intranet.example.com", "axero --profile ci login", "AXERO_TOKEN"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}

func TestBindToSiteRecordsAnotherSpellingOfTheSite(t *testing.T) {
	p := &config.Profile{URL: "https://axero.test:8443"}
	tok := jwtIssuedBy("https://127.0.0.1:8443")
	if err := CheckSite("ci", p, tok); err == nil {
		t.Fatal("an unrecorded spelling was accepted")
	}
	BindToSite(p, tok)
	if p.TokenIssuer != "https://127.0.0.1:8443" {
		t.Fatalf("TokenIssuer = %q", p.TokenIssuer)
	}
	if err := CheckSite("ci", p, tok); err != nil {
		t.Fatalf("the recorded spelling was refused: %v", err)
	}
	// Another token, issued by yet another site, is still refused.
	if err := CheckSite("ci", p, jwtIssuedBy("https://evil.example")); err == nil {
		t.Fatal("a third site was accepted")
	}
	// A token that names the site as the profile does records nothing.
	BindToSite(p, jwtIssuedBy("https://axero.test:8443/"))
	if p.TokenIssuer != "" {
		t.Fatalf("TokenIssuer = %q, want none", p.TokenIssuer)
	}
}

func TestSiteErrorMessages(t *testing.T) {
	base := SiteError{Site: "http://127.0.0.1:41257", SiteFrom: "AXERO_URL", Profile: "default", ProfileSite: "https://intranet.example.com"}
	noProfile := base
	suggest := base
	suggest.Suggest = "sandbox"
	ambiguous := base
	ambiguous.Ambiguous = []string{"a", "b"}
	for _, c := range []struct {
		e    SiteError
		want []string
	}{
		{noProfile, []string{"no profile is logged in to http://127.0.0.1:41257 (from AXERO_URL)", `profile "default" is logged in to https://intranet.example.com`, "`axero --profile 127.0.0.1-41257 login --url http://127.0.0.1:41257`", "AXERO_TOKEN"}},
		{suggest, []string{"pass --profile sandbox", "https://intranet.example.com", "http://127.0.0.1:41257 (from AXERO_URL)"}},
		{ambiguous, []string{`profiles "a", "b"`, "choose one with --profile"}},
	} {
		msg := c.e.Error()
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%q lacks %q", msg, w)
			}
		}
		if strings.Contains(msg, "\n") || c.e.Problem() == "" {
			t.Errorf("%q: not one line, or no problem", msg)
		}
	}
}

func TestProfileNameFor(t *testing.T) {
	for site, want := range map[string]string{
		"https://intranet.example.com":       "intranet.example.com",
		"http://127.0.0.1:41257":             "127.0.0.1-41257",
		"https://x.example/sub":              "x.example",
		"https://" + strings.Repeat("a", 70): strings.Repeat("a", 64),
		"https://[::1]:8443":                 "1--8443",
	} {
		if got := ProfileNameFor(site); got != want {
			t.Errorf("ProfileNameFor(%q) = %q, want %q", site, got, want)
		}
		if err := config.ValidateProfileName(ProfileNameFor(site)); err != nil {
			t.Errorf("ProfileNameFor(%q): %v", site, err)
		}
	}
}
