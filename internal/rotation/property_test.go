package rotation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/sink"
)

// The protocol under random failures and crashes: a fake site and fake
// sinks fail at random, the process "dies" at a random point between two
// steps (a panic that unwinds the run, leaving only the pending file), and
// the next run picks up from the pending file as the command does. At
// every moment, the old token is revoked only if every sink holds the new
// one; every live token of the name other than the old one is the one the
// pending file keeps (or the unrecorded mint an intent promises to
// settle); and in the end exactly one token of the name is live, every
// sink holds it, and no pending file is left.

type crashed struct{ point string }

type fakeToken struct {
	client.Token
	secret string
	live   bool
}

type fakeSite struct {
	t      *rapid.T
	now    time.Time
	next   int64
	tokens []*fakeToken
	// flaky makes calls fail at random; it is switched off after a few
	// runs so that the rotation can finish.
	flaky bool
}

func (s *fakeSite) fail(what string) error {
	if s.flaky && rapid.IntRange(0, 9).Draw(s.t, what) == 0 {
		return &client.Error{Kind: client.KindUnavailable}
	}
	return nil
}

func (s *fakeSite) List(context.Context) ([]client.Token, error) {
	if err := s.fail("list fails"); err != nil {
		return nil, err
	}
	var out []client.Token
	for _, t := range s.tokens {
		if t.live {
			out = append(out, t.Token)
		}
	}
	return out, nil
}

func (s *fakeSite) Mint(_ context.Context, req client.CreateTokenRequest, _ []client.Token) (*client.CreatedToken, error) {
	if err := s.fail("mint fails"); err != nil {
		return nil, err
	}
	s.next++
	t := &fakeToken{live: true, secret: "secret-" + strconv.FormatInt(s.next, 10)}
	t.TokenID, t.Name, t.UserID, t.DateCreated = s.next, req.Name, 3, client.Time{Time: s.now}
	s.tokens = append(s.tokens, t)
	if s.flaky && rapid.IntRange(0, 9).Draw(s.t, "mint answer lost") == 0 {
		// Minted, but the answer (and its secret) never arrived, and the
		// reconciliation could not tell.
		return nil, errors.New("the answer to creating the token was lost")
	}
	return &client.CreatedToken{Token: t.Token, Secret: t.secret}, nil
}

func (s *fakeSite) find(id int64) *fakeToken {
	for _, t := range s.tokens {
		if t.TokenID == id {
			return t
		}
	}
	return nil
}

func (s *fakeSite) Prove(_ context.Context, secret string, _ int64) error {
	if err := s.fail("prove fails"); err != nil {
		return err
	}
	for _, t := range s.tokens {
		if t.secret == secret && t.live {
			return nil
		}
	}
	return &client.Error{Kind: client.KindUnauthorized}
}

func (s *fakeSite) Revoke(_ context.Context, id int64) error {
	if err := s.fail("revoke fails"); err != nil {
		return err
	}
	t := s.find(id)
	if t == nil || !t.live {
		return &client.Error{Kind: client.KindNotFound}
	}
	t.live = false
	return nil
}

func (s *fakeSite) Rename(_ context.Context, id int64, name string) error {
	if err := s.fail("rename fails"); err != nil {
		return err
	}
	t := s.find(id)
	if t == nil || !t.live {
		return &client.Error{Kind: client.KindNotFound}
	}
	t.Name = name
	return nil
}

type flakySink struct {
	site *fakeSite
	name string
	held string
}

func (f *flakySink) String() string { return "fake:" + f.name }
func (f *flakySink) Check(context.Context) error {
	return nil
}
func (f *flakySink) Put(_ context.Context, v sink.Value) error {
	if err := f.site.fail(f.name + " put fails"); err != nil {
		return sink.Errorf(f.String(), "put", sink.Failed, "503")
	}
	f.held = v.Secret
	return nil
}
func (f *flakySink) Verify(_ context.Context, v sink.Value) error {
	if err := f.site.fail(f.name + " verify fails"); err != nil {
		return sink.Errorf(f.String(), "verify", sink.Failed, "503")
	}
	if f.held != v.Secret {
		return sink.Errorf(f.String(), "verify", sink.Failed, "does not hold it")
	}
	return nil
}
func (f *flakySink) Commit(context.Context, sink.Value) error {
	if err := f.site.fail(f.name + " commit fails"); err != nil {
		return sink.Errorf(f.String(), "commit", sink.Failed, "503")
	}
	return nil
}

