package renew

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/nametemplate"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// countingProgress counts steps and cancels a run after n.
type countingProgress struct {
	total, done int
	n           int
	cancel      context.CancelFunc
}

func (p *countingProgress) SetTotal(n int64) { p.total = int(n) }
func (p *countingProgress) Step(int, int) {
	p.done++
	if p.done == p.n && p.cancel != nil {
		p.cancel()
	}
}

func TestRenewalWithFaultsKeepsTheInvariant(t *testing.T) {
	t.Parallel()
	const n = 500
	srv := emulator.NewTest(t, emulator.Options{Users: n})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	old := seedOld(t, srv, from, n, nil)
	srv.SetFaults(faulty)
	o := testOptions(t, newAPI(t, srv, "admin", 8), from, out)
	progress := &countingProgress{}
	o.Progress = progress
	sum, err := run(t, o)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(emulator.Faults{})
	renewed, copied, failed := checkFinal(t, srv, old, out)
	if sum.Renewed != renewed || sum.Failed != failed || copied != 0 || renewed+failed != n || progress.done != n || progress.total != n {
		t.Fatalf("summary %+v; server: renewed %d copied %d failed %d; progress %+v", sum, renewed, copied, failed, progress)
	}
	if sum.OldRevoked != sum.Renewed || sum.RevokePending != 0 || sum.LostRevoked == 0 {
		t.Fatalf("every renewed old token must be revoked, and lost answers settled: %+v", sum)
	}
	if failed != 0 {
		t.Fatalf("%d records failed: %v", failed, failedReasons(t, out))
	}
	// Reconciliation revoked exactly the tokens whose answer was lost:
	// never an old token, never a recorded replacement.
	undelivered := 0
	for _, ts := range srv.Tokens() {
		if !ts.Delivered {
			undelivered++
			if !ts.Revoked {
				t.Errorf("token %d was never delivered but is active", ts.TokenID)
			}
		}
	}
	if sum.LostRevoked != undelivered {
		t.Fatalf("reconciliation revoked %d tokens, but %d answers were lost", sum.LostRevoked, undelivered)
	}
	for _, p := range []string{out, job.JournalPath(out)} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v %v", p, fi.Mode(), err)
		}
	}
	if j, _ := os.ReadFile(job.JournalPath(out)); bytes.Contains(j, []byte("eyJ")) { //nolint:gosec // the test's own file
		t.Fatal("the journal holds a secret")
	}
	// NEW is never overwritten.
	if _, err := run(t, testOptions(t, newAPI(t, srv, "admin", 8), from, out)); !errors.As(err, new(*tokenfile.ExistsError)) {
		t.Fatalf("a second run onto the same NEW: %v", err)
	}
}

func TestOnlyDueTokensAreRenewedAndTheRestCopied(t *testing.T) {
	t.Parallel()
	const n = 80
	srv := emulator.NewTest(t, emulator.Options{Users: n})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	now := time.Now()
	old := seedOld(t, srv, from, n, func(i int) *time.Time {
		var e time.Time
		switch i % 4 {
		case 0:
			e = now.Add(5 * 24 * time.Hour) // due
		case 1:
			e = now.Add(-48 * time.Hour) // expired but present: due
		case 2:
			e = now.Add(200 * 24 * time.Hour) // not due
		case 3:
			return nil // never expires: never due
		}
		return &e
	})
	srv.SetFaults(faulty)
	o := testOptions(t, newAPI(t, srv, "admin", 8), from, out)
	o.IfExpiringWithin = 30 * 24 * time.Hour
	sum, err := run(t, o)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(emulator.Faults{})
	renewed, copied, failed := checkFinal(t, srv, old, out)
	if copied != n/2 || renewed+failed != n/2 || sum.Copied != copied || sum.Renewed != renewed {
		t.Fatalf("summary %+v; server: renewed %d copied %d failed %d", sum, renewed, copied, failed)
	}
	byID := map[int64]tokenfile.Record{}
	for _, r := range readAll(t, out) {
		byID[r.TokenID] = r
	}
	for i, o := range old {
		if i%4 >= 2 && (byID[o.TokenID].Token != o.Token || byID[o.TokenID].User != o.User) {
			t.Errorf("record %d was not copied: %+v", i, byID[o.TokenID])
		}
	}
	if len(byID) != n-failed {
		t.Fatalf("NEW has %d records, want %d: it must be the complete set", len(byID), n-failed)
	}
}

