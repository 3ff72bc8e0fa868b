package renew

import (
	"encoding/csv"
	"io"
	"strconv"
	"sync"

	"github.com/axero-cli/axero/internal/bulk"
	"github.com/axero-cli/axero/internal/textsafe"
)

// failedColumns is the failed file's header: the output's columns, so that
// the file is valid --from input as it is, plus the reason.
var failedColumns = []string{"user", "UserID", "TokenID", "name", "expiry", "token", bulk.ColReason}

// recordFields is a record as the CSV output writes it.
func recordFields(r bulk.Record) []string {
	return []string{r.User, idString(r.UserID), idString(r.TokenID), r.Name, formatExpiry(r.Expiry), r.Token}
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// failedFile is the failed file, shared by the workers. It holds the old
// records as they were read, secrets included (mode 0600), so that it can
// be fed back as --from once the cause is fixed.
type failedFile struct {
	mu sync.Mutex
	w  *bulk.FailedWriter
}

func (f *failedFile) write(r bulk.Record, reason string) error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.w.Write(recordFields(r), reason)
}

// planWriter writes a dry run's plan: one CSV row per record, no secrets.
// Names come from the server, so every cell is neutralised for
// spreadsheets.
type planWriter struct {
	mu sync.Mutex
	w  *csv.Writer
}

var planColumns = []string{"user", "UserID", "TokenID", "name", "expiry", "action", "detail"}

func newPlanWriter(w io.Writer) *planWriter {
	if w == nil {
		return nil
	}
	p := &planWriter{w: csv.NewWriter(w)}
	_ = p.w.Write(planColumns)
	p.w.Flush()
	return p
}

func (p *planWriter) row(r bulk.Record, name, action, detail string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.w.Write(textsafe.CSVRow([]string{r.User, idString(r.UserID), idString(r.TokenID), name, formatExpiry(r.Expiry), action, detail}))
	p.w.Flush()
}

// newWriter is the single writer of NEW. Workers hand it records and wait:
// records that arrive together are written and made durable with one
// fsync (group commit), and each worker learns that its record is on disk
// before it revokes the old token.
type newWriter struct {
	out  *bulk.OutputWriter
	reqs chan writeReq
	done chan struct{}
}

type writeReq struct {
	rec bulk.Record
	ack chan error
}

const maxBatch = 64

func startNewWriter(out *bulk.OutputWriter) *newWriter {
	w := &newWriter{out: out, reqs: make(chan writeReq), done: make(chan struct{})}
	go w.loop()
	return w
}

// write returns once rec is on disk, or with the error that prevented it.
func (w *newWriter) write(rec bulk.Record) error {
	ack := make(chan error, 1)
	w.reqs <- writeReq{rec: rec, ack: ack}
	return <-ack
}

// close stops the writer once every record handed to it is answered.
func (w *newWriter) close() {
	close(w.reqs)
	<-w.done
}

func (w *newWriter) loop() {
	defer close(w.done)
	var broken error // after a failure the file is suspect: refuse the rest
	batch := make([]writeReq, 0, maxBatch)
	for req := range w.reqs {
		batch = append(batch[:0], req)
	drain:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-w.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		err := broken
		for _, r := range batch {
			if err == nil {
				err = w.out.Write(r.rec)
			}
		}
		if err == nil {
			err = w.out.Sync()
		}
		broken = err
		for _, r := range batch {
			r.ack <- err
		}
	}
}

// userLocks serialises the records of one user: a reconciliation must not
// see, and revoke, a replacement that another record of the same user has
// minted but not yet recorded.
type userLocks struct {
	mu sync.Mutex
	m  map[int64]*userLock
}

type userLock struct {
	mu   sync.Mutex
	refs int
}

func (l *userLocks) lock(userID int64) (unlock func()) {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[int64]*userLock{}
	}
	u := l.m[userID]
	if u == nil {
		u = &userLock{}
		l.m[userID] = u
	}
	u.refs++
	l.mu.Unlock()
	u.mu.Lock()
	return func() {
		u.mu.Unlock()
		l.mu.Lock()
		if u.refs--; u.refs == 0 {
			delete(l.m, userID)
		}
		l.mu.Unlock()
	}
}
