package emulator_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
)

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func TestCreateListRenameRevoke(t *testing.T) {
	clk := newClock()
	s := emulator.NewTest(t, emulator.Options{Now: clk.Now})
	jdoe := s.SeedToken("jdoe")

	ct := call(t, s, "POST", "/api/bearertokens", jdoe, `{"Name":"  ci-deploy  ","ExpiresInMinutes":120}`).created(t)
	if ct.Name != "ci-deploy" || ct.UserID != 3 || ct.CreatedByUserID != 3 || ct.IsImpersonation || ct.Status != client.StatusActive {
		t.Errorf("created %+v", ct.Token)
	}
	if !ct.DateCreated.Equal(clk.Now()) || !ct.ExpirationDate.Equal(clk.Now().Add(2*time.Hour)) {
		t.Errorf("created %v expires %v", ct.DateCreated, ct.ExpirationDate)
	}
	// The new token works at once.
	call(t, s, "GET", "/api/users/me", ct.Secret, "").want(t, http.StatusOK)

	list := call(t, s, "GET", "/api/bearertokens", jdoe, "").tokens(t)
	if len(list) != 2 || list[1].TokenID != ct.TokenID {
		t.Errorf("list %v", ids(list))
	}

	var renamed client.Token
	call(t, s, "PUT", "/api/bearertokens/"+itoa(ct.TokenID), jdoe, `{"Name":"ci-prod"}`).want(t, http.StatusOK).decode(t, &renamed)
	if renamed.Name != "ci-prod" || renamed.TokenID != ct.TokenID {
		t.Errorf("renamed %+v", renamed)
	}

	call(t, s, "DELETE", "/api/bearertokens/"+itoa(ct.TokenID), jdoe, "").want(t, http.StatusOK)
	for _, method := range []string{"GET", "PUT", "DELETE"} {
		call(t, s, method, "/api/bearertokens/"+itoa(ct.TokenID), jdoe, `{"Name":"x"}`).want(t, http.StatusNotFound)
	}
	if containsID(call(t, s, "GET", "/api/bearertokens", jdoe, "").tokens(t), ct.TokenID) {
		t.Error("a revoked token is still listed")
	}
	call(t, s, "GET", "/api/users/me", ct.Secret, "").want(t, http.StatusUnauthorized)

	// Status follows the clock.
	short := call(t, s, "POST", "/api/bearertokens", jdoe, `{"Name":"short","ExpiresInMinutes":1}`).created(t)
	clk.Advance(2 * time.Minute)
	var got client.Token
	call(t, s, "GET", "/api/bearertokens/"+itoa(short.TokenID), jdoe, "").want(t, http.StatusOK).decode(t, &got)
	if got.Status != client.StatusExpired {
		t.Errorf("status %q after expiry, want Expired", got.Status)
	}
	call(t, s, "GET", "/api/users/me", short.Secret, "").want(t, http.StatusUnauthorized)
}

