package emulator

import (
	"net/http"
	"strings"
)

// caller is who a request acts as.
type caller struct {
	user  *userRec
	token *tokenRec
}

// authenticate finds the caller of r. The caller holds s.mu. It answers
// 401 for a missing, malformed, unknown, expired or revoked token, and 403
// for a role without REST API access.
func (s *Server) authenticateLocked(r *http.Request) (caller, *apiError) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return caller{}, errorf(http.StatusUnauthorized, CodeUnauthorized, "authentication required: send Authorization: Bearer <token>")
	}
	scheme, value, ok := strings.Cut(h, " ")
	value = strings.TrimSpace(value)
	if !ok || !strings.EqualFold(scheme, "Bearer") || value == "" {
		return caller{}, errorf(http.StatusUnauthorized, CodeUnauthorized, "the Authorization header must be \"Bearer <token>\"")
	}
	if strings.Count(value, ".") != 2 {
		return caller{}, errorf(http.StatusUnauthorized, CodeUnauthorized, "the bearer token is malformed")
	}
	// Tokens are looked up by hash: the server never stores their values.
	t := s.st.tokensByHash[HashSecret(value)]
	if t == nil {
		return caller{}, errorf(http.StatusUnauthorized, CodeUnauthorized, "the bearer token is not valid")
	}
	if t.Revoked {
		return caller{}, errorf(http.StatusUnauthorized, CodeUnauthorized, "the bearer token has been revoked")
	}
	if t.expired(s.now()) {
		return caller{}, errorf(http.StatusUnauthorized, CodeUnauthorized, "the bearer token has expired")
	}
	u := s.st.usersByID[t.UserID]
	if u == nil {
		return caller{}, errorf(http.StatusUnauthorized, CodeUnauthorized, "the bearer token's user no longer exists")
	}
	if u.NoAPI {
		return caller{}, errorf(http.StatusForbidden, CodeForbidden, "your role does not have REST API access")
	}
	return caller{user: u, token: t}, nil
}

// recordUseLocked sets the LastUsedDate of the caller's token.
func (s *Server) recordUseLocked(c caller) {
	if c.token == nil {
		return
	}
	now := s.clock()
	c.token.LastUsedDate = &now
	s.st.touch()
}

// canImpersonate reports whether the caller may manage other users' tokens.
func (c caller) canImpersonate() bool { return c.user.CanImpersonate }

// mayManage reports whether the caller may see, rename and revoke t: its
// owner (unless it is an impersonation token, which its user never sees),
// or an administrator who can impersonate.
func (c caller) mayManage(t *tokenRec) bool {
	if c.canImpersonate() {
		return true
	}
	return t.UserID == c.user.UserID && !t.IsImpersonation
}
