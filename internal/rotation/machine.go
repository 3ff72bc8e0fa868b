// Package rotation is the state machine of one delivered rotation (token
// rotate NAME) or one delivered create (token create --name N --to ...):
// its journal, the pending file, written before each irreversible step so
// that a run killed at any point is finished by the next (Continue, from
// the phase the file records) or undone (Abandon); the locks that keep two
// runs on one machine from rotating one token at once; and the check,
// after minting, that settles two runs on different machines: the lower
// TokenID wins.
//
// The steps, each written down before it runs:
//
//	intent     the pending file names the rotation, with no secret; mint
//	minted     the new secret is in the file (0600); check for a
//	           concurrent rotation, prove the token, put and verify each
//	           sink (each step journalled)
//	delivered  every sink holds it; commit each sink
//	committed  revoke the old token (or rename it with the superseded
//	           marker, or keep it); remove the pending file
//
// The old token is never touched before every sink verified the new one,
// and a minted token is either delivered or revoked.
package rotation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/delivery"
	"github.com/axero-cli/axero/internal/reconcile"
	"github.com/axero-cli/axero/internal/sink"
)

// API is the site, as a rotation needs it: the tokens of one owner (the
// caller, or the user of an impersonation token).
type API interface {
	// List returns every token of the owner.
	List(ctx context.Context) ([]client.Token, error)
	// Mint creates a token, reconciling a lost answer (never re-sending a
	// create blindly); before are the tokens listed before minting.
	Mint(ctx context.Context, req client.CreateTokenRequest, before []client.Token) (*client.CreatedToken, error)
	// Prove checks that secret authenticates (as userID, unless 0).
	Prove(ctx context.Context, secret string, userID int64) error
	Revoke(ctx context.Context, tokenID int64) error
	Rename(ctx context.Context, tokenID int64, name string) error
}

// Machine runs one rotation. Sinks are in the order of the pending
// file's sinks, one for each.
type Machine struct {
	API   API
	Store Store
	Sinks []sink.Sink
	Now   func() time.Time
	// Log receives progress lines (stderr).
	Log io.Writer
	// Mask hides the secret from a CI log (::add-mask::) before any
	// sink runs; nil does nothing.
	Mask func(secret string)
	// Crash is called at every point between two steps with the point's
	// name ("intent", "mint", "minted", "put:1", "put:1:done", ...): the
	// end-to-end tests kill the process there. nil in production.
	Crash func(point string)
	// Retry bounds the retries of lists and revokes.
	Retry reconcile.Policy
}

// Result is what a finished (or stopped) run did.
type Result struct {
	New    *client.CreatedToken
	Report delivery.Report
	// Retired says what became of the old token: "revoked", "already
	// gone", "renamed to ...", "kept", or "" when nothing was done.
	Retired string
}

func (m *Machine) crash(point string) {
	if m.Crash != nil {
		m.Crash(point)
	}
}

// cleanupTimeout bounds the steps that run after Ctrl-C: revoking a token
// nobody will hold.
const cleanupTimeout = 30 * time.Second

func cleanupCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
}

