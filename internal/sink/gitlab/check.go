package gitlab

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

// GitLab's masking rule (Ci::Maskable): a masked value that is expanded
// must be at least maskMinLength characters, all from maskAlphabet (the
// Base64 alphabet, RFC 4648 with its URL-safe variant, and @ : . ~).
const (
	maskAlphabet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_@:.~"
	maskMinLength = 8
)

// maskable reports why tokens drawn from alphabet, at least minLength
// long, could not be masked by GitLab, or nil when they always can.
func maskable(alphabet string, minLength int) error {
	var bad []string
	for _, r := range alphabet {
		if !strings.ContainsRune(maskAlphabet, r) {
			bad = append(bad, strconv.QuoteRune(r))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("a token may hold %s, which GitLab cannot mask", strings.Join(bad, ", "))
	}
	if minLength < maskMinLength {
		return fmt.Errorf("a token may be shorter than the %d characters GitLab masks", maskMinLength)
	}
	return nil
}

// variable is a CI/CD variable as GitLab answers it. Value is nil for a
// hidden variable.
type variable struct {
	Key              string  `json:"key"`
	Value            *string `json:"value"`
	Protected        bool    `json:"protected"`
	Masked           bool    `json:"masked"`
	Hidden           bool    `json:"hidden"`
	EnvironmentScope string  `json:"environment_scope"`
}

// Check proves, changing nothing, that the variable can be written: the
// key is one GitLab accepts, the token is accepted, the project or group
// exists, the token's user may write its variables, the options fit the
// variable as it is, and a token can be masked if the variable will be.
//
// Write permission is read from the members API, GET
// /projects/:id/members/all/:user_id (or /groups/...), which counts the
// roles inherited from parent groups: Maintainer for a project's
// variables, Owner for a group's, or a custom role with
// admin_cicd_variables. An administrator (is_admin in GET /user) needs no
// role.
func (s *Sink) Check(ctx context.Context) error {
	const op = "check"
	if !validKey(s.key) {
		return sink.Errorf(s.String(), op, sink.Invalid, "variable key %q: GitLab allows 1 to 255 letters, digits and _", s.key)
	}
	c, err := s.connect(op)
	if err != nil {
		return err
	}
	if err := s.checkRole(ctx, c, op); err != nil {
		return err
	}
	existing, err := s.get(ctx, c, op)
	if err != nil {
		return err
	}
	if existing != nil {
		switch {
		case s.hidden != nil && *s.hidden && !existing.Hidden:
			return c.Errorf(op, sink.Invalid, "%s exists and is not hidden; GitLab hides a variable only when it is created: delete it first, or drop hidden=true", s.what())
		case existing.Hidden && s.masked != nil && !*s.masked:
			return c.Errorf(op, sink.Invalid, "%s is hidden, and a hidden variable stays masked: drop masked=false", s.what())
		}
	}
	if s.wantsMasked(existing) {
		if err := maskable(sink.TokenAlphabet, sink.MinTokenLength); err != nil {
			return c.Errorf(op, sink.Invalid, "%s is masked, but %v", s.what(), err)
		}
	}
	return nil
}

// checkRole reads the token's user and its role in the project or group.
func (s *Sink) checkRole(ctx context.Context, c *sinkhttp.Client, op string) error {
	resp, err := c.Do(ctx, op, sinkhttp.Request{Method: http.MethodGet, Path: "/user"})
	if err != nil {
		return err
	}
	if !resp.OK() {
		return s.refusal(c, op, resp, "read its own user")
	}
	var me struct {
		ID      int64  `json:"id"`
		IsAdmin bool   `json:"is_admin"`
		Name    string `json:"username"`
	}
	if err := c.JSON(op, resp, &me); err != nil {
		return err
	}
	resp, err = c.Do(ctx, op, sinkhttp.Request{Method: http.MethodGet, Path: s.holderPath()})
	if err != nil {
		return err
	}
	if !resp.OK() {
		return s.refusal(c, op, resp, "read "+s.kind+" "+s.ref)
	}
	if me.IsAdmin {
		return nil
	}
	resp, err = c.Do(ctx, op, sinkhttp.Request{Method: http.MethodGet, Path: s.holderPath() + "/members/all/" + strconv.FormatInt(me.ID, 10)})
	if err != nil {
		return err
	}
	if resp.Status == http.StatusNotFound {
		return c.Errorf(op, sink.Denied, "the user of GITLAB_TOKEN is not a member of %s %s; writing its variables needs the %s role", s.kind, s.ref, role(s.neededLevel()))
	}
	if !resp.OK() {
		return s.refusal(c, op, resp, "read its role in "+s.kind+" "+s.ref)
	}
	var m struct {
		AccessLevel int `json:"access_level"`
		MemberRole  *struct {
			AdminCICDVariables bool `json:"admin_cicd_variables"`
		} `json:"member_role"`
	}
	if err := c.JSON(op, resp, &m); err != nil {
		return err
	}
	if m.AccessLevel >= s.neededLevel() || (m.MemberRole != nil && m.MemberRole.AdminCICDVariables) {
		return nil
	}
	return c.Errorf(op, sink.Denied, "the user of GITLAB_TOKEN has the %s role in %s %s; writing its CI/CD variables needs %s", role(m.AccessLevel), s.kind, s.ref, role(s.neededLevel()))
}

// get reads the variable of the sink's scope; nil when it does not exist.
func (s *Sink) get(ctx context.Context, c *sinkhttp.Client, op string) (*variable, error) {
	resp, err := c.Do(ctx, op, sinkhttp.Request{Method: http.MethodGet, Path: s.variablePath(), Query: s.filter()})
	if err != nil {
		return nil, err
	}
	switch {
	case resp.Status == http.StatusNotFound && strings.Contains(errorMessage(resp.Body), "Variable"):
		return nil, nil
	case !resp.OK():
		return nil, s.refusal(c, op, resp, "read the "+s.what())
	}
	var v variable
	if err := c.JSON(op, resp, &v); err != nil {
		return nil, err
	}
	if v.Value != nil {
		// Whatever it holds (the old token) is a secret too.
		c.AddSecret(*v.Value)
	}
	return &v, nil
}
