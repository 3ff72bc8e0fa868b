package emulator_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
)

func TestAuthFailuresAre401(t *testing.T) {
	clk := newClock()
	s := emulator.NewTest(t, emulator.Options{Now: clk.Now})
	jdoe := s.SeedToken("jdoe")

	expired, err := s.MintToken(emulator.JDoeID, "old", ptr(clk.Now().Add(-time.Minute)), 0)
	if err != nil {
		t.Fatal(err)
	}
	revoked := call(t, s, "POST", "/api/bearertokens", jdoe, `{"Name":"gone"}`).created(t)
	call(t, s, "DELETE", "/api/bearertokens/"+itoa(revoked.TokenID), jdoe, "").want(t, http.StatusOK)
	// A token signed with the right key but never minted is unknown too.
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "1", "jti": "1"}).SignedString([]byte("other key"))

	cases := map[string]string{
		"missing":   "",
		"malformed": "not-a-jwt",
		"unknown":   forged,
		"expired":   expired.Secret,
		"revoked":   revoked.Secret,
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			for _, path := range []string{"/api/users/me", "/api/bearertokens", "/api/bearertokens/policy"} {
				r := call(t, s, "GET", path, tok, "").want(t, http.StatusUnauthorized)
				if r.Env.ErrorCode != emulator.CodeUnauthorized {
					t.Errorf("%s: ErrorCode %q", path, r.Env.ErrorCode)
				}
				if tok != "" && strings.Contains(string(r.Body), tok) {
					t.Errorf("%s: the error answer repeats the token", path)
				}
			}
		})
	}
	// The wrong scheme is refused as well.
	req, _ := http.NewRequest("GET", s.URL()+"/api/users/me", nil)
	req.Header.Set("Authorization", "Basic "+jdoe)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("Basic scheme: status %d", resp.StatusCode)
	}
}

func TestNoAPIRoleIs403EverywhereAndChangesNothing(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{})
	tok := s.SeedToken("noapi")
	before := len(s.Tokens())
	for _, rq := range []struct{ method, path, body string }{
		{"GET", "/api/users/me", ""},
		{"GET", "/api/users/1", ""},
		{"GET", "/api/users", ""},
		{"GET", "/api/bearertokens/policy", ""},
		{"GET", "/api/bearertokens", ""},
		{"POST", "/api/bearertokens", `{"Name":"x"}`},
		{"GET", "/api/bearertokens/100004", ""},
		{"PUT", "/api/bearertokens/100004", `{"Name":"x"}`},
		{"DELETE", "/api/bearertokens/100004", ""},
		{"GET", "/api/users/4/bearertokens", ""},
		{"POST", "/api/users/4/bearertokens", `{"Name":"x"}`},
	} {
		r := call(t, s, rq.method, rq.path, tok, rq.body).want(t, http.StatusForbidden)
		if r.Env.ErrorCode != emulator.CodeForbidden {
			t.Errorf("%s %s: ErrorCode %q", rq.method, rq.path, r.Env.ErrorCode)
		}
	}
	if after := len(s.Tokens()); after != before {
		t.Errorf("tokens went from %d to %d after 403s", before, after)
	}
	if s.Tokens()[3].Revoked {
		t.Error("noapi's seed token was revoked by a 403 request")
	}
}

func TestEnvelopeAndObjectsArePascalCaseRFC3339(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{})
	r := call(t, s, "GET", "/api/users/me", s.SeedToken("jdoe"), "").want(t, http.StatusOK)
	want := `{"IsError":false,"ResponseData":{"UserID":3,"UserName":"jdoe","DisplayName":"Jane Doe","Email":"jdoe@example.com","IsSiteAdmin":false,"CanImpersonate":false}}`
	if string(r.Body) != want {
		t.Errorf("users/me:\n got %s\nwant %s", r.Body, want)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}

	r = call(t, s, "GET", "/api/bearertokens", s.SeedToken("jdoe"), "").want(t, http.StatusOK)
	body := string(r.Body)
	for _, key := range []string{`"TotalRecords":1`, `"TokenID":100003`, `"Name":"seed"`, `"UserID":3`, `"IsImpersonation":false`, `"CreatedByUserID":3`, `"Status":"Active"`} {
		if !strings.Contains(body, key) {
			t.Errorf("token list lacks %s: %s", key, body)
		}
	}
	stamp := regexp.MustCompile(`"(DateCreated|ExpirationDate|LastUsedDate)":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"`)
	if n := len(stamp.FindAllString(body, -1)); n != 3 {
		t.Errorf("want 3 RFC 3339 UTC times, found %d: %s", n, body)
	}
	if strings.Contains(body, `"Token"`) {
		t.Errorf("a list carries token values: %s", body)
	}

	r = call(t, s, "GET", "/api/bearertokens/policy", s.SeedToken("jdoe"), "").want(t, http.StatusOK)
	wantPolicy := `{"IsError":false,"ResponseData":{"SecurityLevel":"High","MaxExpirationMinutes":525600,"AllowNoExpiration":false,"DefaultExpirationMinutes":43200}}`
	if string(r.Body) != wantPolicy {
		t.Errorf("policy:\n got %s\nwant %s", r.Body, wantPolicy)
	}
}

