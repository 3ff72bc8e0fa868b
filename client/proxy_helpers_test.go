package client_test

import (
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/axero-cli/axero/internal/emulator"
)

const testHost = emulator.TestHost

// newProxy starts the emulator's forward proxy for one test.
func newProxy(t *testing.T) *emulator.Proxy {
	t.Helper()
	p, err := emulator.StartProxy()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// env is a fake environment for Network.Getenv.
type env map[string]string

func (e env) get(name string) string { return e[name] }

// onTestHost rewrites a loopback site URL to use testHost.
func onTestHost(t *testing.T, site string) string {
	t.Helper()
	u, err := url.Parse(site)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = net.JoinHostPort(testHost, u.Port())
	return u.String()
}

// lockedBuffer collects debug output written from the transport's
// goroutines and the caller's.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
