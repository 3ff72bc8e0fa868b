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

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/bulk"
	"github.com/axero-cli/axero/internal/emulator"
)

func TestRenewalWithFaultsKeepsTheInvariant(t *testing.T) {
	const n = 500
	srv := emulator.NewTest(t, emulator.Options{Users: n})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	old := seedOld(t, srv, from, n, nil)
	srv.SetFaults(faulty)

	var events int
	o := testOptions(newAPI(t, srv, "admin", 8), from, out)
	o.Progress = func(p Progress) {
		events++
		if p.Total != n || p.Done != events {
			t.Errorf("progress %+v after %d events", p, events)
		}
	}
	sum, err := run(t, o)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(emulator.Faults{})
	renewed, copied, failed := checkFinal(t, srv, old, out)
	if sum.Renewed != renewed || sum.Failed != failed || copied != 0 || renewed+failed != n || events != n {
		t.Fatalf("summary %+v; server: renewed %d copied %d failed %d; %d events", sum, renewed, copied, failed, events)
	}
	if sum.Revoked != sum.Renewed || sum.RevokePending != 0 {
		t.Fatalf("every renewed old token must be revoked: %+v", sum)
	}
	if sum.LostRevoked == 0 {
		t.Fatalf("lost answers were expected to be reconciled: %+v", sum)
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
	for _, p := range []string{out, JournalPath(out)} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v %v", p, fi.Mode(), err)
		}
	}
	j, _ := os.ReadFile(JournalPath(out))
	if bytes.Contains(j, []byte("eyJ")) {
		t.Fatal("the journal holds a secret")
	}
	st, err := readJournalState(JournalPath(out))
	if err != nil || len(st.pendingInOrder()) != 0 {
		t.Fatalf("a completed run left unsettled intents: %v %v", st.pendingInOrder(), err)
	}

	// NEW is never overwritten.
	if _, err := run(t, testOptions(newAPI(t, srv, "admin", 8), from, out)); !errors.As(err, new(*bulk.ExistsError)) {
		t.Fatalf("a second run onto the same NEW: %v", err)
	}
}

func TestOnlyDueTokensAreRenewedAndTheRestCopied(t *testing.T) {
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
	o := testOptions(newAPI(t, srv, "admin", 8), from, out)
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
	// The copies are the old records, byte for byte in meaning.
	byID := map[int64]bulk.Record{}
	for _, r := range readAll(t, out) {
		byID[r.TokenID] = r
	}
	for i, o := range old {
		if i%4 >= 2 && (byID[o.TokenID].Token != o.Token || byID[o.TokenID].User != o.User) {
			t.Errorf("record %d was not copied unchanged: %+v", i, byID[o.TokenID])
		}
	}
	if len(byID) != n-failed {
		t.Fatalf("NEW has %d records, want %d: it must be the complete set", len(byID), n-failed)
	}
}

func TestARevokedOldTokenIsNotResurrected(t *testing.T) {
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
	sum, err := run(t, testOptions(api, from, out))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Renewed != 8 || sum.Failed != 2 || sum.FailedPath != FailedPath(out) {
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
	reasons := failedReasons(t, out)
	if !strings.Contains(reasons[old[2].TokenID], "revoked") || !strings.Contains(reasons[old[7].TokenID], "no longer") {
		t.Fatalf("reasons %v", reasons)
	}
	if fi, _ := os.Stat(FailedPath(out)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("the failed file holds secrets but has mode %v", fi.Mode())
	}
	// The failed file is valid --from input: it reads back as the records
	// that failed, secrets included.
	back := readAll(t, FailedPath(out))
	if len(back) != 2 || back[0].Token != old[back[0].UserID-1001].Token {
		t.Fatalf("the failed file reads back as %+v", back)
	}
	sum2, err := run(t, testOptions(api, FailedPath(out), filepath.Join(dir, "again.csv")))
	if err != nil || sum2.Failed != 2 || sum2.Renewed != 0 {
		t.Fatalf("re-running the failed file: %+v %v", sum2, err)
	}
}

func TestACallerWhoCannotImpersonateChangesNothing(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Users: 5})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	seedOld(t, srv, from, 5, nil)
	before := srv.Tokens()
	_, err := run(t, testOptions(newAPI(t, srv, "siteadmin", 2), from, out))
	var np *bulk.NotPermittedError
	if !errors.As(err, &np) || client.KindOf(err) != client.KindForbidden || !strings.Contains(err.Error(), "impersonation") {
		t.Fatalf("error %v (%T), want a not-permitted error", err, err)
	}
	if _, err := os.Lstat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("NEW was created: %v", err)
	}
	if _, err := os.Lstat(JournalPath(out)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a journal was created: %v", err)
	}
	if after := srv.Tokens(); len(after) != len(before) {
		t.Fatalf("tokens changed: %d → %d", len(before), len(after))
	}
	if n := srv.RequestCount("POST", "/api/users/") + srv.RequestCount("DELETE", "/api/bearertokens"); n != 0 {
		t.Fatalf("%d changing requests were sent", n)
	}
}

