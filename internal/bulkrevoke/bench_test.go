package bulkrevoke_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/bulkrevoke"
	"github.com/axero-cli/axero/internal/emulator"
)

// The benchmark's emulator runs in a child process (this test binary,
// re-executed), so that the peak RSS measured is the revoke's alone.
const (
	benchEmulatorEnv = "AXERO_REVOKE_BENCH_EMULATOR" // the CSV file to write
	benchUsers       = 10000
	benchLatency     = 20 * time.Millisecond
	benchConcurrency = 16
)

func TestMain(m *testing.M) {
	if path := os.Getenv(benchEmulatorEnv); path != "" {
		serveBenchEmulator(path)
		return
	}
	os.Exit(m.Run())
}

// serveBenchEmulator starts a site of 10,000 users with one token each,
// writes those tokens to a CSV (TokenID,UserID), says where the site is
// on stdout, and serves until stdin closes.
func serveBenchEmulator(csvPath string) {
	s, err := emulator.Start(emulator.Options{Users: benchUsers, Faults: emulator.Faults{Latency: benchLatency}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var hist []emulator.HistoryToken
	for _, u := range s.Users() {
		if u.UserID >= 1001 {
			hist = append(hist, emulator.HistoryToken{UserID: u.UserID, Name: "integration", ImpersonatedBy: emulator.AdminID})
		}
	}
	ids, err := s.SeedHistory(hist)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f, err := os.Create(csvPath) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"TokenID", "UserID"})
	for i, id := range ids {
		_ = w.Write([]string{strconv.FormatInt(id, 10), strconv.FormatInt(hist[i].UserID, 10)})
	}
	w.Flush()
	_ = f.Close()
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"URL": s.URL(), "Admin": s.SeedToken("admin")})
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = s.Close()
	os.Exit(0)
}

func startBenchEmulator(b *testing.B, csvPath string) (url, admin string, stop func()) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$") //nolint:gosec // test runs the test binary or the go tool it was built with
	cmd.Env = append(os.Environ(), benchEmulatorEnv+"="+csvPath)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var site struct{ URL, Admin string }
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil || json.Unmarshal(line, &site) != nil {
		b.Fatalf("the emulator did not start: %v", err)
	}
	return site.URL, site.Admin, func() { _ = stdin.Close(); _ = cmd.Wait() }
}

// BenchmarkRevoke revokes 10,000 tokens of 10,000 users over a 20 ms
// round trip at concurrency 16. The bound is 2 requests per user (list
// and revoke) / 16 × 20 ms; the target is bound-ratio ≤ 1.25.
//
//	go test -run '^$' -bench Revoke -benchtime 1x ./internal/bulkrevoke
func BenchmarkRevoke(b *testing.B) {
	bound := time.Duration(float64(2*benchUsers) / benchConcurrency * float64(benchLatency))
	var elapsed, rttSum time.Duration
	var requests int64
	for i := range b.N {
		b.StopTimer()
		csvPath := filepath.Join(b.TempDir(), fmt.Sprintf("tokens-%d.csv", i))
		url, admin, stop := startBenchEmulator(b, csvPath)
		tr := &http.Transport{MaxIdleConnsPerHost: benchConcurrency + 2}
		c, err := client.New(client.Config{BaseURL: url, Token: admin, Transport: tr})
		if err != nil {
			b.Fatal(err)
		}
		api := &timedAPI{Client: c}
		b.StartTimer()
		start := time.Now()
		sum, err := bulkrevoke.Run(context.Background(), bulkrevoke.Options{API: api, From: csvPath, Concurrency: benchConcurrency})
		elapsed += time.Since(start)
		b.StopTimer()
		stop()
		if err != nil || sum.Revoked != benchUsers || sum.Partial() {
			b.Fatalf("revoke: %+v, %v", sum, err)
		}
		rttSum += time.Duration(api.total.Load())
		requests += api.n.Load()
	}
	b.ReportMetric(float64(elapsed)/float64(b.N)/float64(bound), "bound-ratio")
	rtt := rttSum / time.Duration(max(requests, 1))
	b.ReportMetric(float64(rtt)/float64(time.Millisecond), "ms/request")
	b.ReportMetric(float64(elapsed)/float64(b.N)/(float64(2*benchUsers)/benchConcurrency*float64(rtt)), "observed-rtt-ratio")
	b.ReportMetric(peakRSSMiB(), "peak-RSS-MiB")
}

// timedAPI measures the round trip of the run's requests.
type timedAPI struct {
	*client.Client
	total, n atomic.Int64
}

func (t *timedAPI) observe(start time.Time) {
	t.total.Add(int64(time.Since(start)))
	t.n.Add(1)
}

func (t *timedAPI) ListUserTokens(ctx context.Context, userID int64, p, size int) (client.Page[client.Token], error) {
	defer t.observe(time.Now())
	return t.Client.ListUserTokens(ctx, userID, p, size)
}

func (t *timedAPI) RevokeToken(ctx context.Context, tokenID int64) error {
	defer t.observe(time.Now())
	return t.Client.RevokeToken(ctx, tokenID)
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