// The site is the truth: what is due is decided from the expiry the site
// has, not the one OLD says, and a token the site no longer has goes to
// the failed file even when it would not be due.
func TestTheSiteDecidesWhatIsDue(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTest(t, emulator.Options{Users: 4})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	now := time.Now()
	soon, late := now.Add(5*24*time.Hour), now.Add(200*24*time.Hour)
	site := []*time.Time{&soon, &late, &late, &late}
	old := seedOld(t, srv, from, 4, func(i int) *time.Time { return site[i] })
	// OLD lies about 0 (says late, the site says soon) and 1 (says soon,
	// the site says late); 2 is revoked on purpose, not due.
	lies := []*time.Time{&late, &soon, &late, &late}
	w, _ := tokenfile.CreateOutput(from + ".lies")
	for i, r := range old {
		r.Expiry = lies[i]
		_ = w.Write(r)
	}
	_ = w.Close()
	api := newAPI(t, srv, "admin", 2)
	if err := api.RevokeToken(context.Background(), old[2].TokenID); err != nil {
		t.Fatal(err)
	}
	o := testOptions(t, api, from+".lies", out)
	o.IfExpiringWithin = 30 * 24 * time.Hour
	sum, err := run(t, o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Renewed != 1 || sum.Copied != 2 || sum.Failed != 1 {
		t.Fatalf("summary %+v; want 0 renewed, 1 and 3 copied, 2 failed", sum)
	}
	byID := map[int64]tokenfile.Record{}
	for _, r := range readAll(t, out) {
		byID[r.TokenID] = r
	}
	if _, ok := byID[old[0].TokenID]; ok {
		t.Error("the token the site says is due was copied")
	}
	if c, ok := byID[old[1].TokenID]; !ok || c.Expiry == nil || c.Expiry.Sub(late).Abs() > time.Second {
		t.Errorf("the copy of 1 does not carry the site's expiry: %+v", c)
	}
	if _, ok := byID[old[2].TokenID]; ok {
		t.Error("the revoked token was copied into NEW as current")
	}
	if r := failedReasons(t, out)[old[2].TokenID]; !strings.Contains(r, "revoked") {
		t.Errorf("failed reason %q", r)
	}
}

func TestARevokedOldTokenIsNotResurrected(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTest(t, emulator.Options{Users: 10})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.csv"), filepath.Join(dir, "new.csv")
	old := seedOld(t, srv, from, 10, nil)
	api := newAPI(t, srv, "admin", 4)
	for _, i := range []int{2, 7} {
		if err := api.RevokeToken(context.Background(), old[i].TokenID); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := run(t, testOptions(t, api, from, out))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Renewed != 8 || sum.Failed != 2 || sum.FailedPath != job.FailedPath(out) {
		t.Fatalf("summary %+v", sum)
	}
	renewed, _, failed := checkFinal(t, srv, old, out)
	if renewed != 8 || failed != 2 {
		t.Fatalf("renewed %d failed %d", renewed, failed)
	}
	for _, ts := range srv.Tokens() {
		if !ts.Revoked && (ts.UserID == old[2].UserID || ts.UserID == old[7].UserID) && ts.Name == "integration" {
			t.Fatalf("the revoked token of user %d was resurrected as %d", ts.UserID, ts.TokenID)
		}
	}
	if fi, _ := os.Stat(job.FailedPath(out)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("the failed file holds secrets but has mode %v", fi.Mode())
	}
	// The failed file is valid --from input: it reads back as the records
	// that failed, secrets included.
	back := readAll(t, job.FailedPath(out))
	if len(back) != 2 || back[0].Token != old[back[0].UserID-1001].Token {
		t.Fatalf("the failed file reads back as %+v", back)
	}
	sum2, err := run(t, testOptions(t, api, job.FailedPath(out), filepath.Join(dir, "again.csv")))
	if err != nil || sum2.Failed != 2 || sum2.Renewed != 0 {
		t.Fatalf("re-running the failed file: %+v %v", sum2, err)
	}
}

func TestDryRunReportsAndChangesNothing(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTest(t, emulator.Options{Users: 6})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	now := time.Now()
	old := seedOld(t, srv, from, 6, func(i int) *time.Time {
		e := now.Add(time.Duration(1+i*100) * 24 * time.Hour) // 0 and 1 are due within 150d
		return &e
	})
	api := newAPI(t, srv, "admin", 2)
	if err := api.RevokeToken(context.Background(), old[1].TokenID); err != nil {
		t.Fatal(err)
	}
	before := srv.Tokens()
	var plan bytes.Buffer
	o := testOptions(t, api, from, out)
	o.DryRun, o.Plan, o.IfExpiringWithin = true, &plan, 150*24*time.Hour
	sum, err := run(t, o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Renewed != 1 || sum.Failed != 1 || sum.Copied != 4 || !sum.DryRun {
		t.Fatalf("summary %+v", sum)
	}
	rows, err := csv.NewReader(&plan).ReadAll()
	if err != nil || len(rows) != 7 || strings.Join(rows[0], ",") != "user,UserID,TokenID,name,expiry,action,detail" {
		t.Fatalf("plan %q %v", rows, err)
	}
	actions := map[string]int{}
	for _, r := range rows[1:] {
		actions[r[5]]++
	}
	if actions["renew"] != 1 || actions["fail"] != 1 || actions["copy"] != 4 {
		t.Fatalf("plan actions %v", actions)
	}
	if bytes.Contains(plan.Bytes(), []byte("eyJ")) {
		t.Fatal("the plan shows a secret")
	}
	for _, p := range []string{out, job.JournalPath(out), job.FailedPath(out)} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a dry run created %s", p)
		}
	}
	after := srv.Tokens()
	if len(after) != len(before) {
		t.Fatalf("a dry run minted tokens")
	}
	for i := range after {
		if after[i].Revoked != before[i].Revoked {
			t.Fatalf("a dry run revoked token %d", after[i].TokenID)
		}
	}
}

func TestCSVChainWithANameTemplate(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTest(t, emulator.Options{Users: 20})
	dir := t.TempDir()
	from := filepath.Join(dir, "old.csv")
	old := seedOld(t, srv, from, 20, nil)
	api := newAPI(t, srv, "admin", 4)
	mid := filepath.Join(dir, "mid.csv")
	o := testOptions(t, api, from, mid)
	o.Template, _ = nametemplate.Parse("{{.UserName}}-renewed")
	if sum, err := run(t, o); err != nil || sum.Renewed != 20 {
		t.Fatalf("%+v %v", sum, err)
	}
	recs := readAll(t, mid)
	if len(recs) != 20 || !strings.HasSuffix(recs[0].Name, "-renewed") {
		t.Fatalf("records %+v", recs[:1])
	}
	// NEW is valid OLD: renew it again, into JSON Lines this time.
	last := filepath.Join(dir, "last.jsonl")
	if sum, err := run(t, testOptions(t, api, mid, last)); err != nil || sum.Renewed != 20 || sum.OldRevoked != 20 {
		t.Fatalf("%+v %v", sum, err)
	}
	checkFinal(t, srv, recs, last)
	for _, o := range old {
		for _, ts := range srv.Tokens() {
			if ts.TokenID == o.TokenID && !ts.Revoked {
				t.Fatalf("the first generation's token %d is still active", o.TokenID)
			}
		}
	}
}

func TestCtrlCStopsDispatchingAndResumeFinishes(t *testing.T) {
	t.Parallel()
	const n = 200
	srv := emulator.NewTest(t, emulator.Options{Users: n})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	old := seedOld(t, srv, from, n, nil)
	srv.SetFaults(faulty)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := testOptions(t, newAPI(t, srv, "admin", 8), from, out)
	o.Progress = &countingProgress{n: 50, cancel: cancel}
	sum, err := runCtx(t, ctx, o)
	if err != nil || !sum.Interrupted || sum.Unprocessed == 0 || sum.Renewed < 50-sum.Failed {
		t.Fatalf("interrupted run: %+v %v", sum, err)
	}
	// Every record in flight was seen through: nothing is half done.
	if sum.RevokePending != 0 || sum.OldRevoked != sum.Renewed {
		t.Fatalf("in-flight work was abandoned: %+v", sum)
	}
	checkCovered(t, srv, old, out)
	o.Resume, o.Progress = true, nil
	sum2, err := run(t, o)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(emulator.Faults{})
	renewed, _, failed := checkFinal(t, srv, old, out)
	if sum2.AlreadyDone != sum.Renewed || renewed+failed != n {
		t.Fatalf("resumed %+v after %+v; server renewed %d failed %d", sum2, sum, renewed, failed)
	}
}

func TestOldThatIsNoTokenFileIsAUsageError(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTest(t, emulator.Options{Users: 1})
	dir := t.TempDir()
	for name, content := range map[string]string{"missing.jsonl": "", "users.csv": "user\n1001\n"} {
		from := filepath.Join(dir, name)
		if content != "" {
			_ = os.WriteFile(from, []byte(content), 0o600)
		}
		_, err := run(t, testOptions(t, newAPI(t, srv, "admin", 1), from, filepath.Join(dir, name+".new")))
		var ue interface{ Usage() bool }
		if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "--from ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v (%T), want a one-line usage error", name, err, err)
		}
	}
}

