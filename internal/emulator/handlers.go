package emulator

import (
	"net/http"
	"strings"
)

// begin authenticates r under the lock. On failure it has answered, and
// returns ok false with the lock released.
func (s *Server) begin(w http.ResponseWriter, r *http.Request) (caller, bool) {
	s.mu.Lock()
	c, e := s.authenticateLocked(r)
	if e != nil {
		s.mu.Unlock()
		writeError(w, e)
		return caller{}, false
	}
	return c, true
}

// finish records the token's use, releases the lock, schedules a save of
// the state, and answers.
func (s *Server) finish(c caller, w http.ResponseWriter, answer func(http.ResponseWriter)) {
	s.recordUseLocked(c)
	s.mu.Unlock()
	s.changed()
	answer(w)
}

// fail answers an error. A 403 is a request the server did not act on, so
// it leaves everything as it was, LastUsedDate included; other errors
// still count as a use of the token.
func (s *Server) fail(c caller, w http.ResponseWriter, e *apiError) {
	if e.Status != http.StatusForbidden {
		s.recordUseLocked(c)
	}
	s.mu.Unlock()
	s.changed()
	writeError(w, e)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	c, ok := s.begin(w, r)
	if !ok {
		return
	}
	u := c.user.wireUser
	s.finish(c, w, func(w http.ResponseWriter) { writeOK(w, http.StatusOK, u) })
}

func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request, id int64) {
	c, ok := s.begin(w, r)
	if !ok {
		return
	}
	if !c.user.IsSiteAdmin {
		s.fail(c, w, errorf(http.StatusForbidden, CodeForbidden, "only site administrators can look up users"))
		return
	}
	u := s.st.usersByID[id]
	if u == nil {
		s.fail(c, w, errorf(http.StatusNotFound, CodeNotFound, "no user with ID %d", id))
		return
	}
	user := u.wireUser
	s.finish(c, w, func(w http.ResponseWriter) { writeOK(w, http.StatusOK, user) })
}

func (s *Server) handleFindUsers(w http.ResponseWriter, r *http.Request) {
	c, ok := s.begin(w, r)
	if !ok {
		return
	}
	if !c.user.IsSiteAdmin {
		s.fail(c, w, errorf(http.StatusForbidden, CodeForbidden, "only site administrators can search users"))
		return
	}
	start, size, e := paging(r)
	if e != nil {
		s.fail(c, w, e)
		return
	}
	q := r.URL.Query()
	email, _ := query(q, "Email")
	name, _ := query(q, "UserName")
	email, name = strings.TrimSpace(email), strings.TrimSpace(name)
	if email == "" && name == "" {
		// The whole directory, one page of it: slice the users in place
		// rather than copying all of them for every page, so that walking
		// a site of many thousands of users costs linear time, not
		// quadratic.
		stored := pageOf(s.st.Users, start, size)
		page := make([]wireUser, len(stored))
		for i, u := range stored {
			page[i] = u.wireUser
		}
		total := len(s.st.Users)
		s.finish(c, w, func(w http.ResponseWriter) { writeList(w, page, total) })
		return
	}
	// Both filters are exact, case-insensitive matches; given both, a user
	// must match both.
	var u *userRec
	if name != "" {
		u = s.st.usersByName[strings.ToLower(name)]
	} else {
		u = s.st.usersByMail[strings.ToLower(email)]
	}
	matches := []wireUser{}
	if u != nil && (email == "" || strings.EqualFold(u.Email, email)) {
		matches = append(matches, u.wireUser)
	}
	page := pageOf(matches, start, size)
	total := len(matches)
	s.finish(c, w, func(w http.ResponseWriter) { writeList(w, page, total) })
}

func (s *Server) handlePolicy(w http.ResponseWriter, r *http.Request) {
	c, ok := s.begin(w, r)
	if !ok {
		return
	}
	p := s.policy
	s.finish(c, w, func(w http.ResponseWriter) { writeOK(w, http.StatusOK, p) })
}
