package emulator_test

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/axero-cli/axero/internal/emulator"
)

// BenchmarkCreateForUser mints impersonation tokens over HTTP from 16
// goroutines, as a bulk run does.
//
//	go test -run '^$' -bench CreateForUser -benchtime 10000x ./client/emulator
func BenchmarkCreateForUser(b *testing.B) {
	benchmarkCreateForUser(b, emulator.Options{Users: 1000})
}

// BenchmarkCreateForUserWithState does the same with a state file, which
// is rewritten after every change.
func BenchmarkCreateForUserWithState(b *testing.B) {
	benchmarkCreateForUser(b, emulator.Options{Users: 1000, StateFile: filepath.Join(b.TempDir(), "state.json")})
}

func benchmarkCreateForUser(b *testing.B, opts emulator.Options) {
	s, err := emulator.Start(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	admin := s.SeedToken("admin")
	tr := &http.Transport{MaxIdleConnsPerHost: 32}
	hc := &http.Client{Transport: tr}
	var n atomic.Int64
	b.SetParallelism(16 / max(1, runtimeProcs()))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/users/%d/bearertokens", s.URL(), 1001+i%1000), strings.NewReader(`{"Name":"bulk"}`))
			req.Header.Set("Authorization", "Bearer "+admin)
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
