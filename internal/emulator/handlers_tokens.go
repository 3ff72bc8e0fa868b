package emulator

import "net/http"

// listTokensLocked returns a user's live tokens in ID order, with or
// without impersonation tokens.
func (s *Server) listTokensLocked(userID int64, withImpersonation bool) []wireToken {
	now := s.now()
	out := []wireToken{}
	for _, t := range s.st.tokensByUser[userID] {
		if t.Revoked || (t.IsImpersonation && !withImpersonation) {
			continue
		}
		out = append(out, t.public(now))
	}
	return out
}

func (s *Server) handleListTokens(w http.ResponseWriter, r *http.Request) {
	c, ok := s.begin(w, r)
	if !ok {
		return
	}
	start, size, e := paging(r)
	if e != nil {
		s.fail(c, w, e)
		return
	}
	all := s.listTokensLocked(c.user.UserID, false)
	page := pageOf(all, start, size)
	s.finish(c, w, func(w http.ResponseWriter) { writeList(w, page, len(all)) })
}

func (s *Server) handleListUserTokens(w http.ResponseWriter, r *http.Request, userID int64) {
	c, ok := s.begin(w, r)
	if !ok {
		return
	}
	if !c.canImpersonate() {
		s.fail(c, w, errorf(http.StatusForbidden, CodeForbidden, "only administrators with the impersonation permission can list another user's tokens"))
		return
	}
	if s.st.usersByID[userID] == nil {
		s.fail(c, w, errorf(http.StatusNotFound, CodeNotFound, "no user with ID %d", userID))
		return
	}
	start, size, e := paging(r)
	if e != nil {
		s.fail(c, w, e)
		return
	}
	all := s.listTokensLocked(userID, true)
	page := pageOf(all, start, size)
	s.finish(c, w, func(w http.ResponseWriter) { writeList(w, page, len(all)) })
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	c, ok := s.begin(w, r)
	if !ok {
		return
	}
	s.createLocked(c, w, r, c.user.UserID, 0)
}

func (s *Server) handleCreateForUser(w http.ResponseWriter, r *http.Request, userID int64) {
	c, ok := s.begin(w, r)
	if !ok {
		return
	}
	if !c.canImpersonate() {
		s.fail(c, w, errorf(http.StatusForbidden, CodeForbidden, "only administrators with the impersonation permission can create tokens for other users"))
		return
	}
	if s.st.usersByID[userID] == nil {
		s.fail(c, w, errorf(http.StatusNotFound, CodeNotFound, "no user with ID %d", userID))
		return
	}
	s.createLocked(c, w, r, userID, c.user.UserID)
}

// createLocked validates a create's body, mints the token, saves the state
// and answers 201, or (when a drop fault applies) closes the connection
// instead: the token then exists but nobody received its value.
func (s *Server) createLocked(c caller, w http.ResponseWriter, r *http.Request, userID, actorID int64) {
	body, e := readBody(r)
	if e != nil {
		s.fail(c, w, e)
		return
	}
	name, e := bodyName(body)
	if e != nil {
		s.fail(c, w, e)
		return
	}
	now := s.clock()
	exp, e := bodyExpiry(body, s.policy, now)
	if e != nil {
		s.fail(c, w, e)
		return
	}
	ct, err := s.mintLocked(userID, name, now, exp, actorID)
	if err != nil {
		s.fail(c, w, errorf(http.StatusInternalServerError, CodeServerError, "could not mint the token"))
		return
	}
	rec := s.st.tokensByID[ct.TokenID]
	s.recordUseLocked(c)
	s.mu.Unlock()

	if s.shouldDropCreate() {
		s.mu.Lock()
		rec.Undelivered = true
		s.st.touch()
		s.mu.Unlock()
		s.changed()
		dropConnection(w)
		return
	}
	s.changed()
	writeOK(w, http.StatusCreated, ct)
}

// manageable returns a live token the caller may manage, or a 404 that
// does not reveal whether the token exists.
func (s *Server) manageableLocked(c caller, id int64) (*tokenRec, *apiError) {
	t := s.st.liveToken(id)
	if t == nil || !c.mayManage(t) {
		return nil, errorf(http.StatusNotFound, CodeNotFound, "no token with ID %d", id)
	}
	return t, nil
}

func (s *Server) handleGetToken(w http.ResponseWriter, r *http.Request, id int64) {
	c, ok := s.begin(w, r)
	if !ok {
		return
	}
	t, e := s.manageableLocked(c, id)
	if e != nil {
		s.fail(c, w, e)
		return
	}
	tok := t.public(s.now())
	s.finish(c, w, func(w http.ResponseWriter) { writeOK(w, http.StatusOK, tok) })
}

func (s *Server) handleRenameToken(w http.ResponseWriter, r *http.Request, id int64) {
	c, ok := s.begin(w, r)
	if !ok {
		return
	}
	t, e := s.manageableLocked(c, id)
	if e != nil {
		s.fail(c, w, e)
		return
	}
	body, e := readBody(r)
	if e != nil {
		s.fail(c, w, e)
		return
	}
	name, e := bodyName(body)
	if e != nil {
		s.fail(c, w, e)
		return
	}
	t.Name = name
	s.st.touch()
	tok := t.public(s.now())
	s.finish(c, w, func(w http.ResponseWriter) { writeOK(w, http.StatusOK, tok) })
}

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request, id int64) {
	c, ok := s.begin(w, r)
	if !ok {
		return
	}
	t, e := s.manageableLocked(c, id)
	if e != nil {
		s.fail(c, w, e)
		return
	}
	now := s.clock()
	t.Revoked = true
	t.RevokedAt = &now
	s.st.touch()
	s.finish(c, w, func(w http.ResponseWriter) { writeOK(w, http.StatusOK, nil) })
}
