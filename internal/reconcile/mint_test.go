package reconcile

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
)

// fakeSite is a token list whose creates lose their answer, or are
// refused as busy, a given number of times.
type fakeSite struct {
	tokens    []client.Token
	lose      int
	busy      int
	revoked   []int64
	nextID    int64
	creates   int
	onLost    func() // called when an answer is lost, if set
	failLists int    // lists answered with a 500
	failRevs  int    // revokes answered with a 500
	skew      time.Duration
}

func (s *fakeSite) mint(name string) Mint {
	return Mint{
		Name: name,
		Create: func(ctx context.Context) (*client.CreatedToken, error) {
			s.creates++
			if s.busy > 0 {
				s.busy--
				return nil, &client.Error{Kind: client.KindUnavailable, Status: 503}
			}
			s.nextID++
			t := client.Token{TokenID: s.nextID, Name: name, DateCreated: client.Time{Time: time.Now().Add(s.skew)}}
			s.tokens = append(s.tokens, t)
			if s.lose > 0 {
				s.lose--
				if s.onLost != nil {
					s.onLost()
				}
				return nil, &client.OutcomeUnknownError{Method: "POST", Path: "/api/bearertokens", Started: time.Now(), Err: io.ErrUnexpectedEOF}
			}
			return &client.CreatedToken{Token: t, Secret: "s"}, nil
		},
		Source: Source{
			List: func(ctx context.Context) ([]client.Token, error) {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				if s.failLists > 0 {
					s.failLists--
					return nil, &client.Error{Kind: client.KindServer, Status: 500}
				}
				var live []client.Token
				for _, t := range s.tokens {
					if !slices.Contains(s.revoked, t.TokenID) {
						live = append(live, t)
					}
				}
				return live, nil
			},
			Revoke: func(ctx context.Context, id int64) error {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if s.failRevs > 0 {
					s.failRevs--
					return &client.Error{Kind: client.KindServer, Status: 500}
				}
				s.revoked = append(s.revoked, id)
				return nil
			},
		},
	}
}

var fast = Policy{Attempts: 3, Tries: 4, Wait: time.Millisecond, Backoff: time.Millisecond, Settle: time.Millisecond}

