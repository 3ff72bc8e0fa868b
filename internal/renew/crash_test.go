package renew

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// TestResumeSettlesEveryCrashWindow builds, step by step, the files and
// server state that a kill leaves in each window of a record's life, and
// checks that Resume finishes each one correctly:
//
//	user 0: killed after the intent, before the mint: renewed from scratch
//	user 1: the answer was lost (the token exists, nobody has it): revoked, renewed
//	user 2: the replacement is in NEW but the kill came before the journal said so:
//	        recognised, not minted again; the old token is revoked
//	user 3: renewed and journaled, killed before the old token was revoked: revoked
//	user 4: never started: renewed
func TestResumeSettlesEveryCrashWindow(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTest(t, emulator.Options{Users: 5})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	old := seedOld(t, srv, from, 5, nil)
	api := newAPI(t, srv, "admin", 2)
	ctx := context.Background()

	lock, err := job.AcquireLock(out)
	if err != nil {
		t.Fatal(err)
	}
	d, err := job.OpenDurable(job.DurableOptions{Out: out, Lock: lock, Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	j := d.Journal()
	intent := func(i int) {
		o := old[i]
		if err := j.AppendSync(job.Record{Op: opIntent, User: o.User, UserID: o.UserID, Name: o.Name, TokenID: o.TokenID, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	mint := func(i int) *client.CreatedToken {
		ct, err := api.CreateUserToken(ctx, old[i].UserID, client.CreateTokenRequest{Name: old[i].Name})
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	intent(0)
	intent(1)
	lost := mint(1)
	intent(2)
	kept := mint(2)
	_ = d.Commit(tokenfile.RecordFor(old[2].User, kept))
	intent(3)
	done := mint(3)
	_ = d.Commit(tokenfile.RecordFor(old[3].User, done))
	_ = j.AppendSync(job.Record{Op: opRenewed, UserID: old[3].UserID, Name: old[3].Name, TokenID: done.TokenID})
	_ = d.Close()

	o := testOptions(t, api, from, out)
	o.Resume = true
	sum, err := run(t, o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Reconciled != 3 || sum.LostRevoked != 1 || sum.AlreadyDone != 2 || sum.Renewed != 3 || sum.OldRevoked != 5 || sum.Failed != 0 {
		t.Fatalf("summary %+v", sum)
	}
	renewed, _, failed := checkFinal(t, srv, old, out)
	if renewed != 5 || failed != 0 {
		t.Fatalf("renewed %d failed %d", renewed, failed)
	}
	for _, ts := range srv.Tokens() {
		switch ts.TokenID {
		case lost.TokenID:
			if !ts.Revoked {
				t.Error("the token whose answer was lost is active")
			}
		case kept.TokenID, done.TokenID:
			if ts.Revoked {
				t.Errorf("the recorded replacement %d was revoked", ts.TokenID)
			}
		}
	}
	if n := srv.RequestCount("POST", "/api/users/"); n != 3+3 {
		t.Fatalf("%d creates in all, want 3 by the test and 3 by the resumed run", n)
	}
}
