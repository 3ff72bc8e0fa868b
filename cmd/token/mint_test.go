package token

import (
	"context"
	"errors"
	"github.com/axero-cli/axero/internal/reconcile"
	"io"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
)

// fakeMinter is a minter over an in-memory token list whose creates lose
// their answer a given number of times.
type fakeMinter struct {
	tokens  []client.Token
	lose    int
	revoked []int64
	nextID  int64
	cancel  context.CancelFunc // called when an answer is lost, if set
	// failLists and failRevokes answer that many lists and revokes with
	// a 500.
	failLists, failRevokes int
}

func (fm *fakeMinter) minter() minter {
	return minter{
		create: func(ctx context.Context) (*client.CreatedToken, error) {
			fm.nextID++
			t := client.Token{TokenID: fm.nextID, Name: "job", DateCreated: client.Time{Time: time.Now()}}
			fm.tokens = append(fm.tokens, t)
			if fm.lose > 0 {
				fm.lose--
				if fm.cancel != nil {
					fm.cancel()
				}
				return nil, &client.OutcomeUnknownError{Method: "POST", Path: "/api/bearertokens", Started: time.Now(), Err: io.ErrUnexpectedEOF}
			}
			return &client.CreatedToken{Token: t, Secret: "s"}, nil
		},
		retry: reconcile.Retry{Attempts: 4, Wait: time.Millisecond},
		list: func(ctx context.Context) ([]client.Token, error) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if fm.failLists > 0 {
				fm.failLists--
				return nil, &client.Error{Kind: client.KindServer, Status: 500}
			}
			var live []client.Token
			for _, t := range fm.tokens {
				if !containsID(fm.revoked, t.TokenID) {
					live = append(live, t)
				}
			}
			return live, nil
		},
		revoke: func(ctx context.Context, id int64) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if fm.failRevokes > 0 {
				fm.failRevokes--
				return &client.Error{Kind: client.KindServer, Status: 500}
			}
			fm.revoked = append(fm.revoked, id)
			return nil
		},
	}
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// An older token of the same name, created well before the lost request,
// is somebody's delivered token and is left alone.
func TestMintReconciledKeepsOlderTokensOfTheSameName(t *testing.T) {
	t.Parallel()
	fm := &fakeMinter{lose: 1, nextID: 100}
	fm.tokens = []client.Token{{TokenID: 1, Name: "job", DateCreated: client.Time{Time: time.Now().Add(-time.Hour)}}}
	ct, err := mintReconciled(context.Background(), fm.minter(), "job")
	if err != nil {
		t.Fatal(err)
	}
	if len(fm.revoked) != 1 || fm.revoked[0] != 101 {
		t.Fatalf("revoked %v, want only the orphan 101", fm.revoked)
	}
	if ct.TokenID != 102 {
		t.Fatalf("returned %d, want the second mint 102", ct.TokenID)
	}
}

// A 500 while listing or revoking during reconciliation is retried: it
// used to end token create or rotate with the orphan still active.
func TestMintReconciledRetriesServerErrorsWhileReconciling(t *testing.T) {
	t.Parallel()
	fm := &fakeMinter{lose: 1, nextID: 100, failLists: 1, failRevokes: 1}
	ct, err := mintReconciled(context.Background(), fm.minter(), "job")
	if err != nil {
		t.Fatal(err)
	}
	if len(fm.revoked) != 1 || fm.revoked[0] != 101 || ct.TokenID != 102 {
		t.Fatalf("revoked %v, returned %d; want the orphan 101 revoked and 102 returned", fm.revoked, ct.TokenID)
	}
}

// Ctrl-C while an answer is lost still revokes the orphan, then stops.
func TestMintReconciledRevokesOrphanAfterInterrupt(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	fm := &fakeMinter{lose: 1, cancel: cancel}
	_, err := mintReconciled(ctx, fm.minter(), "job")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if len(fm.revoked) != 1 || len(fm.tokens) != 1 {
		t.Fatalf("minted %d and revoked %v; want one orphan minted and revoked, no new mint", len(fm.tokens), fm.revoked)
	}
}

// Any other error is returned at once, with nothing re-sent.
func TestMintReconciledDoesNotRetryOtherErrors(t *testing.T) {
	t.Parallel()
	calls := 0
	m := minter{create: func(context.Context) (*client.CreatedToken, error) {
		calls++
		return nil, &client.Error{Kind: client.KindValidation, Status: 400}
	}}
	if _, err := mintReconciled(context.Background(), m, "job"); client.KindOf(err) != client.KindValidation || calls != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
}

// With the list of tokens from before, a token the server dated long ago
// (its clock is behind ours) is still recognised as the orphan, and the
// tokens that existed before are kept even if they look new.
func TestMintReconciledUsesTheListFromBefore(t *testing.T) {
	t.Parallel()
	fm := &fakeMinter{lose: 1, nextID: 100}
	recent := client.Token{TokenID: 1, Name: "job", DateCreated: client.Time{Time: time.Now()}}
	fm.tokens = []client.Token{recent}
	m := fm.minter()
	m.create = func(create func(context.Context) (*client.CreatedToken, error)) func(context.Context) (*client.CreatedToken, error) {
		return func(ctx context.Context) (*client.CreatedToken, error) {
			ct, err := create(ctx)
			// The server's clock is an hour behind.
			fm.tokens[len(fm.tokens)-1].DateCreated = client.Time{Time: time.Now().Add(-time.Hour)}
			return ct, err
		}
	}(m.create)
	m, err := m.snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mintReconciled(context.Background(), m, "job"); err != nil {
		t.Fatal(err)
	}
	if len(fm.revoked) != 1 || fm.revoked[0] != 101 {
		t.Fatalf("revoked %v, want only the orphan 101", fm.revoked)
	}
}
