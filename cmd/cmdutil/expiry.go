package cmdutil

import (
	"context"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/expiry"
)

// PolicyMinutes turns an --expires spec, parsed at now, into the
// ExpiresInMinutes to send (nil: the site's default). It fetches the site's
// policy only when the spec needs it, and refuses what the server would
// refuse with a usage error that names the limit (a usage error, exit 2).
// Pass the now the spec was parsed at, so that "30d" means one instant to
// both.
func PolicyMinutes(ctx context.Context, c *client.Client, spec expiry.Spec, now time.Time) (*int64, error) {
	if spec.Default {
		return nil, nil
	}
	policy, err := c.Policy(ctx)
	if err != nil {
		return nil, err
	}
	return spec.Minutes(now, policy)
}
