package main

// The testscript commands for corporate networks, as documented in
// main_test.go: an emulator serving HTTPS from a private CA, and a
// CONNECT proxy.

import (
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/axero-cli/axero/internal/emulator"
)

// netWorldKey finds a script's netWorld among its values.
type netWorldKey struct{}

// netWorld holds the TLS emulator and the proxy a script started; Setup
// puts an empty one in every script's values.
type netWorld struct {
	mu    sync.Mutex
	tls   *emulator.Server
	proxy *emulator.Proxy
	// seen is how many proxy requests `proxy reset` last saw.
	seen int
}

func netWorldOf(ts *testscript.TestScript) *netWorld {
	return ts.Value(netWorldKey{}).(*netWorld)
}

// cmdTLSEmulator: tlsemulator start [host NAME] [skew D] [html] |
// tlsemulator skew D.
func cmdTLSEmulator(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: tlsemulator start [host NAME] [skew D] [html] | tlsemulator skew D")
	}
	w := netWorldOf(ts)
	w.mu.Lock()
	defer w.mu.Unlock()
	switch args[0] {
	case "start":
		if w.tls != nil {
			ts.Fatalf("tlsemulator: already started")
		}
		opts := emulator.Options{RecordSecrets: true, TLS: &emulator.TLSOptions{}}
		for rest := args[1:]; len(rest) > 0; {
			switch {
			case rest[0] == "html":
				opts.Faults.HTMLMode = true
				rest = rest[1:]
			case rest[0] == "host" && len(rest) > 1:
				opts.TLS.Hosts = append(opts.TLS.Hosts, rest[1])
				rest = rest[2:]
			case rest[0] == "skew" && len(rest) > 1:
				d, err := time.ParseDuration(rest[1])
				if err != nil {
					ts.Fatalf("tlsemulator: %v", err)
				}
				opts.Faults.ClockSkew = d
				rest = rest[2:]
			default:
				ts.Fatalf("tlsemulator start: unexpected %q", rest[0])
			}
		}
		srv, err := emulator.Start(opts)
		if err != nil {
			ts.Fatalf("tlsemulator: %v", err)
		}
		ts.Defer(func() { _ = srv.Close() })
		w.tls = srv
		caFile := filepath.Join(ts.Getenv("WORK"), "tls-ca.pem")
		if err := srv.CA().WriteFile(caFile); err != nil {
			ts.Fatalf("tlsemulator: %v", err)
		}
		u, _ := url.Parse(srv.URL())
		ts.Setenv("TLS_URL", srv.URL())
		ts.Setenv("TLS_PORT", u.Port())
		ts.Setenv("TLS_CA", caFile)
		ts.Setenv("TLS_USER_TOKEN", srv.SeedToken("jdoe"))
		ts.Setenv("TLS_ADMIN_TOKEN", srv.SeedToken("admin"))
	case "skew":
		if w.tls == nil || len(args) != 2 {
			ts.Fatalf("usage: tlsemulator skew D, after tlsemulator start")
		}
		d, err := time.ParseDuration(args[1])
		if err != nil {
			ts.Fatalf("tlsemulator: %v", err)
		}
		f := w.tls.Faults()
		f.ClockSkew = d
		w.tls.SetFaults(f)
	default:
		ts.Fatalf("tlsemulator: unknown subcommand %q", args[0])
	}
}

// cmdProxy: proxy start | proxy reset | [!] proxy used |
// proxy require USER PASSWORD | proxy open.
func cmdProxy(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 || (neg && args[0] != "used") {
		ts.Fatalf("usage: proxy start | proxy reset | [!] proxy used | proxy require USER PASSWORD | proxy open")
	}
	w := netWorldOf(ts)
	w.mu.Lock()
	defer w.mu.Unlock()
	switch args[0] {
	case "start":
		p, err := emulator.StartProxy()
		if err != nil {
			ts.Fatalf("proxy: %v", err)
		}
		ts.Defer(func() { _ = p.Close() })
		w.proxy = p
		ts.Setenv("PROXY_URL", p.URL())
	case "require", "open":
		if w.proxy == nil || (args[0] == "require" && len(args) != 3) {
			ts.Fatalf("usage: proxy require USER PASSWORD | proxy open, after proxy start")
		}
		if args[0] == "open" {
			w.proxy.RefuseConnect(0, "")
			return
		}
		w.proxy.RequireCredentials(args[1], args[2])
	case "reset", "used":
		if w.proxy == nil {
			ts.Fatalf("proxy %s: no proxy started", args[0])
		}
		n := len(w.proxy.Requests())
		if args[0] == "reset" {
			w.seen = n
			return
		}
		switch got := n - w.seen; {
		case !neg && got == 0:
			ts.Fatalf("the proxy received no request since the last reset")
		case neg && got > 0:
			ts.Fatalf("the proxy received %d requests since the last reset, want none", got)
		}
	default:
		ts.Fatalf("proxy: unknown subcommand %q", args[0])
	}
}
