package bulk

import (
	"context"
	"errors"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/axero-cli/axero/client"
)

func TestPoolRunsEveryItemWithBoundedWorkers(t *testing.T) {
	in := make(chan int)
	var busy, peak atomic.Int64
	release := make(chan struct{})
	out := Pool(3, in, func(i int) int {
		n := busy.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		busy.Add(-1)
		return i * 2
	})
	go func() {
		for i := 1; i <= 10; i++ {
			in <- i
		}
		close(in)
	}()
	close(release)
	var got []int
	for r := range out {
		got = append(got, r)
	}
	sort.Ints(got)
	if len(got) != 10 || got[0] != 2 || got[9] != 20 {
		t.Fatalf("results %v", got)
	}
	if peak.Load() > 3 {
		t.Errorf("%d calls at once, want at most 3", peak.Load())
	}
}

type meFunc func() (*client.User, error)

func (f meFunc) Me(context.Context) (*client.User, error) { return f() }

func TestRequireImpersonator(t *testing.T) {
	_, err := RequireImpersonator(context.Background(), meFunc(func() (*client.User, error) {
		return &client.User{UserName: "siteadmin", IsSiteAdmin: true}, nil
	}), "revoke other users' tokens")
	var np *NotPermittedError
	if !errors.As(err, &np) || !np.NotPermitted() || client.KindOf(err) != client.KindForbidden {
		t.Fatalf("err %v, want a NotPermittedError that is a 403", err)
	}
	calls := 0
	me, err := RequireImpersonator(context.Background(), meFunc(func() (*client.User, error) {
		calls++
		if calls == 1 {
			return nil, &client.Error{Kind: client.KindServer, Status: 500}
		}
		return &client.User{UserID: 1, CanImpersonate: true}, nil
	}), "x")
	if err != nil || me.UserID != 1 || calls != 2 {
		t.Fatalf("me %+v err %v calls %d: a 500 must be retried", me, err, calls)
	}
}