// An older token of the same name, created well before the lost request,
// is somebody's delivered token and is left alone.
func TestMintKeepsOlderTokensOfTheSameName(t *testing.T) {
	t.Parallel()
	s := &fakeSite{lose: 1, nextID: 100}
	s.tokens = []client.Token{{TokenID: 1, Name: "job", DateCreated: client.Time{Time: time.Now().Add(-time.Hour)}}}
	ct, err := fast.Mint(context.Background(), s.mint("job"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.revoked, []int64{101}) || ct.TokenID != 102 {
		t.Fatalf("revoked %v, returned %d; want only the orphan 101 revoked and 102 returned", s.revoked, ct.TokenID)
	}
}

// A 500 while listing or revoking during reconciliation is retried: it
// used to end token create or rotate with the orphan still active.
func TestMintRetriesServerErrorsWhileReconciling(t *testing.T) {
	t.Parallel()
	s := &fakeSite{lose: 1, nextID: 100, failLists: 1, failRevs: 1}
	ct, err := fast.Mint(context.Background(), s.mint("job"))
	if err != nil || !slices.Equal(s.revoked, []int64{101}) || ct.TokenID != 102 {
		t.Fatalf("revoked %v, returned %v (%v); want the orphan 101 revoked and 102 returned", s.revoked, ct, err)
	}
}

// Ctrl-C while an answer is lost still revokes the orphan, then stops.
func TestMintRevokesTheOrphanAfterAnInterrupt(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	s := &fakeSite{lose: 1, onLost: cancel}
	_, err := fast.Mint(ctx, s.mint("job"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if len(s.revoked) != 1 || len(s.tokens) != 1 {
		t.Fatalf("minted %d and revoked %v; want one orphan minted and revoked, no new mint", len(s.tokens), s.revoked)
	}
}

// A bulk run's Ctrl-C (Stop) ends the loop before another create, while
// the lost one is still settled on ctx.
func TestMintStopsBeforeAnotherAttempt(t *testing.T) {
	t.Parallel()
	stop, cancel := context.WithCancel(context.Background())
	s := &fakeSite{lose: 1, onLost: cancel}
	m := s.mint("job")
	m.Stop = stop
	if _, err := fast.Mint(context.Background(), m); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if s.creates != 1 || len(s.revoked) != 1 {
		t.Fatalf("%d creates, revoked %v; want one create, its orphan revoked", s.creates, s.revoked)
	}
}

// A refusal is returned at once, with nothing re-sent.
func TestMintDoesNotRetryARefusal(t *testing.T) {
	t.Parallel()
	calls := 0
	m := Mint{Name: "job", Create: func(context.Context) (*client.CreatedToken, error) {
		calls++
		return nil, &client.Error{Kind: client.KindValidation, Status: 400}
	}}
	if _, err := fast.Mint(context.Background(), m); client.KindOf(err) != client.KindValidation || calls != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
}

// A 503 that outlasted the client's retries is sent again after a pause,
// with nothing to settle; every attempt's intent is recorded first.
func TestMintBacksOffWhenBusy(t *testing.T) {
	t.Parallel()
	s := &fakeSite{busy: 2}
	m := s.mint("job")
	again := 0
	m.Again = func() error { again++; return nil }
	ct, err := fast.Mint(context.Background(), m)
	if err != nil || ct == nil || s.creates != 3 || again != 2 || len(s.revoked) != 0 {
		t.Fatalf("%d creates, %d intents, revoked %v, err %v", s.creates, again, s.revoked, err)
	}
	s = &fakeSite{busy: 5}
	if _, err := fast.Mint(context.Background(), s.mint("job")); client.KindOf(err) != client.KindUnavailable || s.creates != 3 {
		t.Fatalf("always busy: %d creates, err %v; want 3 and the 503", s.creates, err)
	}
}

// When every answer is lost it gives up, leaving none of their tokens.
func TestMintGivesUpWhenEveryAnswerIsLost(t *testing.T) {
	t.Parallel()
	s := &fakeSite{lose: 5}
	_, err := fast.Mint(context.Background(), s.mint("job"))
	var gu *GaveUpError
	if !errors.As(err, &gu) || gu.Attempts != 3 || len(s.revoked) != 3 {
		t.Fatalf("err %v, revoked %v; want a GaveUpError after 3 attempts with 3 orphans revoked", err, s.revoked)
	}
}

// A check that cannot be made leaves the lost create unsettled, said so.
func TestMintReportsAnUncheckableLostAnswer(t *testing.T) {
	t.Parallel()
	s := &fakeSite{lose: 1, failLists: 10}
	_, err := fast.Mint(context.Background(), s.mint("job"))
	var le *LostError
	if !errors.As(err, &le) || client.KindOf(err) != client.KindServer {
		t.Fatalf("err %v, want a LostError unwrapping to the 500", err)
	}
}

// With the list of tokens from before, a token the server dated long ago
// (its clock is behind ours) is still recognised as the orphan, and the
// tokens that existed before are kept even if they look new.
func TestMintUsesTheListFromBefore(t *testing.T) {
	t.Parallel()
	s := &fakeSite{lose: 1, nextID: 100, skew: -time.Hour}
	s.tokens = []client.Token{{TokenID: 1, Name: "job", DateCreated: client.Time{Time: time.Now()}}}
	m := s.mint("job")
	m.Orphans.Existing = map[int64]bool{1: true}
	if _, err := fast.Mint(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.revoked, []int64{101}) {
		t.Fatalf("revoked %v, want only the orphan 101", s.revoked)
	}
}

// A token of another user than the one minted for (by its UserID, or by
// its JWT's sub when the record says nothing) is revoked, never returned;
// one someone holds already is refused and left alone.
func TestMintRefusesAStrayOrAHeldToken(t *testing.T) {
	t.Parallel()
	sub := func(id int) string { // an unsigned JWT whose sub is id
		return "eyJhbGciOiJIUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"sub":"%d","jti":"9"}`, id))) + ".c2ln"
	}
	for name, ct := range map[string]client.CreatedToken{
		"UserID": {Token: client.Token{TokenID: 9, UserID: 2}, Secret: "s"},
		"sub":    {Token: client.Token{TokenID: 9}, Secret: sub(2)},
	} {
		var revoked []int64
		m := Mint{Name: "job", For: 1,
			Create: func(context.Context) (*client.CreatedToken, error) { c := ct; return &c, nil },
			Source: Source{Revoke: func(_ context.Context, id int64) error { revoked = append(revoked, id); return nil }}}
		got, err := fast.Mint(context.Background(), m)
		var se *StrayError
		if got != nil || !errors.As(err, &se) || se.UserID != 2 || se.RevokeErr != nil || !slices.Equal(revoked, []int64{9}) {
			t.Errorf("%s: %v %v, revoked %v", name, got, err, revoked)
		}
	}
	var revoked []int64
	m := Mint{Name: "job", For: 1,
		Create: func(context.Context) (*client.CreatedToken, error) {
			return &client.CreatedToken{Token: client.Token{TokenID: 9, UserID: 2}, Secret: "s"}, nil
		},
		Source: Source{Revoke: func(_ context.Context, id int64) error { revoked = append(revoked, id); return nil }},
		Claim:  func(int64) bool { return false }}
	var he *HeldError
	if _, err := fast.Mint(context.Background(), m); !errors.As(err, &he) || len(revoked) != 0 {
		t.Errorf("held: %v, revoked %v", err, revoked)
	}
}
