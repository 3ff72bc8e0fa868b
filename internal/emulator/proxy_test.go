package emulator_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/emulator"
)

func TestProxyForwardsToTestHostAndRefusesTheRest(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{})
	p, err := emulator.StartProxy()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	pu, _ := url.Parse(p.URL())
	hc := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}

	site := strings.Replace(srv.URL(), "127.0.0.1", emulator.TestHost, 1)
	resp, err := hc.Get(site + "/api/users/me")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("through the proxy: status %d, want the emulator's 401", resp.StatusCode)
	}

	// Not an open relay: a host that is not loopback is refused without
	// being dialled.
	resp, err = hc.Get("http://example.com/")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("non-loopback target: status %d, want 403", resp.StatusCode)
	}
	if resp, err := hc.Get("https://example.com/"); err == nil {
		_ = resp.Body.Close()
		t.Fatal("CONNECT to a non-loopback host was allowed")
	}
	reqs := p.Requests()
	if len(reqs) != 3 || reqs[0].Method != "GET" || reqs[2].Method != "CONNECT" || reqs[2].Target != "example.com:443" {
		t.Fatalf("requests = %+v", reqs)
	}
}
