package renew

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/job"
	"github.com/axero-cli/axero/internal/limit"
)

// BenchmarkRenewal10k renews 10,000 records against the emulator with
// 20 ms of latency per request and 16 requests in flight. A renewal needs
// three requests per record (list, mint, revoke), so the bound is
// 3 × 10,000 / 16 × 20 ms = 37.5 s; the "x-bound" metric is the elapsed
// time over that bound, which must stay under 1.3. Run it once:
//
//	go test -run '^$' -bench Renewal10k -benchtime 1x ./internal/renew/
func BenchmarkRenewal10k(b *testing.B) {
	const (
		n           = 10000
		concurrency = 16
		latency     = 20 * time.Millisecond
	)
	bound := time.Duration(3*n/concurrency) * latency
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv, err := emulator.Start(emulator.Options{Users: n})
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
		seedOld(b, srv, from, n, nil)
		srv.SetFaults(emulator.Faults{Latency: latency})
		r := job.New(context.Background(), 0, limit.NewFixed(concurrency))
		c, err := client.New(client.Config{BaseURL: srv.URL(), Token: srv.SeedToken("admin"), Limiter: r.Limiter(), IdleConnsPerHost: concurrency + 2})
		if err != nil {
			b.Fatal(err)
		}
		o := testOptions(b, c, from, out)
		o.Workers = 2 * concurrency
		if o.Lock, err = job.AcquireLock(out); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		sum, err := Run(r, o)
		elapsed := time.Since(start)
		b.StopTimer()
		r.Close()
		if err != nil || sum.Renewed != n || sum.OldRevoked != n {
			b.Fatalf("%+v %v", sum, err)
		}
		b.ReportMetric(elapsed.Seconds()/bound.Seconds(), "x-bound")
		b.ReportMetric(elapsed.Seconds(), "s")
		if err := srv.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
