package token

import (
	"context"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/bulk"
)

// rowClient is the client of a bulk run that applies --timeout itself
// (cmdutil.SelfDeadline): audit, revoke --from, rotate --from. Its
// start-up checks are made first, by startBulkRun, under one deadline of
// --timeout; when the engine asks again (who am I, the policy) it gets
// those answers rather than a request outside that deadline. Every other
// request gets bulkRowTimeout of its own, so that a row is bounded and the
// run as a whole is not: 10,000 users are never cut off after --timeout.
type rowClient struct {
	*client.Client
	row    time.Duration
	me     *client.User
	policy *client.Policy
}

// startBulkRun checks, under one deadline of --timeout, that the caller
// may act on other users' tokens (a *bulk.NotPermittedError naming action
// otherwise) and, withPolicy, reads the site's policy. ctx must carry no
// deadline of the command's (the command is SelfDeadline).
func startBulkRun(ctx context.Context, f *cmdutil.Factory, c *client.Client, action string, withPolicy bool) (*rowClient, error) {
	ctx, cancel, err := f.WithDeadline(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	rc := &rowClient{Client: c, row: bulkRowTimeout(f.Timeout)}
	if rc.me, err = bulk.RequireImpersonator(ctx, c, action); err != nil {
		return nil, err
	}
	if withPolicy {
		err = bulk.Retry(ctx, startupAttempts, startupWait, func() (err error) {
			rc.policy, err = c.Policy(ctx)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return rc, nil
}

// bound gives one request its own deadline. The caller's cancellation
// (Ctrl-C) still reaches it.
func (rc *rowClient) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, rc.row)
}

// Me is the caller checked at start-up.
func (rc *rowClient) Me(ctx context.Context) (*client.User, error) {
	if rc.me != nil {
		me := *rc.me
		return &me, nil
	}
	ctx, cancel := rc.bound(ctx)
	defer cancel()
	return rc.Client.Me(ctx)
}

// Policy is the policy read at start-up.
func (rc *rowClient) Policy(ctx context.Context) (*client.Policy, error) {
	if rc.policy != nil {
		p := *rc.policy
		return &p, nil
	}
	ctx, cancel := rc.bound(ctx)
	defer cancel()
	return rc.Client.Policy(ctx)
}

func (rc *rowClient) GetUser(ctx context.Context, userID int64) (*client.User, error) {
	ctx, cancel := rc.bound(ctx)
	defer cancel()
	return rc.Client.GetUser(ctx, userID)
}

func (rc *rowClient) FindUsers(ctx context.Context, q client.UserQuery, startPage, pageSize int) (client.Page[client.User], error) {
	ctx, cancel := rc.bound(ctx)
	defer cancel()
	return rc.Client.FindUsers(ctx, q, startPage, pageSize)
}

func (rc *rowClient) ListUserTokens(ctx context.Context, userID int64, startPage, pageSize int) (client.Page[client.Token], error) {
	ctx, cancel := rc.bound(ctx)
	defer cancel()
	return rc.Client.ListUserTokens(ctx, userID, startPage, pageSize)
}

func (rc *rowClient) ListAllUserTokens(ctx context.Context, userID int64) ([]client.Token, error) {
	ctx, cancel := rc.bound(ctx)
	defer cancel()
	return rc.Client.ListAllUserTokens(ctx, userID)
}

func (rc *rowClient) GetToken(ctx context.Context, tokenID int64) (*client.Token, error) {
	ctx, cancel := rc.bound(ctx)
	defer cancel()
	return rc.Client.GetToken(ctx, tokenID)
}

func (rc *rowClient) RevokeToken(ctx context.Context, tokenID int64) error {
	ctx, cancel := rc.bound(ctx)
	defer cancel()
	return rc.Client.RevokeToken(ctx, tokenID)
}

func (rc *rowClient) CreateUserToken(ctx context.Context, userID int64, req client.CreateTokenRequest) (*client.CreatedToken, error) {
	ctx, cancel := rc.bound(ctx)
	defer cancel()
	return rc.Client.CreateUserToken(ctx, userID, req)
}
