package tokenfile

import (
	"fmt"
	"io"
)

// Column names of a users file. Only ColUser is required.
const (
	ColUser    = "user"
	ColName    = "name"
	ColExpires = "expires"
	ColReason  = "reason" // added by a failed file; ignored on input
)

// maxUserField bounds one field of a users file: users, emails and token
// names are short, and the journal records users and names in lines of
// bounded length.
const maxUserField = 1024

// UserRow is one data row of a users file.
type UserRow struct {
	Line    int      // 1-based line number, for messages
	User    string   // as given, trimmed
	Name    string   // the name column; "" when absent
	Expires string   // the expires column; "" when absent
	Fields  []string // every field as read, for the failed file
	Err     error    // a row that could not be read
}

// Users reads a CSV of users (create-for-user's --from, audit's --users)
// row by row: a header with a "user" column, and optionally "name" and
// "expires". A failed file that axero wrote (it has a reason column)
// reads back exactly as the rows that failed: its cells' neutralisation
// is undone. Any other file is read as written, so a user literally named
// '=x stays '=x.
type Users struct {
	t                *table
	user, name, expi int
	peeked           *UserRow
	peekErr          error
}

// NewUsers reads the header row of r. name is how messages refer to the
// file ("users.csv", "standard input").
func NewUsers(r io.Reader, name string) (*Users, error) {
	needs := fmt.Sprintf("a header row with a %q column", ColUser)
	t, err := newTable(newBuffered(r), name, needs, maxUserField, func(cols map[string]int) bool {
		_, failed := cols[ColReason]
		return failed
	})
	if err != nil {
		return nil, err
	}
	u := &Users{t: t, user: t.col(ColUser), name: t.col(ColName), expi: t.col(ColExpires)}
	if u.user < 0 {
		return nil, inputErrorf("%s has no %q column in its header row (found: %s)", name, ColUser, describeHeader(t.lowerHeader()))
	}
	return u, nil
}

// Header is the header row, trimmed and lower-cased.
func (u *Users) Header() []string { return u.t.lowerHeader() }

// Next returns the next row, or io.EOF. A row that cannot be read comes
// back with Err set and the reading goes on.
func (u *Users) Next() (UserRow, error) {
	if u.peeked != nil || u.peekErr != nil {
		row, err := *u.peeked, u.peekErr
		u.peeked, u.peekErr = nil, nil
		return row, err
	}
	return u.read()
}

// Peek returns what Next will return, without taking it: a bulk run looks
// at its first rows before it starts (to check where their tokens will
// go), and the run itself still reads every row.
func (u *Users) Peek() (UserRow, error) {
	if u.peeked == nil && u.peekErr == nil {
		row, err := u.read()
		u.peeked, u.peekErr = &row, err
	}
	return *u.peeked, u.peekErr
}

func (u *Users) read() (UserRow, error) {
	r, err := u.t.next()
	if err != nil {
		return UserRow{}, err
	}
	if r.Err != nil {
		return UserRow{Line: r.Line, Err: r.Err}, nil
	}
	return UserRow{
		Line: r.Line, Fields: r.Cells,
		User: cell(r.Cells, u.user), Name: cell(r.Cells, u.name), Expires: cell(r.Cells, u.expi),
	}, nil
}
