package doctor

import (
	"errors"
	"fmt"
	"strings"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/timefmt"
)

// authState is what the server said of the token.
type authState struct {
	c  *client.Client
	me *client.User
}

func (d *doctor) checkAuth() {
	const name = "auth"
	if !d.needs(name, "token", "http") {
		return
	}
	cc := d.f.ProfileClientConfig(&d.net.prof, d.local.token)
	// One attempt: doctor reports what happens, it does not insist.
	cc.MaxRetries = -1
	c, err := client.New(cc)
	if err != nil {
		d.r.fail(name, err.Error(), "")
		return
	}
	me, err := c.Me(d.ctx)
	var apiErr *client.Error
	switch {
	case err == nil:
		d.auth = authState{c: c, me: me}
		who := me.UserName
		if me.DisplayName != "" && me.DisplayName != me.UserName {
			who += " (" + me.DisplayName + ")"
		}
		d.r.ok(name, fmt.Sprintf("the server accepts the token: %s, UserID %d", who, me.UserID))
	case errors.As(err, &apiErr) && apiErr.Kind == client.KindUnauthorized:
		d.r.fail(name, "the server rejects the token (401)", "it was revoked, has expired, or belongs to another site: create a new one and run `axero login` again (or set AXERO_TOKEN)")
	case errors.As(err, &apiErr) && apiErr.Kind == client.KindForbidden:
		d.r.fail(name, "the server accepts the token but refuses the request (403): the user's role has no REST API access", "ask the site's administrators to grant REST API access to the role")
	default:
		d.r.fail(name, "GET /api/users/me failed: "+err.Error(), "")
	}
}

func (d *doctor) checkRole() {
	const name = "role"
	if !d.needs(name, "auth") {
		return
	}
	me := d.auth.me
	var parts []string
	if me.IsSiteAdmin {
		parts = append(parts, "site admin")
	} else {
		parts = append(parts, "not a site admin")
	}
	if me.CanImpersonate {
		parts = append(parts, "can impersonate (token create-for-user works)")
	} else {
		parts = append(parts, "cannot impersonate (token create-for-user is refused)")
	}
	d.r.ok(name, strings.Join(parts, ", "))
}

func (d *doctor) checkPolicy() {
	const name = "policy"
	if !d.needs(name, "auth") {
		return
	}
	p, err := d.auth.c.Policy(d.ctx)
	if err != nil {
		d.r.warn(name, "cannot read the site's token policy: "+err.Error(), "token create checks --expires against it; it will say so if it cannot read it either")
		return
	}
	max := "no maximum lifetime"
	if p.MaxExpirationMinutes > 0 {
		max = "tokens live at most " + minutes(p.MaxExpirationMinutes)
	}
	never := "never-expiring tokens not allowed"
	if p.AllowNoExpiration {
		never = "never-expiring tokens allowed"
	}
	detail := fmt.Sprintf("%s, %s by default; %s", max, minutes(p.DefaultExpirationMinutes), never)
	if p.SecurityLevel != "" {
		detail += "; security level " + p.SecurityLevel
	}
	d.r.ok(name, detail)
}

// minutes says a lifetime in minutes as people do: "1 year", "30 days".
func minutes(m int64) string {
	if m <= 0 {
		return "none"
	}
	return timefmt.Duration(timeMinutes(m))
}