func TestRotationSurvivesRandomFailuresAndCrashes(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		dir := t.TempDir()
		store := Store{Dir: dir}
		site := &fakeSite{t: rt, now: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), flaky: true}
		old := &fakeToken{live: true, secret: "old-secret"}
		site.next = 100
		old.TokenID, old.Name, old.UserID = 100, "ci", 3
		site.tokens = append(site.tokens, old)
		nSinks := rapid.IntRange(1, 4).Draw(rt, "sinks")
		var sinks []sink.Sink
		var fakes []*flakySink
		for i := range nSinks {
			f := &flakySink{site: site, name: "s" + strconv.Itoa(i), held: "old-secret"}
			fakes = append(fakes, f)
			sinks = append(sinks, f)
		}
		grace := rapid.Bool().Draw(rt, "grace")
		key := Key{Site: "https://axero.test", Profile: "default", Name: "ci"}

		check := func(when string) {
			p, err := store.Load(key)
			if err != nil {
				rt.Fatalf("%s: %v", when, err)
			}
			if !old.live || old.Name != "ci" {
				// Old token revoked or renamed: every sink holds the one
				// live new token.
				for _, f := range fakes {
					tok := site.secretToken(f.held)
					if tok == nil || !tok.live || tok == old {
						rt.Fatalf("%s: the old token was retired but %s holds %q", when, f.name, f.held)
					}
				}
			}
			for _, tk := range site.tokens {
				if !tk.live || tk == old || tk.Name != "ci" {
					continue
				}
				switch {
				case p != nil && p.New != nil && p.New.ID == tk.TokenID:
				case p != nil && p.Phase == PhaseIntent:
				case p == nil && allHold(fakes, tk.secret):
				default:
					rt.Fatalf("%s: token %d is live, but neither kept in the pending file nor delivered (pending %+v)", when, tk.TokenID, p)
				}
			}
		}

		crashAt := rapid.IntRange(0, 60).Draw(rt, "crash at")
		points := 0
		m := &Machine{API: site, Store: store, Sinks: sinks, Now: func() time.Time { return site.now }, Retry: reconcile.Policy{Attempts: 1}}
		m.Crash = func(point string) {
			points++
			if points == crashAt {
				panic(crashed{point})
			}
		}
		run := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					c, ok := r.(crashed)
					if !ok {
						panic(r)
					}
					err = fmt.Errorf("crashed at %s", c.point)
				}
			}()
			ctx := context.Background()
			p, err := store.Load(key)
			if err != nil {
				return err
			}
			if p != nil && p.Phase == PhaseIntent {
				if _, err := m.Settle(ctx, p); err != nil {
					return err
				}
				p = nil
			}
			if p != nil {
				_, err := m.Continue(ctx, p)
				return err
			}
			if !old.live {
				return nil // done: the old token is gone and nothing is pending
			}
			before, err := site.List(ctx)
			if err != nil {
				return err
			}
			np := &Pending{Site: key.Site, Profile: key.Profile, Name: key.Name, Old: &OldToken{ID: old.TokenID, UserID: 3}}
			if grace {
				np.Grace = 7 * 24 * time.Hour
			}
			for _, s := range sinks {
				np.Sinks = append(np.Sinks, SinkState{Spec: s.String()})
			}
			_, err = m.Start(ctx, np, before)
			return err
		}
		for attempt := 0; ; attempt++ {
			if attempt == 8 {
				site.flaky = false
			}
			if attempt > 20 {
				rt.Fatalf("no end after %d runs", attempt)
			}
			err := run()
			check(fmt.Sprintf("after run %d (%v)", attempt, err))
			if err == nil {
				if p, _ := store.Load(key); p == nil && (!old.live || old.Name != "ci") {
					break
				}
			}
		}
		var live []int64
		for _, tk := range site.tokens {
			if tk.live && tk.Name == "ci" {
				live = append(live, tk.TokenID)
			}
		}
		if len(live) != 1 || !allHold(fakes, site.find(live[0]).secret) {
			rt.Fatalf("live tokens named ci: %v; sinks %v", live, heldBy(fakes))
		}
		if grace != old.live {
			rt.Fatalf("grace %v, old live %v (%q)", grace, old.live, old.Name)
		}
		if grace {
			if _, _, ok := ParseMark(old.Name); !ok {
				rt.Fatalf("the old token is named %q", old.Name)
			}
		}
	})
}

func (s *fakeSite) secretToken(secret string) *fakeToken {
	for _, t := range s.tokens {
		if t.secret == secret {
			return t
		}
	}
	return nil
}

func allHold(fakes []*flakySink, secret string) bool {
	return !slices.ContainsFunc(fakes, func(f *flakySink) bool { return f.held != secret })
}

func heldBy(fakes []*flakySink) []string {
	var out []string
	for _, f := range fakes {
		out = append(out, f.name+"="+f.held)
	}
	return out
}
