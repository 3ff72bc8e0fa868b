package client

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// tokenListServer serves n tokens with IDs 1..n, paged by StartPage and
// PageSize (capped at maxSize), with or without TotalRecords.
type tokenListServer struct {
	n, maxSize int
	noTotal    bool
	// parallel, when set, makes requests for pages after the first wait
	// (up to a few seconds) until that many are in flight, to prove the
	// client overlaps them.
	parallel int

	mu          sync.Mutex
	inFlight    int
	maxInFlight int
	pages       []int
	sizes       []int
	seen        chan struct{}
	seenOnce    sync.Once
}

func (s *tokenListServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start, _ := strconv.Atoi(r.URL.Query().Get("StartPage"))
	size, _ := strconv.Atoi(r.URL.Query().Get("PageSize"))
	if s.maxSize > 0 && size > s.maxSize {
		size = s.maxSize
	}
	s.mu.Lock()
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.pages = append(s.pages, start)
	s.sizes = append(s.sizes, size)
	enough := s.inFlight >= s.parallel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	if start > 1 && s.parallel > 0 {
		if enough {
			s.seenOnce.Do(func() { close(s.seen) })
		}
		select {
		case <-s.seen:
		case <-time.After(5 * time.Second):
		}
	}
	items := []any{}
	for id := (start-1)*size + 1; id <= start*size && id <= s.n; id++ {
		items = append(items, sampleToken(id))
	}
	if s.noTotal {
		writeJSON(w, 200, items)
		return
	}
	writeJSON(w, 200, map[string]any{"IsError": false, "ResponseData": items, "TotalRecords": s.n})
}

func checkIDs(t *testing.T, got []Token, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("got %d tokens, want %d", len(got), n)
	}
	for i, tok := range got {
		if tok.TokenID != int64(i+1) {
			t.Fatalf("token %d has ID %d: out of order", i, tok.TokenID)
		}
	}
}

func TestListAllFetchesRemainingPagesConcurrentlyInOrder(t *testing.T) {
	s := &tokenListServer{n: 950, parallel: 2, seen: make(chan struct{})}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	got, err := c.ListAllTokens(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, got, 950)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pages) != 10 || s.pages[0] != 1 || s.sizes[0] != 100 {
		t.Errorf("pages requested = %v with sizes %v", s.pages, s.sizes)
	}
	if s.maxInFlight < 2 || s.maxInFlight > listConcurrency {
		t.Errorf("at most %d requests were in flight, want 2..%d", s.maxInFlight, listConcurrency)
	}
}

func TestListAllUserTokensWithSmallerServerPages(t *testing.T) {
	s := &tokenListServer{n: 130, maxSize: 50}
	var paths sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths.Store(r.URL.Path, true)
		s.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	got, err := c.ListAllUserTokens(t.Context(), 1001)
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, got, 130)
	n := 0
	paths.Range(func(k, _ any) bool {
		n++
		if k != "/api/users/1001/bearertokens" {
			t.Errorf("path = %q", k)
		}
		return true
	})
	if n != 1 {
		t.Errorf("%d distinct paths requested", n)
	}
}

func TestListAllWithoutTotalRecordsWalksPages(t *testing.T) {
	s := &tokenListServer{n: 230, noTotal: true}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	got, err := c.ListAllTokens(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, got, 230)
}

func TestListAllSinglePageAndEmpty(t *testing.T) {
	for _, n := range []int{0, 1, 100} {
		s := &tokenListServer{n: n}
		srv := httptest.NewServer(s)
		c := newTestClient(t, srv, nil)
		got, err := c.ListAllTokens(t.Context())
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		checkIDs(t, got, n)
		if got == nil {
			t.Errorf("n=%d: nil slice, want empty", n)
		}
		if len(s.pages) != 1 {
			t.Errorf("n=%d: %d requests, want 1", n, len(s.pages))
		}
	}
}

func TestListAllStopsOnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("StartPage") == "3" {
			writeJSON(w, 403, fail("no", "Forbidden"))
			return
		}
		(&tokenListServer{n: 500}).ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	if _, err := c.ListAllTokens(t.Context()); KindOf(err) != KindForbidden {
		t.Errorf("err = %v, want KindForbidden", err)
	}
}

