package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/bulk"
	"github.com/axero-cli/axero/internal/resolve"
)

// scan is one audit run's shared state.
type scan struct {
	o     Options
	match matcher
	slots bulk.Slots // one per request in flight
	names *nameCache

	seenMu sync.Mutex
	seen   map[int64]bool // CSV mode: users already scanned, to skip a user listed twice

	feedErr error // set by feed before it closes its channel
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
	fatal  error // 401/403: no other user will fare better
	skip   bool  // a CSV user already scanned under another spelling
}

// retry runs one idempotent request, holding a slot only while it is in
// flight (never during a pause between attempts).
func (s *scan) retry(ctx context.Context, do func(context.Context) error) error {
	return s.slots.Retry(ctx, s.o.MaxAttempts, s.o.RetryWait, do)
}

// feed sends the users to scan and closes users. It reports the total on
// total as soon as it is known.
func (s *scan) feed(ctx context.Context, users chan<- userJob, total chan<- int) {
	defer close(users)
	if s.o.Users != nil {
		s.feedErr = s.feedCSV(ctx, users)
		return
	}
	s.feedErr = s.feedDirectory(ctx, users, total)
}

// feedDirectory pages through the users list with the largest page size.
// Paging runs ahead of the workers only as far as the bounded channel
// lets it, so at most two pages of users are held at any time.
func (s *scan) feedDirectory(ctx context.Context, users chan<- userJob, total chan<- int) error {
	size := client.MaxPageSize
	var prevFirst int64
	for p := 1; ; p++ {
		var page client.Page[client.User]
		err := s.retry(ctx, func(ctx context.Context) (err error) {
			page, err = s.o.API.FindUsers(ctx, client.UserQuery{}, p, size)
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil // Run reports the cancellation
			}
			return fmt.Errorf("listing users (page %d): %w", p, err)
		}
		if p == 1 {
			total <- page.TotalRecords
			// A server that pages by a smaller size than asked for is
			// followed at its own size.
			if n := len(page.Items); n > 0 && n < size && n < page.TotalRecords {
				size = n
			}
		}
		if len(page.Items) == 0 || (p > 1 && page.Items[0].UserID == prevFirst) {
			return nil // the end, or a server that ignores StartPage
		}
		prevFirst = page.Items[0].UserID
		for i := range page.Items {
			u := page.Items[i]
			if u.CanImpersonate {
				// Only these can have minted impersonation tokens: knowing
				// their names spares a lookup per creator.
				s.names.put(u.UserID, u.UserName)
			}
			select {
			case users <- userJob{user: &u}:
			case <-ctx.Done():
				return nil
			}
		}
		if len(page.Items) < size || p*size >= page.TotalRecords {
			return nil
		}
	}
}

// feedCSV sends the users of the CSV file as given; workers look them up.
func (s *scan) feedCSV(ctx context.Context, users chan<- userJob) error {
	s.seen = map[int64]bool{}
	for {
		row, err := s.o.Users.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		job := userJob{given: row.User, badLine: row.Err}
		select {
		case users <- job:
		case <-ctx.Done():
			return nil
		}
	}
}

// scanUser lists one user's tokens and builds the rows to report.
func (s *scan) scanUser(ctx context.Context, j userJob) userResult {
	if ctx.Err() != nil {
		return userResult{skip: true}
	}
	fail := func(user string, id int64, err error) userResult {
		if client.IsAuth(err) {
			return userResult{fatal: err}
		}
		if ctx.Err() != nil {
			return userResult{skip: true}
		}
		return userResult{failed: &FailedUser{User: user, UserID: id, Reason: oneLine(err)}}
	}
	user := j.user
	if user == nil {
		given := strings.TrimSpace(j.given)
		if j.badLine != nil {
			return userResult{failed: &FailedUser{User: given, Reason: oneLine(j.badLine)}}
		}
		if given == "" {
			return userResult{failed: &FailedUser{Reason: "a row of the users file has an empty user column"}}
		}
		err := s.retry(ctx, func(ctx context.Context) (err error) {
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
	tokens, err := s.listTokens(ctx, user.UserID)
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
		res.rows = append(res.rows, rowFor(user, t, s.creatorName(ctx, user, t), f))
	}
	return res
}

// listTokens lists every token of a user, page by page (a user with more
// than a page of tokens is rare), each page a request of its own slot.
func (s *scan) listTokens(ctx context.Context, userID int64) ([]client.Token, error) {
	var out []client.Token
	seen := map[int64]bool{}
	for p := 1; ; p++ {
		var page client.Page[client.Token]
		err := s.retry(ctx, func(ctx context.Context) (err error) {
			page, err = s.o.API.ListUserTokens(ctx, userID, p, client.MaxPageSize)
			return err
		})
		if err != nil {
			return nil, err
		}
		added := 0
		for _, t := range page.Items {
			if !seen[t.TokenID] {
				seen[t.TokenID] = true
				out = append(out, t)
				added++
			}
		}
		if added == 0 || len(page.Items) < client.MaxPageSize || p*client.MaxPageSize >= page.TotalRecords {
			return out, nil
		}
	}
}

// creatorName is the user name of whoever created t: the user for a
// personal token, else the administrator, looked up once per scan.
func (s *scan) creatorName(ctx context.Context, user *client.User, t *client.Token) string {
	if t.CreatedByUserID == 0 {
		return ""
	}
	if t.CreatedByUserID == user.UserID {
		return user.UserName
	}
	return s.names.get(t.CreatedByUserID, func() string {
		var u *client.User
		err := s.retry(ctx, func(ctx context.Context) (err error) {
			u, err = s.o.API.GetUser(ctx, t.CreatedByUserID)
			return err
		})
		if err != nil {
			return "" // the row still names the creator by UserID
		}
		return u.UserName
	})
}

// oneLine keeps an error message to one line for the failed list.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

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
