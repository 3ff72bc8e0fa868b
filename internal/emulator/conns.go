package emulator

import (
	"net"
	"net/http"
	"sync"
)

// connTracker remembers the state of every connection the server holds, so
// that Close can drop the ones no request ever arrived on. http.Server's
// Shutdown counts such a connection as busy for its first five seconds; Go's
// client transport often leaves one behind (it dials for a request that an
// idle connection then serves), and every `axero demo` would wait out those
// five seconds at exit.
type connTracker struct {
	mu    sync.Mutex
	conns map[net.Conn]http.ConnState
}

// track is the server's ConnState hook.
func (t *connTracker) track(c net.Conn, st http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch st {
	case http.StateClosed, http.StateHijacked:
		delete(t.conns, c)
	default:
		if t.conns == nil {
			t.conns = map[net.Conn]http.ConnState{}
		}
		t.conns[c] = st
	}
}

// closeUnused closes the connections on which no request has started: no
// request can be lost by closing them.
func (t *connTracker) closeUnused() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for c, st := range t.conns {
		if st == http.StateNew {
			_ = c.Close()
		}
	}
}
