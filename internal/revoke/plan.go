package revoke

import (
	"errors"
	"io"

	"github.com/axero-cli/axero/internal/tokenfile"
)

// Plan is what a run would do, for the confirmation: read from the file
// alone, without the server.
type Plan struct {
	Tokens      int               // readable rows, each a token to revoke
	Users       int               // distinct users the rows name
	WithoutUser int               // rows that name no user: their owner is looked up
	Unreadable  int               // rows that cannot be read; they will fail
	Own         bool              // a row names the token the command itself uses
	Sample      []tokenfile.Entry // the first readable rows, at most the size asked for, without their secrets
}

// ReadPlan reads the whole input once. It keeps the set of UserIDs to
// count users (8 bytes or so each), nothing else per row. own is the
// token the command itself uses (0: unknown).
func ReadPlan(path string, sample int, own int64) (Plan, error) {
	in, err := tokenfile.Open(path)
	if err != nil {
		return Plan{}, err
	}
	defer func() { _ = in.Close() }()
	var p Plan
	users := map[int64]struct{}{}
	for {
		e, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Plan{}, err
		}
		if e.Err != nil {
			p.Unreadable++
			continue
		}
		p.Tokens++
		p.Own = p.Own || (own != 0 && e.TokenID == own)
		if e.UserID == 0 {
			p.WithoutUser++
		} else {
			users[e.UserID] = struct{}{}
		}
		if len(p.Sample) < sample {
			// The sample is for display: keep the secrets of a token file
			// out of it, and what says which token it is in.
			p.Sample = append(p.Sample, tokenfile.Entry{Line: e.Line, Record: tokenfile.Record{User: e.User, UserID: e.UserID, TokenID: e.TokenID, Name: e.Name}})
		}
	}
	p.Users = len(users)
	return p, nil
}
