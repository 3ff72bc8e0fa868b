package reconcile

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
)

var start = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// flakySource answers its first lists and revokes with a 500.
type flakySource struct {
	tokens              []client.Token
	failLists, failRevs int
	revoked             []int64
}

func (f *flakySource) source() Source {
	return Source{
		List: func(context.Context) ([]client.Token, error) {
			if f.failLists > 0 {
				f.failLists--
				return nil, &client.Error{Kind: client.KindServer, Status: 500}
			}
			return f.tokens, nil
		},
		Revoke: func(_ context.Context, id int64) error {
			if f.failRevs > 0 {
				f.failRevs--
				return &client.Error{Kind: client.KindServer, Status: 500}
			}
			f.revoked = append(f.revoked, id)
			return nil
		},
	}
}

var quick = Policy{Tries: 4, Wait: time.Millisecond}

// One 500 while listing or revoking used to end the reconciliation and
// leave the orphan active; now it is retried.
func TestServerErrorsDuringReconciliationLeaveNoOrphan(t *testing.T) {
	f := &flakySource{
		tokens: []client.Token{
			{TokenID: 1, Name: "job", DateCreated: client.Time{Time: start.Add(-time.Hour)}},
			{TokenID: 2, Name: "job", DateCreated: client.Time{Time: start.Add(time.Second)}},
			{TokenID: 3, Name: "other", DateCreated: client.Time{Time: start.Add(time.Second)}},
		},
		failLists: 1, failRevs: 1,
	}
	got, err := RevokeOrphans(context.Background(), f.source(), Orphans{Name: "job", Since: start}, quick)
	if err != nil || !slices.Equal(got, []int64{2}) || !slices.Equal(f.revoked, []int64{2}) {
		t.Fatalf("revoked %v (%v), server saw %v; want the orphan 2 only", got, err, f.revoked)
	}
}

func TestPersistentServerErrorsAreReported(t *testing.T) {
	f := &flakySource{failLists: 10}
	if _, err := RevokeOrphans(context.Background(), f.source(), Orphans{Name: "job", Since: start}, quick); err == nil {
		t.Fatal("a list that always fails was not reported")
	}
}

func TestNonTransientErrorsAreNotRetried(t *testing.T) {
	calls := 0
	err := quick.Do(context.Background(), func() error {
		calls++
		return &client.Error{Kind: client.KindForbidden, Status: 403}
	})
	if err == nil || calls != 1 {
		t.Fatalf("calls %d, err %v; want one call and the 403", calls, err)
	}
	calls = 0
	_ = quick.Do(context.Background(), func() error { calls++; return errors.New("transport") })
	if calls != 1 {
		t.Errorf("an unclassified error was retried %d times", calls)
	}
}

// The clock-skew rule: a token dated up to ClockSkew before the create
// began (to the second) is the create's; one older is not.
func TestOneClockSkewRule(t *testing.T) {
	since := start.Add(700 * time.Millisecond)
	o := Orphans{Name: "job", Since: since}
	inside := client.Token{Name: "job", DateCreated: client.Time{Time: start.Add(-ClockSkew)}}
	outside := client.Token{Name: "job", DateCreated: client.Time{Time: start.Add(-ClockSkew - time.Second)}}
	if !o.match(inside) || o.match(outside) {
		t.Errorf("cutoff %s: inside %v, outside %v", o.Cutoff(), o.match(inside), o.match(outside))
	}
	// With the list from before, creation times do not matter.
	o.Existing = map[int64]bool{7: true}
	old := client.Token{TokenID: 8, Name: "job", DateCreated: client.Time{Time: start.Add(-time.Hour)}}
	if !o.match(old) || o.match(client.Token{TokenID: 7, Name: "job"}) {
		t.Error("the list from before did not decide")
	}
}

func TestImpersonationAndCreatorFilters(t *testing.T) {
	o := Orphans{Name: "job", Since: start, Impersonation: true, CreatedBy: 1}
	mine := client.Token{Name: "job", IsImpersonation: true, CreatedByUserID: 1, DateCreated: client.Time{Time: start}}
	theirs := mine
	theirs.CreatedByUserID = 2
	personal := mine
	personal.IsImpersonation = false
	if !o.match(mine) || o.match(theirs) || o.match(personal) {
		t.Error("impersonation/creator filters do not hold")
	}
}