func TestImpersonationTokensVisibility(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{})
	admin, jdoe := s.SeedToken("admin"), s.SeedToken("jdoe")

	imp := call(t, s, "POST", "/api/users/3/bearertokens", admin, `{"Name":"migration"}`).created(t)
	if !imp.IsImpersonation || imp.UserID != 3 || imp.CreatedByUserID != 1 {
		t.Errorf("impersonation token %+v", imp.Token)
	}
	// It acts as the user.
	var me client.User
	call(t, s, "GET", "/api/users/me", imp.Secret, "").want(t, http.StatusOK).decode(t, &me)
	if me.UserID != 3 {
		t.Errorf("impersonation token acts as %d", me.UserID)
	}
	// Hidden from the user, with its own token or the impersonation one.
	for _, tok := range []string{jdoe, imp.Secret} {
		if containsID(call(t, s, "GET", "/api/bearertokens", tok, "").tokens(t), imp.TokenID) {
			t.Error("the user's own list shows an impersonation token")
		}
		for _, method := range []string{"GET", "PUT", "DELETE"} {
			call(t, s, method, "/api/bearertokens/"+itoa(imp.TokenID), tok, `{"Name":"x"}`).want(t, http.StatusNotFound)
		}
	}
	// Visible to the admin who can impersonate.
	all := call(t, s, "GET", "/api/users/3/bearertokens", admin, "").tokens(t)
	if !containsID(all, imp.TokenID) || len(all) != 2 {
		t.Errorf("admin's view of jdoe's tokens: %v", ids(all))
	}
	if containsID(call(t, s, "GET", "/api/bearertokens", admin, "").tokens(t), imp.TokenID) {
		t.Error("the admin's own list shows a token of another user")
	}
	call(t, s, "GET", "/api/bearertokens/"+itoa(imp.TokenID), admin, "").want(t, http.StatusOK)
	call(t, s, "PUT", "/api/bearertokens/"+itoa(imp.TokenID), admin, `{"Name":"renamed"}`).want(t, http.StatusOK)

	// A site admin without the permission gets 403 and changes nothing.
	before := len(s.Tokens())
	site := s.SeedToken("siteadmin")
	call(t, s, "GET", "/api/users/3/bearertokens", site, "").want(t, http.StatusForbidden)
	call(t, s, "POST", "/api/users/3/bearertokens", site, `{"Name":"x"}`).want(t, http.StatusForbidden)
	call(t, s, "POST", "/api/users/3/bearertokens", jdoe, `{"Name":"x"}`).want(t, http.StatusForbidden)
	call(t, s, "GET", "/api/bearertokens/"+itoa(imp.TokenID), site, "").want(t, http.StatusNotFound)
	if len(s.Tokens()) != before {
		t.Error("a refused create minted a token")
	}
	// Unknown users are 404 to the admin.
	call(t, s, "GET", "/api/users/99999/bearertokens", admin, "").want(t, http.StatusNotFound)
	call(t, s, "POST", "/api/users/99999/bearertokens", admin, `{"Name":"x"}`).want(t, http.StatusNotFound)

	// One user never sees another's tokens; the admin may revoke them.
	call(t, s, "GET", "/api/bearertokens/100001", jdoe, "").want(t, http.StatusNotFound)
	call(t, s, "DELETE", "/api/bearertokens/"+itoa(imp.TokenID), admin, "").want(t, http.StatusOK)
	call(t, s, "DELETE", "/api/bearertokens/"+itoa(imp.TokenID), admin, "").want(t, http.StatusNotFound)
	if containsID(call(t, s, "GET", "/api/users/3/bearertokens", admin, "").tokens(t), imp.TokenID) {
		t.Error("a revoked impersonation token is still listed")
	}
}

func TestNamesAreValidated(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{})
	jdoe := s.SeedToken("jdoe")
	long := strings.Repeat("é", 100)
	call(t, s, "POST", "/api/bearertokens", jdoe, jsonBody(map[string]any{"Name": long})).created(t)
	for name, body := range map[string]string{
		"missing":       `{}`,
		"empty body":    ``,
		"blank":         `{"Name":"   "}`,
		"too long":      jsonBody(map[string]any{"Name": long + "x"}),
		"control":       `{"Name":"a\u0007b"}`,
		"newline":       `{"Name":"a\nb"}`,
		"not a string":  `{"Name":42}`,
		"null":          `{"Name":null}`,
		"not an object": `["ci"]`,
		"invalid JSON":  `{"Name":`,
	} {
		r := call(t, s, "POST", "/api/bearertokens", jdoe, body).want(t, http.StatusBadRequest)
		if r.Env.ErrorCode != emulator.CodeValidation {
			t.Errorf("%s: ErrorCode %q", name, r.Env.ErrorCode)
		}
		call(t, s, "PUT", "/api/bearertokens/100003", jdoe, body).want(t, http.StatusBadRequest)
	}
	// Field names match without regard to case, as ASP.NET binds them.
	if ct := call(t, s, "POST", "/api/bearertokens", jdoe, `{"name":"lower"}`).created(t); ct.Name != "lower" {
		t.Errorf("name %q", ct.Name)
	}
}

func TestExpiresInMinutesFollowsThePolicy(t *testing.T) {
	clk := newClock()
	s := emulator.NewTest(t, emulator.Options{Now: clk.Now})
	jdoe := s.SeedToken("jdoe")

	ct := call(t, s, "POST", "/api/bearertokens", jdoe, `{"Name":"default"}`).created(t)
	if !ct.ExpirationDate.Equal(clk.Now().Add(43200 * time.Minute)) {
		t.Errorf("default expiry %v", ct.ExpirationDate)
	}
	ct = call(t, s, "POST", "/api/bearertokens", jdoe, `{"Name":"max","ExpiresInMinutes":525600}`).created(t)
	if !ct.ExpirationDate.Equal(clk.Now().Add(525600 * time.Minute)) {
		t.Errorf("max expiry %v", ct.ExpirationDate)
	}
	for _, v := range []string{"525601", "-1", "0", "1.5", `"60"`, "true", "1e3"} {
		r := call(t, s, "POST", "/api/bearertokens", jdoe, `{"Name":"x","ExpiresInMinutes":`+v+`}`).want(t, http.StatusBadRequest)
		if !strings.Contains(r.Env.ErrorMessage, "525600") {
			t.Errorf("ExpiresInMinutes %s: message %q does not name the limit", v, r.Env.ErrorMessage)
		}
	}

	s.SetPolicy(emulator.Policy{SecurityLevel: "Compatible", MaxExpirationMinutes: 0, AllowNoExpiration: true, DefaultExpirationMinutes: 60})
	ct = call(t, s, "POST", "/api/bearertokens", jdoe, `{"Name":"never","ExpiresInMinutes":0}`).created(t)
	if ct.ExpirationDate != nil || ct.Status != client.StatusActive {
		t.Errorf("never-expiring token: %+v", ct.Token)
	}
	call(t, s, "POST", "/api/bearertokens", jdoe, `{"Name":"decade","ExpiresInMinutes":5256000}`).created(t)
	r := call(t, s, "POST", "/api/bearertokens", jdoe, `{"Name":"x","ExpiresInMinutes":-5}`).want(t, http.StatusBadRequest)
	if !strings.Contains(r.Env.ErrorMessage, "no maximum") {
		t.Errorf("message %q", r.Env.ErrorMessage)
	}
	call(t, s, "POST", "/api/bearertokens", jdoe, `{"Name":"x","ExpiresInMinutes":9000000000000}`).want(t, http.StatusBadRequest)
}