// Start writes the intent, mints the new token, keeps its secret in the
// pending file and goes on (Continue). p names the rotation (Site,
// Profile, Name, Old for a rotation, Minutes, Grace, KeepOld, and the
// Sinks' specs); before are the owner's tokens as listed just before.
func (m *Machine) Start(ctx context.Context, p *Pending, before []client.Token) (*Result, error) {
	p.Started = m.Now().UTC()
	p.Existing = make([]int64, 0, len(before))
	for _, t := range before {
		p.Existing = append(p.Existing, t.TokenID)
	}
	p.Phase, p.New = PhaseIntent, nil
	for i := range p.Sinks {
		p.Sinks[i].State, p.Sinks[i].Detail = delivery.StatePending, ""
	}
	if err := m.Store.Save(p); err != nil {
		return nil, fmt.Errorf("nothing was minted: %w", err)
	}
	m.crash("intent")

	ct, err := m.API.Mint(ctx, client.CreateTokenRequest{Name: p.Name, ExpiresInMinutes: p.Minutes}, before)
	if err != nil {
		// The reconciliation revoked whatever a lost answer may have
		// minted; settle once more all the same, and keep the intent
		// only if that cannot be done, for the next run to settle.
		cctx, cancel := cleanupCtx(ctx)
		defer cancel()
		if _, serr := m.Settle(cctx, p); serr != nil {
			return nil, fmt.Errorf("%w (a token may have been minted anyway; the next run of this command revokes it)", err)
		}
		return nil, err
	}
	m.crash("mint")
	if m.Mask != nil {
		m.Mask(ct.Secret)
	}
	p.New = &NewToken{ID: ct.TokenID, Secret: ct.Secret, UserID: ct.UserID, Created: ct.DateCreated.UTC()}
	if !ct.NeverExpires() {
		t := ct.ExpirationDate.UTC()
		p.New.Expires = &t
	}
	p.Phase = PhaseMinted
	if err := m.Store.Save(p); err != nil {
		// The secret cannot be kept safe: nobody may hold this token.
		cctx, cancel := cleanupCtx(ctx)
		defer cancel()
		if rerr := m.revoke(cctx, ct.TokenID); rerr != nil {
			return nil, fmt.Errorf("%w; token %d was minted but could not be revoked (%v): revoke it with `axero token revoke %d`", err, ct.TokenID, rerr, ct.TokenID) //nolint:errorlint // the revoke's error is told, not wrapped: a wrapped context.Canceled would shrink the message to "interrupted"
		}
		_ = m.Store.Remove(p.Key())
		return nil, fmt.Errorf("%w; the new token %d was revoked, and nothing else changed", err, ct.TokenID)
	}
	m.crash("minted")
	return m.Continue(ctx, p)
}

// created is the new token as the client reports one.
func created(p *Pending) *client.CreatedToken {
	ct := &client.CreatedToken{Secret: p.New.Secret}
	ct.TokenID, ct.Name, ct.UserID = p.New.ID, p.Name, p.New.UserID
	ct.DateCreated = client.Time{Time: p.New.Created}
	if p.New.Expires != nil {
		ct.ExpirationDate = &client.Time{Time: *p.New.Expires}
	}
	ct.Status = "Active"
	return ct
}

func value(p *Pending) sink.Value {
	v := sink.Value{Secret: p.New.Secret, TokenID: p.New.ID, Name: p.Name, Started: p.Started}
	if p.New.Expires != nil {
		v.Expires = *p.New.Expires
	}
	return v
}

// Continue finishes a rotation from the phase p records (not intent:
// Settle that first).
func (m *Machine) Continue(ctx context.Context, p *Pending) (*Result, error) {
	if p.Phase == PhaseIntent || p.New == nil {
		return nil, errors.New("the rotation has not minted its token yet")
	}
	if len(m.Sinks) != len(p.Sinks) {
		return nil, fmt.Errorf("%d sinks for the %d the rotation records", len(m.Sinks), len(p.Sinks))
	}
	res := &Result{New: created(p), Report: p.Report()}
	v := value(p)
	rec := m.recorder(p)
	if p.Phase == PhaseMinted {
		if err := m.race(ctx, p); err != nil {
			return res, err
		}
		userID := int64(0)
		if p.Old != nil {
			userID = p.Old.UserID
		}
		if err := m.API.Prove(ctx, p.New.Secret, userID); err != nil {
			return res, m.unproven(ctx, p, err)
		}
		if m.Mask != nil {
			m.Mask(p.New.Secret)
		}
		res.Report = delivery.Deliver(ctx, m.Sinks, v, rec, p.Report())
		if !res.Report.AllVerified() {
			return res, m.partial(p, res.Report)
		}
		p.Phase = PhaseDelivered
		if err := m.Store.Save(p); err != nil {
			return res, err
		}
		m.crash("delivered")
	}
	if p.Phase == PhaseDelivered {
		res.Report = delivery.Commit(ctx, m.Sinks, v, rec, p.Report())
		if !res.Report.AllCommitted() {
			return res, m.partial(p, res.Report)
		}
		p.Phase = PhaseCommitted
		if err := m.Store.Save(p); err != nil {
			return res, err
		}
		m.crash("committed")
	}
	retired, err := m.retire(ctx, p)
	res.Retired = retired
	if err != nil {
		return res, err
	}
	m.crash("retired")
	if err := m.Store.Remove(p.Key()); err != nil {
		return res, err
	}
	return res, nil
}