func TestListTokensOnePage(t *testing.T) {
	s := &tokenListServer{n: 45}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	page, err := c.ListTokens(t.Context(), 3, 20)
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalRecords != 45 || page.StartPage != 3 || page.PageSize != 20 || len(page.Items) != 5 || page.Items[0].TokenID != 41 {
		t.Errorf("page = %+v", page)
	}
	for _, bad := range [][2]int{{0, 20}, {1, 0}, {1, 101}, {-1, 10}} {
		if _, err := c.ListTokens(t.Context(), bad[0], bad[1]); err == nil {
			t.Errorf("ListTokens(%d, %d) accepted", bad[0], bad[1])
		}
	}
	if len(s.pages) != 1 {
		t.Errorf("invalid paging reached the server: %v", s.pages)
	}
}

func TestFindUsersSendsQuery(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Path + "?" + r.URL.RawQuery
		writeJSON(w, 200, map[string]any{"IsError": false, "ResponseData": []any{sampleUser}, "TotalRecords": 1})
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	page, err := c.FindUsers(t.Context(), UserQuery{Email: "jdoe@example.com"}, 1, 20)
	if err != nil {
		t.Fatal(err)
	}
	if got != "/api/users?Email=jdoe%40example.com&PageSize=20&StartPage=1" {
		t.Errorf("request = %q", got)
	}
	if len(page.Items) != 1 || page.Items[0].UserName != "jdoe" || page.TotalRecords != 1 {
		t.Errorf("page = %+v", page)
	}
	if _, err := c.FindUsers(t.Context(), UserQuery{UserName: "j doe"}, 2, 5); err != nil {
		t.Fatal(err)
	}
	if got != "/api/users?PageSize=5&StartPage=2&UserName=j+doe" {
		t.Errorf("request = %q", got)
	}
}

func TestPathOverrides(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path)
		mu.Unlock()
		switch {
		case r.Method == http.MethodPost:
			tok := sampleToken(9)
			tok["Token"] = mintedSecret
			writeJSON(w, 201, ok(tok))
		case r.URL.Query().Get("PageSize") != "":
			writeJSON(w, 200, map[string]any{"IsError": false, "ResponseData": []any{}, "TotalRecords": 0})
		case r.Method == http.MethodDelete:
			writeJSON(w, 200, ok(nil))
		case r.URL.Path == "/rest/v2/policy":
			writeJSON(w, 200, ok(map[string]any{"SecurityLevel": "High"}))
		case r.URL.Path == "/rest/v2/whoami" || r.URL.Path == "/rest/v2/people/5":
			writeJSON(w, 200, ok(sampleUser))
		default:
			writeJSON(w, 200, ok(sampleToken(9)))
		}
	}))
	defer srv.Close()
	paths := Paths{ //nolint:gosec // test fixture, not a credential
		Me:         "/rest/v2/whoami",
		User:       "rest/v2/people/{UserID}", // a missing leading slash is tolerated
		Users:      "/rest/v2/people",
		Policy:     "/rest/v2/policy",
		Tokens:     "/rest/v2/keys",
		Token:      "/rest/v2/keys/{TokenID}",
		UserTokens: "/rest/v2/people/{UserID}/keys",
	}
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Paths = paths })
	ctx := t.Context()
	steps := []func() error{
		func() error { _, err := c.Me(ctx); return err },
		func() error { _, err := c.GetUser(ctx, 5); return err },
		func() error { _, err := c.FindUsers(ctx, UserQuery{}, 1, 10); return err },
		func() error { _, err := c.Policy(ctx); return err },
		func() error { _, err := c.ListTokens(ctx, 1, 10); return err },
		func() error { _, err := c.CreateToken(ctx, CreateTokenRequest{Name: "x"}); return err },
		func() error { _, err := c.GetToken(ctx, 9); return err },
		func() error { _, err := c.RenameToken(ctx, 9, "y"); return err },
		func() error { return c.RevokeToken(ctx, 9) },
		func() error { _, err := c.ListUserTokens(ctx, 5, 1, 10); return err },
		func() error { _, err := c.CreateUserToken(ctx, 5, CreateTokenRequest{Name: "x"}); return err },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := []string{
		"GET /rest/v2/whoami", "GET /rest/v2/people/5", "GET /rest/v2/people", "GET /rest/v2/policy",
		"GET /rest/v2/keys", "POST /rest/v2/keys", "GET /rest/v2/keys/9", "PUT /rest/v2/keys/9",
		"DELETE /rest/v2/keys/9", "GET /rest/v2/people/5/keys", "POST /rest/v2/people/5/keys",
	}
	if len(got) != len(want) {
		t.Fatalf("requests = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d = %q, want %q", i, got[i], want[i])
		}
	}
	if c.Paths().Token != "/rest/v2/keys/{TokenID}" {
		t.Errorf("Paths() = %+v", c.Paths())
	}
}