// Without Expires a token minted for 10 days is renewed for 10 days and
// one minted for 90 for 90; Expires sets every replacement's expiry.
func TestReplacementsKeepTheOldLifetimeUnlessExpiresIsGiven(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTest(t, emulator.Options{Users: 4})
	dir := t.TempDir()
	from := filepath.Join(dir, "old.jsonl")
	days := []int{10, 90, 10, 90}
	seedOld(t, srv, from, 4, func(i int) *time.Time {
		e := time.Now().Add(time.Duration(days[i]) * 24 * time.Hour)
		return &e
	})
	api := newAPI(t, srv, "admin", 2)
	within := func(got *time.Time, want time.Duration) bool {
		if got == nil {
			return false
		}
		d := time.Until(*got) - want
		return d > -time.Hour && d < time.Hour
	}
	out := filepath.Join(dir, "kept.jsonl")
	if _, err := run(t, testOptions(t, api, from, out)); err != nil {
		t.Fatal(err)
	}
	for _, r := range readAll(t, out) {
		if want := time.Duration(days[r.UserID-1001]) * 24 * time.Hour; !within(r.Expiry, want) {
			t.Errorf("user %d: replacement expires %v, want in %v", r.UserID, r.Expiry, want)
		}
	}
	out2 := filepath.Join(dir, "set.jsonl")
	o := testOptions(t, api, out, out2)
	o.Expires = spec(t, "30d")
	if _, err := run(t, o); err != nil {
		t.Fatal(err)
	}
	for _, r := range readAll(t, out2) {
		if !within(r.Expiry, 30*24*time.Hour) {
			t.Errorf("user %d: replacement expires %v, want in 30 days", r.UserID, r.Expiry)
		}
	}
}