// recorder journals each step of the delivery in the pending file before
// and after it runs.
func (m *Machine) recorder(p *Pending) delivery.Recorder {
	return delivery.RecorderFunc(func(s delivery.Step) error {
		i := slices.IndexFunc(p.Sinks, func(x SinkState) bool { return x.Spec == s.Sink })
		if i < 0 {
			return fmt.Errorf("sink %s is not in the pending rotation", s.Sink)
		}
		st := &p.Sinks[i]
		point := string(s.Op) + ":" + strconv.Itoa(i+1)
		switch {
		case !s.Done:
			st.Detail = string(s.Op) + " under way"
		case s.Err != nil:
			st.State, st.Detail = failedState(s.Op), detailOf(s.Err, p.New.Secret)
			point += ":done"
		default:
			st.Detail = ""
			switch s.Op {
			case delivery.OpPut:
				st.State = delivery.StatePut
			case delivery.OpVerify:
				st.State = delivery.StateVerified
			case delivery.OpCommit:
				st.State = delivery.StateCommitted
			}
			point += ":done"
		}
		if err := m.Store.Save(p); err != nil {
			return err
		}
		m.crash(point)
		return nil
	})
}

func failedState(op delivery.Op) delivery.State {
	switch op {
	case delivery.OpPut:
		return delivery.StateFailedPut
	case delivery.OpVerify:
		return delivery.StateFailedVerify
	}
	return delivery.StateFailedCommit
}

// detailOf is the report's text for err.
func detailOf(err error, secret string) string { return delivery.Detail(err, secret) }

// race settles two rotations of one token on different machines, which
// no file lock can order: after minting, the tokens of the name that were
// not there before and are not ours are another run's; if one of them
// has a lower TokenID, that run won, and ours (delivered nowhere yet) is
// revoked.
func (m *Machine) race(ctx context.Context, p *Pending) error {
	var tokens []client.Token
	if err := m.Retry.Do(ctx, func() (err error) { tokens, err = m.API.List(ctx); return err }); err != nil {
		return fmt.Errorf("checking for a concurrent rotation of %q: %w; the new token %d is kept in the pending rotation: run the command again with --resume", p.Name, err, p.New.ID)
	}
	var winner int64
	for _, t := range tokens {
		if t.Name != p.Name || t.TokenID == p.New.ID || slices.Contains(p.Existing, t.TokenID) || (p.Old != nil && t.TokenID == p.Old.ID) {
			continue
		}
		if t.TokenID < p.New.ID && (winner == 0 || t.TokenID < winner) {
			winner = t.TokenID
		}
	}
	if winner == 0 {
		return nil
	}
	cctx, cancel := cleanupCtx(ctx)
	defer cancel()
	if err := m.revoke(cctx, p.New.ID); err != nil {
		return fmt.Errorf("another rotation of %q replaced it at the same time (token %d), and revoking this run's token %d failed (%v): revoke it with `axero token revoke %d`", p.Name, winner, p.New.ID, err, p.New.ID) //nolint:errorlint // told, not wrapped: a wrapped context.Canceled would shrink the message to "interrupted", and it must say which token is left
	}
	_ = m.Store.Remove(p.Key())
	return &LostRaceError{Name: p.Name, Winner: winner}
}

// unproven revokes a new token that does not work.
func (m *Machine) unproven(ctx context.Context, p *Pending, proofErr error) error {
	cctx, cancel := cleanupCtx(ctx)
	defer cancel()
	old := "nothing else changed"
	if p.Old != nil {
		old = fmt.Sprintf("the old token %d is untouched", p.Old.ID)
	}
	if err := m.revoke(cctx, p.New.ID); err != nil {
		return &ProofError{Err: fmt.Errorf("the new token %d did not work (%v), and revoking it failed too (%v): revoke it with `axero token revoke %d`; %s", p.New.ID, proofErr, err, p.New.ID, old)} //nolint:errorlint // told, not wrapped: a wrapped context.Canceled would shrink the message to "interrupted", and it must say which token is left
	}
	_ = m.Store.Remove(p.Key())
	return &ProofError{Err: fmt.Errorf("the new token %d did not work (%v), so it was revoked; %s", p.New.ID, proofErr, old)} //nolint:errorlint // told, not wrapped, for the same reason
}

