package revoke_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/audit"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/revoke"
)

var fixedNow = time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)

func at(days int) *time.Time {
	t := fixedNow.Add(time.Duration(days) * 24 * time.Hour)
	return &t
}

func newClient(t testing.TB, s *emulator.Server, token string) *client.Client {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 32}
	// A connection dialled but never used would hold up the server's
	// shutdown for seconds.
	t.Cleanup(tr.CloseIdleConnections)
	c, err := client.New(client.Config{BaseURL: s.URL(), Token: token, RetryMaxWait: 2 * time.Second, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// site is an emulator with 30 users: each has a healthy token and every
// third user also a stale one (unused for a year).
func site(t *testing.T) *emulator.Server {
	t.Helper()
	s := emulator.NewTest(t, emulator.Options{Users: 30, Now: func() time.Time { return fixedNow }})
	var hist []emulator.HistoryToken
	for uid := int64(1001); uid <= 1030; uid++ {
		hist = append(hist, emulator.HistoryToken{UserID: uid, Name: "healthy", Created: *at(-10), LastUsed: at(-1), Expires: at(100)})
		if uid%3 == 0 {
			hist = append(hist, emulator.HistoryToken{UserID: uid, Name: "=stale", Created: *at(-400), LastUsed: at(-365), Expires: at(100), ImpersonatedBy: emulator.AdminID})
		}
	}
	if _, err := s.SeedHistory(hist); err != nil {
		t.Fatal(err)
	}
	return s
}

// live is the set of live TokenIDs: the emulator's true state.
func live(s *emulator.Server) map[int64]bool {
	out := map[int64]bool{}
	for _, t := range s.Tokens() {
		if !t.Revoked {
			out[t.TokenID] = true
		}
	}
	return out
}

// auditCSV runs an audit for stale tokens and writes its CSV to a file,
// as `token audit --stale 180d -o csv > stale.csv` does. It returns the
// path and the reported TokenIDs.
func auditCSV(t *testing.T, s *emulator.Server, dir string) (string, []int64) {
	t.Helper()
	path := filepath.Join(dir, "stale.csv")
	f, err := os.Create(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	_ = w.Write(audit.CSVHeader)
	var ids []int64
	run := job.New(context.Background(), 0, nil)
	defer run.Close()
	_, err = audit.Run(run, audit.Options{API: newClient(t, s, s.SeedToken("admin")), Workers: 4,
		Criteria: audit.Criteria{Stale: 180 * 24 * time.Hour}, Now: func() time.Time { return fixedNow },
		Emit: func(r audit.Row) error { ids = append(ids, r.TokenID); return w.Write(r.CSVRecord()) }})
	if err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return path, ids
}

func runRevoke(t *testing.T, s *emulator.Server, token, from string, mod func(*revoke.Options)) (revoke.Summary, []revoke.Result, error) {
	t.Helper()
	var results []revoke.Result
	o := revoke.Options{API: newClient(t, s, token), From: from, Workers: 4, Now: func() time.Time { return fixedNow },
		Retry: reconcile.Policy{Wait: 5 * time.Millisecond}, Problem: func(r revoke.Result) { results = append(results, r) }}
	if mod != nil {
		mod(&o)
	}
	run := job.New(context.Background(), 0, nil)
	defer run.Close()
	sum, err := revoke.Run(run, o)
	return sum, results, err
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
