package audit_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/audit"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/limit"
)

// The benchmark's emulator runs in a child process (this test binary,
// re-executed), so that the peak RSS measured is the audit's alone.
const benchEmulatorEnv = "AXERO_AUDIT_BENCH_EMULATOR"

const (
	benchUsers       = 10000
	benchLatency     = 20 * time.Millisecond
	benchConcurrency = 16
)

func TestMain(m *testing.M) {
	if os.Getenv(benchEmulatorEnv) == "1" {
		serveBenchEmulator()
		return
	}
	os.Exit(m.Run())
}

// serveBenchEmulator starts a site of 10,000 users with about 5 tokens
// each, says where it is on stdout, and serves until stdin closes.
func serveBenchEmulator() {
	s, err := emulator.Start(emulator.Options{Users: benchUsers, History: &emulator.History{TokensPerUser: 5, Seed: 1},
		Faults: emulator.Faults{Latency: benchLatency}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"URL": s.URL(), "Admin": s.SeedToken("admin"), "Users": len(s.Users()), "Tokens": len(s.Tokens())})
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = s.Close()
	os.Exit(0)
}

type benchSite struct {
	URL, Admin    string
	Users, Tokens int
}

func startBenchEmulator(b *testing.B) benchSite {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$") //nolint:gosec // test runs the test binary or the go tool it was built with
	cmd.Env = append(os.Environ(), benchEmulatorEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	var site benchSite
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil || json.Unmarshal(line, &site) != nil {
		b.Fatalf("the emulator did not start: %v", err)
	}
	return site
}

// peakRSSMiB is this process's peak resident set (Linux), or -1.
func peakRSSMiB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return -1
}

// BenchmarkAudit audits 10,000 users with about 5 tokens each over a
// 20 ms round trip at concurrency 16. The bound is (user pages + users) /
// 16 × 20 ms; the target is bound-ratio ≤ 1.25 and peak-RSS-MiB < 64.
//
//	go test -run '^$' -bench Audit -benchtime 1x ./internal/audit
func BenchmarkAudit(b *testing.B) {
	site := startBenchEmulator(b)
	tr := &http.Transport{MaxIdleConnsPerHost: benchConcurrency + 2}
	run := job.New(context.Background(), 0, limit.NewFixed(benchConcurrency))
	defer run.Close()
	c, err := client.New(client.Config{BaseURL: site.URL, Token: site.Admin, Transport: tr, Limiter: run.Limiter()})
	if err != nil {
		b.Fatal(err)
	}
	pages := (site.Users + client.MaxPageSize - 1) / client.MaxPageSize
	bound := time.Duration(float64(pages+site.Users) / benchConcurrency * float64(benchLatency))
	crit := audit.Criteria{Stale: 180 * 24 * time.Hour, ExpiringWithin: 30 * 24 * time.Hour, NeverExpires: true, Expired: true, Impersonation: true}
	var elapsed time.Duration
	api := &timedAPI{Client: c}
	b.ResetTimer()
	for range b.N {
		rows := 0
		start := time.Now()
		sum, err := audit.Run(run, audit.Options{API: api, Criteria: crit, Workers: 2 * benchConcurrency,
			Emit: func(audit.Row) error { rows++; return nil }})
		elapsed += time.Since(start)
		if err != nil || len(sum.Failed) > 0 || sum.Users != site.Users || sum.Tokens != site.Tokens {
			b.Fatalf("audit: %v; %d failed; %d users, %d tokens of %d, %d", err, len(sum.Failed), sum.Users, sum.Tokens, site.Users, site.Tokens)
		}
		b.ReportMetric(float64(rows), "rows")
	}
	b.ReportMetric(float64(elapsed)/float64(b.N)/float64(bound), "bound-ratio")
	b.ReportMetric(peakRSSMiB(), "peak-RSS-MiB")
	// The same ratio against the round trip actually observed: near 1 when
	// the pipeline keeps every slot busy, whatever a loaded machine adds
	// to each request.
	rtt := time.Duration(api.total.Load() / max(api.n.Load(), 1))
	b.ReportMetric(float64(rtt)/float64(time.Millisecond), "ms/request")
	b.ReportMetric(float64(elapsed)/float64(b.N)/(float64(pages+site.Users)/benchConcurrency*float64(rtt)), "observed-rtt-ratio")
	b.ReportMetric(float64(site.Users), "users")
	b.ReportMetric(float64(site.Tokens), "tokens")
}

// timedAPI measures the round trip of the scan's requests.
type timedAPI struct {
	*client.Client
	total, n atomic.Int64
}

func (t *timedAPI) observe(start time.Time) {
	t.total.Add(int64(time.Since(start)))
	t.n.Add(1)
}

func (t *timedAPI) FindUsers(ctx context.Context, q client.UserQuery, p, size int) (client.Page[client.User], error) {
	defer t.observe(time.Now())
	return t.Client.FindUsers(ctx, q, p, size)
}

func (t *timedAPI) ListAllUserTokens(ctx context.Context, userID int64) ([]client.Token, error) {
	defer t.observe(time.Now())
	return t.Client.ListAllUserTokens(ctx, userID)
}
