package renew

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
)

// The child half of TestKilledMidwayThenResumed: a renewal in a process of
// its own, so that the parent can SIGKILL it at an arbitrary point.
func TestRenewalChildProcess(t *testing.T) {
	if os.Getenv("RENEW_CHILD_URL") == "" {
		t.Skip("runs only as the child of TestKilledMidwayThenResumed")
	}
	c, err := client.New(client.Config{BaseURL: os.Getenv("RENEW_CHILD_URL"), Token: os.Getenv("RENEW_CHILD_TOKEN")})
	if err != nil {
		t.Fatal(err)
	}
	o := testOptions(t, c, os.Getenv("RENEW_CHILD_FROM"), os.Getenv("RENEW_CHILD_OUT"))
	if _, err := run(t, o); err != nil {
		t.Fatal(err)
	}
}

func TestKilledMidwayThenResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	const n = 500
	srv := emulator.NewTest(t, emulator.Options{Users: n})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.jsonl"), filepath.Join(dir, "new.jsonl")
	old := seedOld(t, srv, from, n, nil)
	f := faulty
	f.Latency = 5 * time.Millisecond
	srv.SetFaults(f)

	cmd := exec.Command(os.Args[0], "-test.run=^TestRenewalChildProcess$", "-test.count=1") //nolint:gosec // test runs the test binary or the go tool it was built with
	cmd.Env = append(os.Environ(), "RENEW_CHILD_URL="+srv.URL(), "RENEW_CHILD_TOKEN="+srv.SeedToken("admin"),
		"RENEW_CHILD_FROM="+from, "RENEW_CHILD_OUT="+out)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Kill it once a good part of NEW is written: mints, writes and
	// revocations are then in flight on every worker.
	for lines := 0; lines < n/3; {
		select {
		case err := <-exited:
			t.Fatalf("the child finished before it could be killed (%v):\n%s", err, stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
		b, _ := os.ReadFile(out) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata; it does not exist until the child writes it
		lines = bytes.Count(b, []byte("\n"))
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	if err := <-exited; err == nil {
		t.Fatalf("the killed child exited cleanly:\n%s", stderr.String())
	}

	// The server acts on what was sent before the kill; let it settle, then
	// check the invariant that holds at every instant.
	srv.SetFaults(emulator.Faults{})
	for cur, _ := srv.InFlight(); cur > 0; cur, _ = srv.InFlight() {
		time.Sleep(5 * time.Millisecond)
	}
	checkCovered(t, srv, old, out)

	srv.SetFaults(faulty)
	o := testOptions(t, newAPI(t, srv, "admin", 8), from, out)
	o.Resume = true
	sum, err := run(t, o)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(emulator.Faults{})
	renewed, _, failed := checkFinal(t, srv, old, out)
	if failed != 0 || renewed != n || sum.AlreadyDone == 0 || sum.Renewed == 0 || sum.Renewed+sum.AlreadyDone+sum.Failed != n {
		t.Fatalf("resumed run %+v; server: renewed %d failed %d", sum, renewed, failed)
	}
	t.Logf("resumed: %+v", sum)
}
