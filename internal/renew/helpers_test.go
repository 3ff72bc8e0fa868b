package renew

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// faulty is the fault mix of the bulk tests: answers lost after the token
// was minted, 500s before acting, rare 503s and a rate limit.
var faulty = emulator.Faults{
	Latency: time.Millisecond, Jitter: 2 * time.Millisecond,
	DropAfterMint: 0.1, FailRate500: 0.05, FailRate503: 0.003,
	RateLimit: 800, RetryAfter: time.Second,
}

func newAPI(t testing.TB, srv *emulator.Server, user string, conns int) *client.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conns + 2
	t.Cleanup(tr.CloseIdleConnections)
	c, err := client.New(client.Config{BaseURL: srv.URL(), Token: srv.SeedToken(user), Transport: tr, RetryMaxWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seedOld mints n impersonation tokens by the admin, one per generated
// user, named "integration", and writes them to path as create-for-user
// would. expires picks each token's expiry (nil: 90 days).
func seedOld(t testing.TB, srv *emulator.Server, path string, n int, expires func(i int) *time.Time) []tokenfile.Record {
	t.Helper()
	out, err := tokenfile.CreateOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]tokenfile.Record, 0, n)
	for i := 0; i < n; i++ {
		exp := time.Now().Add(90 * 24 * time.Hour)
		e := &exp
		if expires != nil {
			e = expires(i)
		}
		uid := int64(1001 + i)
		ct, err := srv.MintToken(uid, "integration", e, emulator.AdminID)
		if err != nil {
			t.Fatal(err)
		}
		r := tokenfile.RecordFor(strconv.FormatInt(uid, 10), &ct)
		if err := out.Write(r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return recs
}

func testOptions(t testing.TB, api API, from, out string) Options {
	t.Helper()
	p := client.Policy(emulator.DefaultPolicy)
	return Options{API: api, From: from, Out: out, Workers: 16, Admin: emulator.AdminID, Policy: &p,
		Retry: reconcile.Policy{Attempts: 6, Tries: 6, Wait: 5 * time.Millisecond, Backoff: 20 * time.Millisecond, Settle: 5 * time.Millisecond}}
}

func spec(t testing.TB, s string) *expiry.Spec {
	t.Helper()
	sp, err := expiry.Parse(s, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &sp
}

// run renews under ctx, taking NEW's lock as the command does.
func runCtx(t testing.TB, ctx context.Context, o Options) (Summary, error) {
	t.Helper()
	if !o.DryRun {
		lock, err := job.AcquireLock(o.Out)
		if err != nil {
			return Summary{}, err
		}
		o.Lock = lock
	}
	r := job.New(ctx, 0, nil)
	defer r.Close()
	return Run(r, o)
}

func run(t testing.TB, o Options) (Summary, error) {
	t.Helper()
	return runCtx(t, context.Background(), o)
}

func readAll(t testing.TB, path string) []tokenfile.Record {
	t.Helper()
	rr, err := tokenfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rr.Close() }()
	var out []tokenfile.Record
	for {
		e, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil || e.Err != nil {
			t.Fatalf("reading %s: %v %v", path, err, e.Err)
		}
		out = append(out, e.Record)
	}
}

// failedReasons maps each old TokenID in the failed file to its reason.
func failedReasons(t testing.TB, out string) map[int64]string {
	t.Helper()
	f, err := os.Open(job.FailedPath(out))
	if errors.Is(err, os.ErrNotExist) {
		return map[int64]string{}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	m := map[int64]string{}
	for _, r := range rows[1:] {
		id, _ := strconv.ParseInt(r[2], 10, 64)
		m[id] = r[len(r)-1]
	}
	return m
}

func hashOf(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// checkFinal proves, against the emulator's true state, what a completed
// run promises for every old record: renewed (the old token revoked, and
// the user's one active token of that name is the one in NEW, with the
// secret NEW holds), copied unchanged (still active, in NEW), or failed
// (in the failed file, with no replacement of it active). No token that the
// run minted is active without its secret in NEW. It returns how many
// records were renewed, copied and failed.
func checkFinal(t testing.TB, srv *emulator.Server, old []tokenfile.Record, out string) (renewed, copied, failed int) {
	t.Helper()
	tokens := map[int64]emulator.TokenState{}
	activeByUserName := map[string][]int64{}
	for _, ts := range srv.Tokens() {
		tokens[ts.TokenID] = ts
		if !ts.Revoked {
			k := fmt.Sprintf("%d/%s", ts.UserID, ts.Name)
			activeByUserName[k] = append(activeByUserName[k], ts.TokenID)
		}
	}
	news := readAll(t, out)
	inNew := map[int64]tokenfile.Record{}
	for _, n := range news {
		if _, dup := inNew[n.TokenID]; dup {
			t.Errorf("token %d is in NEW twice", n.TokenID)
		}
		inNew[n.TokenID] = n
		ts, ok := tokens[n.TokenID]
		switch {
		case !ok || ts.Revoked:
			t.Errorf("NEW holds token %d, which is not active", n.TokenID)
		case ts.Hash != hashOf(n.Token) || ts.UserID != n.UserID:
			t.Errorf("NEW's record of token %d does not match the server's", n.TokenID)
		}
	}
	fails := failedReasons(t, out)
	for _, o := range old {
		k := fmt.Sprintf("%d/%s", o.UserID, o.Name)
		_, isFailed := fails[o.TokenID]
		switch {
		case isFailed:
			failed++
			if len(activeByUserName[k]) > 1 {
				t.Errorf("failed token %d: user %d has %d active tokens named %q", o.TokenID, o.UserID, len(activeByUserName[k]), o.Name)
			}
		case inNew[o.TokenID].TokenID == o.TokenID:
			copied++
			if tokens[o.TokenID].Revoked {
				t.Errorf("copied token %d was revoked", o.TokenID)
			}
		default:
			renewed++
			if !tokens[o.TokenID].Revoked {
				t.Errorf("renewed token %d is still active", o.TokenID)
			}
			act := activeByUserName[k]
			if len(act) != 1 {
				t.Errorf("user %d has %d active tokens named %q after renewal, want 1", o.UserID, len(act), o.Name)
				continue
			}
			if _, ok := inNew[act[0]]; !ok {
				t.Errorf("user %d's active token %d is not in NEW", o.UserID, act[0])
			}
		}
	}
	// No token minted for these users is active without its secret on disk.
	oldIDs := map[int64]bool{}
	for _, o := range old {
		oldIDs[o.TokenID] = true
	}
	for _, ts := range tokens {
		if ts.Revoked || !ts.IsImpersonation || oldIDs[ts.TokenID] {
			continue
		}
		if _, ok := inNew[ts.TokenID]; !ok {
			t.Errorf("token %d of user %d (delivered %v) is active but not in NEW", ts.TokenID, ts.UserID, ts.Delivered)
		}
	}
	return renewed, copied, failed
}

// checkCovered proves the invariant that holds at every instant, even
// right after a kill: each user of OLD has a working token whose secret is
// on disk, in OLD or in NEW.
func checkCovered(t testing.TB, srv *emulator.Server, old []tokenfile.Record, newPath string) {
	t.Helper()
	tokens := map[int64]emulator.TokenState{}
	for _, ts := range srv.Tokens() {
		tokens[ts.TokenID] = ts
	}
	onDisk := map[int64][]tokenfile.Record{}
	for _, o := range old {
		onDisk[o.UserID] = append(onDisk[o.UserID], o)
	}
	if f, err := os.Open(newPath); err == nil { //nolint:gosec // the test's own file
		if rr, err := tokenfile.OpenComplete(f, newPath); err == nil {
			for {
				e, err := rr.Next()
				if err != nil {
					break
				}
				if e.Err == nil {
					onDisk[e.UserID] = append(onDisk[e.UserID], e.Record)
				}
			}
			_ = rr.Close()
		}
	}
	for uid, recs := range onDisk {
		ok := false
		for _, r := range recs {
			if ts, found := tokens[r.TokenID]; found && !ts.Revoked && ts.Hash == hashOf(r.Token) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("user %d has no working token whose secret is on disk", uid)
		}
	}
}