func TestPaging(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{})
	jdoe := s.SeedToken("jdoe")
	for i := 0; i < 44; i++ {
		call(t, s, "POST", "/api/bearertokens", jdoe, fmt.Sprintf(`{"Name":"t%02d"}`, i)).created(t)
	}
	r := call(t, s, "GET", "/api/bearertokens", jdoe, "")
	if list := r.tokens(t); len(list) != 20 || *r.Env.TotalRecords != 45 {
		t.Errorf("default page: %d items, TotalRecords %d", len(list), *r.Env.TotalRecords)
	}
	seen := map[int64]bool{}
	for page := 1; page <= 3; page++ {
		list := call(t, s, "GET", fmt.Sprintf("/api/bearertokens?StartPage=%d&PageSize=20", page), jdoe, "").tokens(t)
		for _, tok := range list {
			seen[tok.TokenID] = true
		}
	}
	if len(seen) != 45 {
		t.Errorf("three pages hold %d distinct tokens, want 45", len(seen))
	}
	if list := call(t, s, "GET", "/api/bearertokens?StartPage=9&PageSize=100", jdoe, "").tokens(t); len(list) != 0 {
		t.Errorf("a page past the end holds %d tokens", len(list))
	}
	for _, q := range []string{"PageSize=0", "PageSize=101", "PageSize=abc", "StartPage=0", "StartPage=-1", "StartPage=x"} {
		r := call(t, s, "GET", "/api/bearertokens?"+q, jdoe, "").want(t, http.StatusBadRequest)
		if r.Env.ErrorCode != emulator.CodeValidation {
			t.Errorf("%s: ErrorCode %q", q, r.Env.ErrorCode)
		}
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{})
	tok := s.SeedToken("admin")
	for _, p := range []string{"/api/nope", "/api/bearertokens/abc", "/api/users/1/other", "/", "/other"} {
		r := call(t, s, "GET", p, tok, "").want(t, http.StatusNotFound)
		if r.Env.ErrorCode != emulator.CodeNotFound {
			t.Errorf("%s: ErrorCode %q", p, r.Env.ErrorCode)
		}
	}
	r := call(t, s, "PATCH", "/api/bearertokens/100001", tok, "").want(t, http.StatusMethodNotAllowed)
	if r.Header.Get("Allow") != "GET, PUT, DELETE" {
		t.Errorf("Allow %q", r.Header.Get("Allow"))
	}
	call(t, s, "DELETE", "/api/users/me", tok, "").want(t, http.StatusMethodNotAllowed)
	call(t, s, "POST", "/api/bearertokens/policy", tok, "").want(t, http.StatusMethodNotAllowed)
}

func TestConcurrentCreatesAreDistinct(t *testing.T) {
	s := emulator.NewTest(t, emulator.Options{Users: 16})
	admin := s.SeedToken("admin")
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int64]bool{}
	secrets := map[string]bool{}
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				ct := call(t, s, "POST", fmt.Sprintf("/api/users/%d/bearertokens", 1001+w), admin, `{"Name":"bulk"}`).created(t)
				mu.Lock()
				seen[ct.TokenID], secrets[ct.Secret] = true, true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 400 || len(secrets) != 400 {
		t.Errorf("%d distinct IDs and %d distinct values, want 400", len(seen), len(secrets))
	}
	if got := len(call(t, s, "GET", "/api/users/1016/bearertokens?PageSize=100", admin, "").tokens(t)); got != 25 {
		t.Errorf("user 1016 has %d tokens, want 25", got)
	}
}