func (m *Machine) partial(p *Pending, rep delivery.Report) error {
	e := &PartialError{Name: p.Name, NewID: p.New.ID, Report: rep, Holding: rep.Holding(), Sinks: len(rep.Sinks)}
	if p.Old != nil {
		e.OldID = p.Old.ID
	}
	return e
}

// retire does what the rotation asked with the old token.
func (m *Machine) retire(ctx context.Context, p *Pending) (string, error) {
	if p.Old == nil {
		return "", nil
	}
	switch {
	case p.KeepOld:
		return "kept", nil
	case p.Grace > 0:
		name := Mark(p.Name, p.Started.Add(p.Grace))
		err := m.Retry.Do(ctx, func() error { return m.API.Rename(ctx, p.Old.ID, name) })
		if client.IsNotFound(err) {
			return "already gone", nil
		}
		if err != nil {
			return "", &RetireError{OldID: p.Old.ID, NewID: p.New.ID, Name: p.Name, Err: err, Rename: true}
		}
		return "renamed to " + name, nil
	}
	err := m.Retry.Do(ctx, func() error { return m.API.Revoke(ctx, p.Old.ID) })
	if client.IsNotFound(err) {
		return "already gone", nil
	}
	if err != nil {
		return "", &RetireError{OldID: p.Old.ID, NewID: p.New.ID, Name: p.Name, Err: err}
	}
	return "revoked", nil
}

// revoke revokes id; 404 means it is gone already.
func (m *Machine) revoke(ctx context.Context, id int64) error {
	err := m.Retry.Do(ctx, func() error { return m.API.Revoke(ctx, id) })
	if client.IsNotFound(err) {
		return nil
	}
	return err
}

// Settle undoes a rotation that wrote its intent but never recorded a
// mint: the tokens of the name created since it started, that did not
// exist before and are not the old one, were minted for it and nobody
// holds their secrets, so they are revoked. The pending file is removed.
func (m *Machine) Settle(ctx context.Context, p *Pending) ([]int64, error) {
	var tokens []client.Token
	if err := m.Retry.Do(ctx, func() (err error) { tokens, err = m.API.List(ctx); return err }); err != nil {
		return nil, fmt.Errorf("settling the unfinished rotation of %q: %w", p.Name, err)
	}
	cutoff := p.Started.Truncate(time.Second).Add(-reconcile.ClockSkew)
	var revoked []int64
	var errs []error
	for _, t := range tokens {
		if t.Name != p.Name || slices.Contains(p.Existing, t.TokenID) || (p.Old != nil && t.TokenID == p.Old.ID) || t.DateCreated.Before(cutoff) {
			continue
		}
		if err := m.revoke(ctx, t.TokenID); err != nil {
			errs = append(errs, fmt.Errorf("revoking token %d: %w", t.TokenID, err))
			continue
		}
		revoked = append(revoked, t.TokenID)
	}
	if err := errors.Join(errs...); err != nil {
		return revoked, fmt.Errorf("settling the unfinished rotation of %q: %w", p.Name, err)
	}
	return revoked, m.Store.Remove(p.Key())
}

// Abandon drops an unfinished rotation: the new token is revoked (the
// sinks that took it then hold a dead token) and the old one kept. A
// rotation that committed cannot be abandoned: its sinks have promoted
// the new token, and the old one may be gone.
func (m *Machine) Abandon(ctx context.Context, p *Pending) ([]int64, error) {
	switch p.Phase {
	case PhaseIntent:
		return m.Settle(ctx, p)
	case PhaseCommitted:
		return nil, fmt.Errorf("the rotation of %q has committed: every sink holds the new token %d; finish it with --resume", p.Name, p.New.ID)
	}
	if err := m.revoke(ctx, p.New.ID); err != nil {
		return nil, fmt.Errorf("revoking the new token %d: %w; nothing was dropped", p.New.ID, err)
	}
	return []int64{p.New.ID}, m.Store.Remove(p.Key())
}
