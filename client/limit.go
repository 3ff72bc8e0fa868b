package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/axero-cli/axero/internal/limit"
)

// A Config.Limiter bounds the requests in flight to the site. Each attempt
// of a request holds one slot from the moment it is about to be sent to
// the moment its answer is read (or it fails), and gives the slot back
// with what happened, so that an adaptive limiter can learn from it.
//
// The slot is taken after the pause gate (a Retry-After wait holds no
// slot) and outside the per-attempt timeout (waiting for a slot is not the
// site being slow); a pause between retries holds none either. An attempt
// that got its slot while a pause began gives it back and waits again:
// without that, every attempt queued for a slot when the site asked for a
// pause would be sent during the pause as slots came free, refused again,
// and counted by an adaptive limiter as new refusals.

// slotHolder is the slot of one logical request's current attempt.
type slotHolder struct {
	mu   sync.Mutex
	slot limit.Slot
	// caller is the context the request was made with: when it ends, an
	// attempt was cancelled, which says nothing about the site.
	caller context.Context
}

// hold keeps s as the attempt's slot, giving back any slot an earlier
// attempt left (one that never reached the transport).
func (h *slotHolder) hold(s limit.Slot) {
	h.giveBack(limit.Outcome{Canceled: true})
	h.mu.Lock()
	h.slot = s
	h.mu.Unlock()
}

func (h *slotHolder) holding() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.slot != nil
}

// giveBack releases the slot held, if any, exactly once.
func (h *slotHolder) giveBack(o limit.Outcome) {
	h.mu.Lock()
	s := h.slot
	h.slot = nil
	h.mu.Unlock()
	if s != nil {
		s.Release(o)
	}
}

// cancelled reports whether the caller gave up.
func (h *slotHolder) cancelled() bool {
	return h.caller != nil && h.caller.Err() != nil
}

// takeSlot is a resty request middleware, run after waitForPause: it
// waits for a slot of the site's limiter for the attempt about to be sent.
func (s *site) takeSlot(_ *resty.Client, r *resty.Request) error {
	if rec := attemptFrom(r.Context()); rec != nil {
		return s.acquire(r.Context(), rec)
	}
	return nil
}

// ensureSlot takes a slot in the transport for an attempt that holds none:
// a redirect hop, whose first hop gave its slot back when its answer was
// read.
func (s *site) ensureSlot(req *http.Request, rec *attempt) error {
	if rec.slots.holding() {
		return nil
	}
	return s.acquire(req.Context(), rec)
}

// acquire waits for a slot for rec's attempt, when the site has a
// limiter, and for the end of any pause the site asked for meanwhile.
func (s *site) acquire(ctx context.Context, rec *attempt) error {
	if s.limiter == nil {
		return nil
	}
	for {
		slot, err := s.limiter.Acquire(ctx)
		if err != nil {
			return err
		}
		rec.slots.hold(slot)
		if s.gate.pausedUntil().IsZero() {
			return nil
		}
		rec.slots.giveBack(limit.Outcome{Canceled: true})
		if err := s.gate.wait(ctx); err != nil {
			return err
		}
	}
}

// settleSlot gives the attempt's slot back when its answer is read: resp's
// body is wrapped so that reading it to the end, failing to, or closing it
// releases the slot with the status, the Retry-After asked for and the
// latency. A transport error releases it at once.
func settleSlot(rec *attempt, started time.Time, resp *http.Response, err error) {
	if err != nil {
		rec.slots.giveBack(limit.Outcome{Latency: time.Since(started), Err: err, Canceled: rec.slots.cancelled()})
		return
	}
	o := limit.Outcome{Status: resp.StatusCode}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		o.RetryAfter, _ = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	resp.Body = &slotBody{ReadCloser: resp.Body, release: func(readErr error) {
		o.Latency = time.Since(started)
		if readErr != nil {
			o.Err, o.Canceled = readErr, rec.slots.cancelled()
		}
		rec.slots.giveBack(o)
	}}
}

// slotBody releases its attempt's slot once the body is done with.
type slotBody struct {
	io.ReadCloser
	once    sync.Once
	release func(readErr error)
}

func (b *slotBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case errors.Is(err, io.EOF):
		b.once.Do(func() { b.release(nil) })
	case err != nil:
		b.once.Do(func() { b.release(err) })
	}
	return n, err
}

func (b *slotBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(func() { b.release(nil) })
	return err
}
