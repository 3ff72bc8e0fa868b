package emulator

import (
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
)

// A connection that never carried a request is closed by closeUnused; one
// serving a request, or idle between requests, is left to Shutdown.
func TestCloseUnusedDropsOnlyConnectionsWithoutARequest(t *testing.T) {
	t.Parallel()
	var tr connTracker
	fresh, freshPeer := net.Pipe()
	busy, busyPeer := net.Pipe()
	defer func() { _ = freshPeer.Close(); _ = busyPeer.Close(); _ = busy.Close() }()
	tr.track(fresh, http.StateNew)
	tr.track(busy, http.StateNew)
	tr.track(busy, http.StateActive)

	tr.closeUnused()

	if _, err := freshPeer.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("the fresh connection's peer read %v, want EOF: it was not closed", err)
	}
	go func() { _, _ = busy.Write([]byte("x")) }()
	if _, err := busyPeer.Read(make([]byte, 1)); err != nil {
		t.Errorf("the busy connection was closed: %v", err)
	}
	tr.track(busy, http.StateClosed)
	if len(tr.conns) != 1 {
		t.Errorf("tracked %d connections after one closed, want 1", len(tr.conns))
	}
}

// Close returns with a client connection open that never sent a request,
// and that connection is then closed.
func TestCloseWithAnUnusedConnection(t *testing.T) {
	t.Parallel()
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", s.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("the unused connection is still open after Close")
	}
}
