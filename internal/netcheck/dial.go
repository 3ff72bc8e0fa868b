package netcheck

import (
	"context"
	"net"
	"time"
)

// DNSResult is the lookup of the name this machine must resolve: the
// proxy's when requests go through one (the proxy resolves the site), else
// the site's.
type DNSResult struct {
	Host     string
	ViaProxy bool
	Addrs    []string
	Duration time.Duration
	Err      error
}

// Resolve looks up the host this machine connects to.
func Resolve(ctx context.Context, t Target) DNSResult {
	hostport, viaProxy, err := t.dialTarget()
	if err != nil {
		return DNSResult{Err: err}
	}
	host, _, _ := net.SplitHostPort(hostport)
	res := DNSResult{Host: host, ViaProxy: viaProxy}
	ctx, cancel := t.withTimeout(ctx)
	defer cancel()
	start := time.Now()
	res.Addrs, res.Err = t.resolver().LookupHost(ctx, host)
	res.Duration = time.Since(start)
	return res
}

// ConnectResult is a TCP connection to the site, or to the proxy when
// requests go through one.
type ConnectResult struct {
	Address  string // host:port dialled
	ViaProxy bool
	Remote   string // the address actually connected to
	Duration time.Duration
	Err      error
}

// Connect opens and closes a TCP connection to what the client would dial.
func Connect(ctx context.Context, t Target) ConnectResult {
	hostport, viaProxy, err := t.dialTarget()
	if err != nil {
		return ConnectResult{Err: err}
	}
	res := ConnectResult{Address: hostport, ViaProxy: viaProxy}
	ctx, cancel := t.withTimeout(ctx)
	defer cancel()
	d := net.Dialer{Resolver: t.Resolver}
	start := time.Now()
	conn, err := d.DialContext(ctx, "tcp", hostport)
	res.Duration = time.Since(start)
	if err != nil {
		res.Err = err
		return res
	}
	res.Remote = conn.RemoteAddr().String()
	_ = conn.Close()
	return res
}
