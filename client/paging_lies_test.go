package client

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// lyingListServer sends real pages of n tokens but claims total records.
type lyingListServer struct {
	n, total int
	requests atomic.Int64
}

func (s *lyingListServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	start, _ := strconv.Atoi(r.URL.Query().Get("StartPage"))
	size, _ := strconv.Atoi(r.URL.Query().Get("PageSize"))
	items := []any{}
	for id := (start-1)*size + 1; id <= start*size && id <= s.n; id++ {
		items = append(items, sampleToken(id))
	}
	writeJSON(w, 200, map[string]any{"IsError": false, "ResponseData": items, "TotalRecords": s.total})
}

// allocatedBy reports the bytes allocated while f runs.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestListAllRefusesAbsurdTotalInOneLineWithoutAllocatingForIt(t *testing.T) {
	s := &lyingListServer{n: 150, total: 1_000_000_000}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	var err error
	alloc := allocatedBy(func() { _, err = c.ListAllTokens(t.Context()) })
	if KindOf(err) != KindTooMany {
		t.Fatalf("err = %v, want KindTooMany", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "1000000000") || !strings.Contains(msg, "/api/bearertokens") {
		t.Errorf("message = %q, want one line naming the claim and the path", msg)
	}
	if n := s.requests.Load(); n != 1 {
		t.Errorf("%d requests, want only the first page", n)
	}
	// Generous: one page of 100 tokens and a client are a few hundred KB;
	// planning for 10^7 pages was hundreds of MB.
	if alloc > 16<<20 {
		t.Errorf("allocated %d bytes for a listing of 150 records", alloc)
	}
}

func TestListAllStopsAtTheFirstShortPageWhateverTotalSays(t *testing.T) {
	// The claim is within the limits (900 pages) but only 250 records exist.
	s := &lyingListServer{n: 250, total: MaxListRecords}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	got, err := c.ListAllTokens(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	checkIDs(t, got, 250)
	// Page 3 is short; at most the workers' pages already in flight follow.
	if n := s.requests.Load(); n > 3+listConcurrency {
		t.Errorf("%d requests for 3 pages of data", n)
	}
}

func TestListAllWithoutTotalRefusesEndlessWalk(t *testing.T) {
	// A server that always sends a full page of new items, with no total.
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		start, _ := strconv.Atoi(r.URL.Query().Get("StartPage"))
		size, _ := strconv.Atoi(r.URL.Query().Get("PageSize"))
		items := make([]any, 0, size)
		for i := range size {
			items = append(items, sampleToken((start-1)*size+i+1))
		}
		writeJSON(w, 200, items)
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	_, err := c.ListAllTokens(t.Context())
	if KindOf(err) != KindTooMany || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want a one-line KindTooMany", err)
	}
	if n := requests.Load(); n > MaxListRecords/MaxPageSize+1 {
		t.Errorf("%d requests", n)
	}
}
