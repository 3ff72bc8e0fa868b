package job

import "github.com/axero-cli/axero/internal/tokenfile"

// maxBatch bounds how many records one fsync commits.
const maxBatch = 64

// committer is the single writer of a run's output. Workers hand it
// records and wait: the records that arrive together are written and made
// durable with one fsync (group commit), so that each worker learns that
// its record is on disk before it acts on it, and the disk does not cap
// the rate at one token per fsync.
type committer struct {
	out  *tokenfile.Output
	reqs chan commitReq
	done chan struct{}
}

type commitReq struct {
	rec tokenfile.Record
	ack chan error
}

func startCommitter(out *tokenfile.Output) *committer {
	c := &committer{out: out, reqs: make(chan commitReq), done: make(chan struct{})}
	go c.loop()
	return c
}

// write returns once rec is on disk, or with the error that prevented it.
func (c *committer) write(rec tokenfile.Record) error {
	ack := make(chan error, 1)
	c.reqs <- commitReq{rec: rec, ack: ack}
	return <-ack
}

// close stops the writer once every record handed to it is answered, and
// closes the output.
func (c *committer) close() {
	close(c.reqs)
	<-c.done
	_ = c.out.Close()
}

func (c *committer) loop() {
	defer close(c.done)
	var broken error // after a failure the file is suspect: refuse the rest
	batch := make([]commitReq, 0, maxBatch)
	for req := range c.reqs {
		batch = append(batch[:0], req)
	drain:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-c.reqs:
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
				err = c.out.Write(r.rec)
			}
		}
		if err == nil {
			err = c.out.Sync()
		}
		broken = err
		for _, r := range batch {
			r.ack <- err
		}
	}
}
