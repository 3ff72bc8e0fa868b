package bulk

import (
	"context"
	"fmt"
	"time"

	"github.com/axero-cli/axero/client"
)

// NotPermittedError says the caller lacks the impersonation permission
// that managing other users' tokens needs. It is found before anything is
// changed. It unwraps to a 403 *client.Error, so the exit-code mapping
// gives it the not-permitted code (3).
type NotPermittedError struct {
	UserName string // the caller
	Action   string // what was refused, e.g. "revoke other users' tokens"
}

func (e *NotPermittedError) Error() string {
	return fmt.Sprintf("not permitted: to %s you need the impersonation permission, and %s does not have it", e.Action, e.UserName)
}

// NotPermitted marks the error for the exit-code mapping.
func (e *NotPermittedError) NotPermitted() bool { return true }

func (e *NotPermittedError) Unwrap() error {
	return &client.Error{Kind: client.KindForbidden, Status: 403, ServerMessage: "the impersonation permission is required"}
}

// Me is the part of the client that identifies the caller.
type Me interface {
	Me(ctx context.Context) (*client.User, error)
}

// RequireImpersonator returns the caller (GET users/me, retried while it
// fails transiently) when it may manage other users' tokens, and a
// *NotPermittedError otherwise. action says what needs the permission.
func RequireImpersonator(ctx context.Context, api Me, action string) (*client.User, error) {
	var me *client.User
	err := Retry(ctx, 4, 250*time.Millisecond, func() (err error) {
		me, err = api.Me(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !me.CanImpersonate {
		return nil, &NotPermittedError{UserName: me.UserName, Action: action}
	}
	return me, nil
}
