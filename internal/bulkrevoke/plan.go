package bulkrevoke

import (
	"errors"
	"io"
)

// Plan is what a run would do, for the confirmation: read from the file
// alone, without the server.
type Plan struct {
	Format      Format
	Tokens      int    // readable rows, each a token to revoke
	Users       int    // distinct users the rows name
	WithoutUser int    // rows that name no user: their owner is looked up
	Unreadable  int    // rows that cannot be read; they will fail
	Sample      []Item // the first readable rows, at most the size asked for
}

// ReadPlan reads the whole input once. It keeps the set of UserIDs to
// count users (8 bytes or so each), nothing else per row.
func ReadPlan(path string, sample int) (Plan, error) {
	in, err := Open(path)
	if err != nil {
		return Plan{}, err
	}
	defer func() { _ = in.Close() }()
	p := Plan{Format: in.Format()}
	users := map[int64]struct{}{}
	for {
		it, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Plan{}, err
		}
		if it.Err != nil {
			p.Unreadable++
			continue
		}
		p.Tokens++
		if it.UserID == 0 {
			p.WithoutUser++
		} else {
			users[it.UserID] = struct{}{}
		}
		if len(p.Sample) < sample {
			it.Fields = nil // the sample is for display: keep secrets of a bulk output out of it
			p.Sample = append(p.Sample, it)
		}
	}
	p.Users = len(users)
	return p, nil
}
