package renew

import (
	"context"

	"github.com/axero-cli/axero/client"
)

// limitedAPI lets at most cap(slots) requests be in flight, whatever the
// number of records being worked on. Concurrency bounds the load on the
// server; twice as many records are in flight so that the local steps of
// one record (the journal's and NEW's fsyncs) overlap the requests of
// others instead of leaving a request slot idle.
type limitedAPI struct {
	api   API
	slots chan struct{}
}

func newLimitedAPI(api API, n int) *limitedAPI {
	return &limitedAPI{api: api, slots: make(chan struct{}, n)}
}

// do runs one request once a slot is free. Waiting for a slot honours ctx;
// the request itself is the caller's.
func (l *limitedAPI) do(ctx context.Context, f func() error) error {
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-l.slots }()
	return f()
}

func (l *limitedAPI) CreateUserToken(ctx context.Context, userID int64, req client.CreateTokenRequest) (ct *client.CreatedToken, err error) {
	err = l.do(ctx, func() error { ct, err = l.api.CreateUserToken(ctx, userID, req); return err })
	return ct, err
}

func (l *limitedAPI) ListAllUserTokens(ctx context.Context, userID int64) (ts []client.Token, err error) {
	err = l.do(ctx, func() error { ts, err = l.api.ListAllUserTokens(ctx, userID); return err })
	return ts, err
}

func (l *limitedAPI) RevokeToken(ctx context.Context, tokenID int64) error {
	return l.do(ctx, func() error { return l.api.RevokeToken(ctx, tokenID) })
}

func (l *limitedAPI) Me(ctx context.Context) (u *client.User, err error) {
	err = l.do(ctx, func() error { u, err = l.api.Me(ctx); return err })
	return u, err
}

func (l *limitedAPI) Policy(ctx context.Context) (p *client.Policy, err error) {
	err = l.do(ctx, func() error { p, err = l.api.Policy(ctx); return err })
	return p, err
}

func (l *limitedAPI) GetUser(ctx context.Context, userID int64) (u *client.User, err error) {
	err = l.do(ctx, func() error { u, err = l.api.GetUser(ctx, userID); return err })
	return u, err
}
