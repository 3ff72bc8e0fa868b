package audit

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/internal/textsafe"
)

// scan is one audit run's shared state.
type scan struct {
	o     Options
	run   *job.Run
	match matcher
	names *nameCache

	seenMu sync.Mutex
	seen   map[int64]bool // CSV mode: users already scanned, to skip a user listed twice

	// incomplete says why the users list was not read to its end; set by
	// feed, read once the run is over.
	incomplete string
}

// userJob is a user to scan: already known (directory), or as given in
// the CSV and still to be looked up.
type userJob struct {
	user    *client.User
	given   string
	badLine error // a CSV row that could not be read
}

type userResult struct {
	rows   []Row
	tokens int
	failed *FailedUser
	skip   bool // a CSV user already scanned under another spelling, or the run stopped
}

// feed sends the users to scan.
func (s *scan) feed(send func(userJob) bool) error {
	if s.o.Users != nil {
		return s.feedCSV(send)
	}
	return s.feedDirectory(send)
}

// feedDirectory pages through the users list with the largest page size.
// Paging runs ahead of the workers only as far as the runner's bounded
// channel lets it, so at most two pages of users are held at any time.
func (s *scan) feedDirectory(send func(userJob) bool) error {
	size := client.MaxPageSize
	var prevFirst int64
	claimed, sent := 0, 0
	// A list that ends before the number of users it claims was not read
	// whole: the audit says so rather than pass for complete.
	defer func() {
		if s.incomplete == "" && sent < claimed && !s.run.Stopped() {
			s.incomplete = fmt.Sprintf("the users list ended after %d of the %d users it claims", sent, claimed)
		}
	}()
	for p := 1; ; p++ {
		var page client.Page[client.User]
		ctx, cancel := s.run.BoundStop()
		err := s.o.Retry.Do(ctx, func() (err error) {
			page, err = s.o.API.FindUsers(ctx, client.UserQuery{}, p, size)
			return err
		})
		cancel()
		if err != nil {
			if s.run.Stopped() {
				return nil // Run reports the cancellation
			}
			return fmt.Errorf("listing users (page %d): %w", p, err)
		}
		if p == 1 {
			claimed = page.TotalRecords
			s.o.Progress.SetTotal(int64(page.TotalRecords))
			// A server that pages by a smaller size than asked for is
			// followed at its own size.
			if n := len(page.Items); n > 0 && n < size && n < page.TotalRecords {
				size = n
			}
		}
		if len(page.Items) == 0 {
			return nil
		}
		if p > 1 && page.Items[0].UserID == prevFirst {
			s.incomplete = fmt.Sprintf("the users list gave page %d again for page %d, after %d of the %d users it claims", p-1, p, sent, claimed)
			return nil
		}
		prevFirst = page.Items[0].UserID
		for i := range page.Items {
			u := page.Items[i]
			if u.CanImpersonate {
				// Only these can have minted impersonation tokens: knowing
				// their names spares a lookup per creator.
				s.names.put(u.UserID, u.UserName)
			}
			if !send(userJob{user: &u}) {
				return nil
			}
			sent++
		}
		if len(page.Items) < size || p*size >= page.TotalRecords {
			return nil
		}
	}
}

// feedCSV sends the users of the CSV file as given; workers look them up.
func (s *scan) feedCSV(send func(userJob) bool) error {
	s.seen = map[int64]bool{}
	for {
		row, err := s.o.Users.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if !send(userJob{given: row.User, badLine: row.Err}) {
			return nil
		}
	}
}

// scanUser lists one user's tokens and builds the rows to report.
func (s *scan) scanUser(w job.Worker, j userJob) userResult {
	if w.Stopped() {
		return userResult{skip: true}
	}
	ctx, cancel := w.BoundStop()
	defer cancel()
	fail := func(user string, id int64, err error) userResult {
		if client.IsAuth(err) {
			s.run.Fail(err)
			return userResult{skip: true}
		}
		if w.Stopped() {
			return userResult{skip: true}
		}
		return userResult{failed: &FailedUser{User: user, UserID: id, Reason: textsafe.OneLine(err.Error())}}
	}
	user := j.user
	if user == nil {
		given := strings.TrimSpace(j.given)
		if j.badLine != nil {
			return userResult{failed: &FailedUser{User: given, Reason: textsafe.OneLine(j.badLine.Error())}}
		}
		if given == "" {
			return userResult{failed: &FailedUser{Reason: "a row of the users file has an empty user column"}}
		}
		w.Doing("looking up user %s", given)
		err := s.o.Retry.Do(ctx, func() (err error) {
			user, err = resolve.User(ctx, s.o.API, given)
			return err
		})
		if err != nil {
			return fail(given, 0, err)
		}
		s.seenMu.Lock()
		dup := s.seen[user.UserID]
		s.seen[user.UserID] = true
		s.seenMu.Unlock()
		if dup {
			return userResult{skip: true}
		}
	}
	w.Doing("listing the tokens of %s", user.UserName)
	var tokens []client.Token
	err := s.o.Retry.Do(ctx, func() (err error) {
		tokens, err = s.o.API.ListAllUserTokens(ctx, user.UserID)
		return err
	})
	if err != nil {
		return fail(user.UserName, user.UserID, err)
	}
	res := userResult{tokens: len(tokens)}
	for i := range tokens {
		t := &tokens[i]
		f := s.match.findings(t)
		if s.match.Any() && len(f) == 0 {
			continue
		}
		res.rows = append(res.rows, rowFor(user, t, s.creatorName(w, user, t), f))
	}
	return res
}

// creatorName is the user name of whoever created t: the user for a
// personal token, else the administrator, looked up once per scan.
func (s *scan) creatorName(w job.Worker, user *client.User, t *client.Token) string {
	if t.CreatedByUserID == 0 {
		return ""
	}
	if t.CreatedByUserID == user.UserID {
		return user.UserName
	}
	return s.names.get(t.CreatedByUserID, func() string {
		ctx, cancel := w.BoundStop()
		defer cancel()
		var u *client.User
		err := s.o.Retry.Do(ctx, func() (err error) {
			u, err = s.o.API.GetUser(ctx, t.CreatedByUserID)
			return err
		})
		if err != nil {
			return "" // the row still names the creator by UserID
		}
		return u.UserName
	})
}

// nameCache maps a UserID to its user name, looking each up at most once
// even when many workers ask at the same time.
type nameCache struct {
	mu sync.Mutex
	m  map[int64]*nameEntry
}

type nameEntry struct {
	once sync.Once
	name string
}

func newNameCache() *nameCache { return &nameCache{m: map[int64]*nameEntry{}} }

func (c *nameCache) entry(id int64) *nameEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[id]
	if e == nil {
		e = &nameEntry{}
		c.m[id] = e
	}
	return e
}

func (c *nameCache) put(id int64, name string) {
	e := c.entry(id)
	e.once.Do(func() { e.name = name })
}

func (c *nameCache) get(id int64, lookup func() string) string {
	e := c.entry(id)
	e.once.Do(func() { e.name = lookup() })
	return e.name
}