func TestDryRunReportsAndChangesNothing(t *testing.T) {
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
	o := testOptions(api, from, out)
	o.DryRun, o.Plan, o.IfExpiringWithin = true, &plan, 150*24*time.Hour
	sum, err := run(t, o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Renewed != 1 || sum.Failed != 1 || sum.Copied != 4 || !sum.DryRun {
		t.Fatalf("summary %+v", sum)
	}
	rows, err := csv.NewReader(&plan).ReadAll()
	if err != nil || len(rows) != 7 || strings.Join(rows[0], ",") != strings.Join(planColumns, ",") {
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
	for _, p := range []string{out, JournalPath(out), FailedPath(out)} {
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
	srv := emulator.NewTest(t, emulator.Options{Users: 20})
	dir := t.TempDir()
	from := filepath.Join(dir, "old.csv")
	old := seedOld(t, srv, from, 20, nil)
	api := newAPI(t, srv, "admin", 4)

	mid := filepath.Join(dir, "mid.csv")
	o := testOptions(api, from, mid)
	o.NameTemplate = "{{.UserName}}-renewed"
	if sum, err := run(t, o); err != nil || sum.Renewed != 20 {
		t.Fatalf("%+v %v", sum, err)
	}
	recs := readAll(t, mid)
	if len(recs) != 20 || recs[0].Name != "user"+recs[0].User[len(recs[0].User)-4:]+"-renewed" && !strings.HasSuffix(recs[0].Name, "-renewed") {
		t.Fatalf("records %+v", recs[:1])
	}
	// NEW is valid OLD: renew it again, into JSON Lines this time.
	last := filepath.Join(dir, "last.jsonl")
	if sum, err := run(t, testOptions(api, mid, last)); err != nil || sum.Renewed != 20 || sum.Revoked != 20 {
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
	const n = 200
	srv := emulator.NewTest(t, emulator.Options{Users: n})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	old := seedOld(t, srv, from, n, nil)
	srv.SetFaults(faulty)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := testOptions(newAPI(t, srv, "admin", 8), from, out)
	o.Progress = func(p Progress) {
		if p.Done == 50 {
			cancel()
		}
	}
	rn, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := rn.Run(ctx)
	if err != nil || !sum.Interrupted || sum.Unprocessed == 0 || sum.Renewed < 50-sum.Failed {
		t.Fatalf("interrupted run: %+v %v", sum, err)
	}
	// Every record in flight was seen through: nothing is half done.
	if sum.RevokePending != 0 || sum.Revoked != sum.Renewed {
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

func TestBadOptionsAreUsageErrors(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Users: 1})
	api := newAPI(t, srv, "admin", 1)
	dir := t.TempDir()
	from := filepath.Join(dir, "old.jsonl")
	seedOld(t, srv, from, 1, nil)
	for name, o := range map[string]Options{
		"no out":          {API: api, From: from},
		"resume and dry":  {API: api, From: from, Out: "x", Resume: true, DryRun: true},
		"bad template":    {API: api, From: from, Out: "x", NameTemplate: "{{.Nope}}"},
		"bad expiry":      {API: api, From: from, Out: "x", Expires: "soon"},
		"missing from":    {API: api, From: filepath.Join(dir, "missing.jsonl"), Out: filepath.Join(dir, "n1")},
		"beyond policy":   {API: api, From: from, Out: filepath.Join(dir, "n2"), Expires: "5y"},
		"never forbidden": {API: api, From: from, Out: filepath.Join(dir, "n3"), Expires: "never"},
	} {
		_, err := run(t, o)
		var ue interface{ Usage() bool }
		if !errors.As(err, &ue) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v (%T), want a one-line usage error", name, err, err)
		}
	}
	if _, err := ParseWithin("30d", time.Now()); err != nil {
		t.Fatal(err)
	}
	if d, err := ParseWithin("2w", time.Now()); err != nil || d < 13*24*time.Hour {
		t.Fatalf("ParseWithin 2w = %v %v", d, err)
	}
	if _, err := ParseWithin("never", time.Now()); err == nil {
		t.Fatal("never accepted as a window")
	}
}