func TestTokensAreJWTsWithTheContractClaims(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{Policy: emulator.Policy{MaxExpirationMinutes: 0, AllowNoExpiration: true, DefaultExpirationMinutes: 60}})
	own := call(t, s, "POST", "/api/bearertokens", s.SeedToken("jdoe"), `{"Name":"ci","ExpiresInMinutes":90}`).created(t)
	claims := parseClaims(t, own.Secret)
	for k, want := range map[string]any{"iss": s.URL(), "sub": "3", "jti": itoa(own.TokenID), "name": "ci"} {
		if claims[k] != want {
			t.Errorf("claim %s = %#v, want %#v", k, claims[k], want)
		}
	}
	exp, _ := claims.GetExpirationTime()
	iat, _ := claims.GetIssuedAt()
	if exp == nil || iat == nil || exp.Sub(iat.Time) != 90*time.Minute {
		t.Errorf("iat %v exp %v, want 90 minutes apart", iat, exp)
	}
	if !own.ExpirationDate.Equal(exp.Time) {
		t.Errorf("ExpirationDate %v, exp claim %v", own.ExpirationDate, exp)
	}
	if _, ok := claims["act"]; ok {
		t.Error("act claim on a token that is not an impersonation token")
	}

	never := call(t, s, "POST", "/api/users/3/bearertokens", s.SeedToken("admin"), `{"Name":"imp","ExpiresInMinutes":0}`).created(t)
	claims = parseClaims(t, never.Secret)
	if _, ok := claims["exp"]; ok {
		t.Error("exp claim on a token that never expires")
	}
	if never.ExpirationDate != nil {
		t.Errorf("ExpirationDate %v for a token that never expires", never.ExpirationDate)
	}
	if claims["act"] != "1" || claims["sub"] != "3" {
		t.Errorf("impersonation claims act=%v sub=%v, want 1 and 3", claims["act"], claims["sub"])
	}
}

func TestOnlyHashesAreStoredAndLastUsedIsRecorded(t *testing.T) {
	clk := newClock()
	s := emulator.NewTest(t, emulator.Options{Now: clk.Now})
	ct := call(t, s, "POST", "/api/bearertokens", s.SeedToken("jdoe"), `{"Name":"ci"}`).created(t)
	if ct.LastUsedDate != nil {
		t.Errorf("a new token has LastUsedDate %v", ct.LastUsedDate)
	}
	clk.Advance(time.Hour)
	call(t, s, "GET", "/api/users/me", ct.Secret, "").want(t, http.StatusOK)
	var got client.Token
	call(t, s, "GET", "/api/bearertokens/"+itoa(ct.TokenID), s.SeedToken("jdoe"), "").want(t, http.StatusOK).decode(t, &got)
	if got.LastUsedDate == nil || !got.LastUsedDate.Equal(clk.Now()) {
		t.Errorf("LastUsedDate %v, want %v", got.LastUsedDate, clk.Now())
	}
	st := s.Tokens()[len(s.Tokens())-1]
	if st.Hash != s.HashSecret(ct.Secret) || st.Hash == ct.Secret || len(st.Hash) != 64 {
		t.Errorf("stored hash %q is not the hex SHA-256 of the value", st.Hash)
	}
}

func TestUserEndpointsAreForSiteAdmins(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{Users: 30})
	for _, who := range []string{"admin", "siteadmin"} {
		var u client.User
		call(t, s, "GET", "/api/users/1005", s.SeedToken(who), "").want(t, http.StatusOK).decode(t, &u)
		if u.UserName != "user0005" || u.Email != "user0005@example.com" || u.DisplayName != "User 0005" {
			t.Errorf("%s: user 1005 is %+v", who, u)
		}
		call(t, s, "GET", "/api/users/99999", s.SeedToken(who), "").want(t, http.StatusNotFound)
	}
	call(t, s, "GET", "/api/users/1", s.SeedToken("jdoe"), "").want(t, http.StatusForbidden)
	call(t, s, "GET", "/api/users?UserName=jdoe", s.SeedToken("jdoe"), "").want(t, http.StatusForbidden)

	admin := s.SeedToken("siteadmin")
	for q, want := range map[string]int{
		"Email=JDOE@example.COM":                1,
		"UserName=USER0017":                     1,
		"UserName=user001":                      0,
		"Email=jdoe@example.com&UserName=jdoe":  1,
		"Email=jdoe@example.com&UserName=admin": 0,
		"":                                      34,
	} {
		r := call(t, s, "GET", "/api/users?"+q, admin, "").want(t, http.StatusOK)
		if *r.Env.TotalRecords != want {
			t.Errorf("search %q: TotalRecords %d, want %d", q, *r.Env.TotalRecords, want)
		}
	}
	var page []client.User
	r := call(t, s, "GET", "/api/users?StartPage=2&PageSize=10", admin, "").want(t, http.StatusOK)
	r.decode(t, &page)
	if len(page) != 10 || page[0].UserName != "user0007" {
		t.Errorf("page 2 of 10 starts with %+v (len %d)", page[0], len(page))
	}
}

func parseClaims(t *testing.T, secret string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	tok, _, err := jwt.NewParser().ParseUnverified(secret, claims)
	if err != nil {
		t.Fatalf("not a JWT: %v", err)
	}
	if tok.Method.Alg() != "HS256" {
		t.Errorf("alg %s, want HS256", tok.Method.Alg())
	}
	return claims
}

func ptr[T any](v T) *T { return &v }

func TestForbiddenRequestsDoNotCountAsUse(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{})
	call(t, s, "GET", "/api/users/3/bearertokens", s.SeedToken("siteadmin"), "").want(t, http.StatusForbidden)
	call(t, s, "GET", "/api/users/me", s.SeedToken("noapi"), "").want(t, http.StatusForbidden)
	for _, tok := range s.Tokens() {
		if tok.LastUsedDate != nil {
			t.Errorf("token %d (user %d) has LastUsedDate after a 403", tok.TokenID, tok.UserID)
		}
	}
	call(t, s, "GET", "/api/bearertokens/999", s.SeedToken("siteadmin"), "").want(t, http.StatusNotFound)
	if s.Tokens()[1].LastUsedDate == nil {
		t.Error("a 404 answer did not record the token's use")
	}
}
