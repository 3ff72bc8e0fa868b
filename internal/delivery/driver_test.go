package delivery

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/sink"
)

const secret = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIzIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg" //nolint:gosec // a made-up token for the tests

func TestCheckReportsTheMostSevereFailure(t *testing.T) {
	a := &fakeSink{name: "a", checkErr: sink.Errorf("fake:a", "check", sink.Failed, "down")}
	b := &fakeSink{name: "b", checkErr: sink.Errorf("fake:b", "check", sink.Denied, "401")}
	c := &fakeSink{name: "c", checkErr: sink.Errorf("fake:c", "check", sink.Invalid, "bad name")}
	d := &fakeSink{name: "d"}
	err := Check(context.Background(), sinks(a, b, d))
	if sink.KindOf(err) != sink.Denied || !strings.Contains(err.Error(), "fake:b") {
		t.Fatalf("Check = %v (kind %v), want the Denied one naming fake:b", err, sink.KindOf(err))
	}
	err = Check(context.Background(), sinks(a, b, c, d))
	if sink.KindOf(err) != sink.Invalid || !strings.Contains(err.Error(), "fake:c") || !strings.Contains(err.Error(), "2 more") {
		t.Fatalf("Check = %v, want the Invalid one naming fake:c and the count of the others", err)
	}
	if len(d.calls) != 2 {
		t.Fatalf("every sink must be checked, d: %v", d.calls)
	}
	if err := Check(context.Background(), sinks(d)); err != nil {
		t.Fatal(err)
	}
}

func TestDeliverRecordsEveryStepAndGoesOnAfterAFailure(t *testing.T) {
	a := &fakeSink{name: "a"}
	b := &fakeSink{name: "b", putErr: sink.Errorf("fake:b", "put", sink.Denied, "403 writing "+secret)}
	c := &fakeSink{name: "c"}
	j := &journal{}
	v := sink.Value{Secret: secret, TokenID: 7}
	rep := Deliver(context.Background(), sinks(a, b, c), v, j, Report{})
	want := []string{
		"fake:a put before", "fake:a put after", "fake:a verify before", "fake:a verify after",
		"fake:b put before", "fake:b put failed",
		"fake:c put before", "fake:c put after", "fake:c verify before", "fake:c verify after",
	}
	if !slices.Equal(j.lines, want) {
		t.Fatalf("journal:\n%s\nwant:\n%s", strings.Join(j.lines, "\n"), strings.Join(want, "\n"))
	}
	if rep.AllVerified() || rep.Holding() != 2 {
		t.Fatalf("report %+v", rep)
	}
	if got := rep.Sinks[1]; got.State != StateFailedPut || strings.Contains(got.Detail, secret) || !strings.Contains(got.Detail, "403") {
		t.Fatalf("b's result %+v: want failed at put, the reason, no secret", got)
	}
	err := rep.Err()
	if err == nil || sink.KindOf(err) != sink.Denied || strings.Contains(err.Error(), secret) {
		t.Fatalf("Err = %v", err)
	}
	// Commit refuses to run while a sink is not verified.
	if rep2 := Commit(context.Background(), sinks(a, b, c), v, j, rep); rep2.AllCommitted() || slices.Contains(a.calls, "commit") {
		t.Fatal("Commit ran with a sink not verified")
	}

	// A resumed run repeats only the sink that failed.
	b.putErr = nil
	a.calls, c.calls = nil, nil
	rep = Deliver(context.Background(), sinks(a, b, c), v, j, rep)
	if !rep.AllVerified() || len(a.calls) != 0 || len(c.calls) != 0 {
		t.Fatalf("resume: %+v; a %v, c %v", rep, a.calls, c.calls)
	}
	rep = Commit(context.Background(), sinks(a, b, c), v, j, rep)
	if !rep.AllCommitted() {
		t.Fatalf("commit: %+v", rep)
	}
}

func TestDeliverStopsWhenTheJournalFails(t *testing.T) {
	a, b := &fakeSink{name: "a"}, &fakeSink{name: "b"}
	full := errors.New("no space left on device")
	n := 0
	rec := RecorderFunc(func(Step) error {
		n++
		if n == 3 { // before a's verify
			return full
		}
		return nil
	})
	rep := Deliver(context.Background(), sinks(a, b), sink.Value{Secret: secret}, rec, Report{})
	if !errors.Is(rep.Err(), full) || len(b.calls) != 0 || slices.Contains(a.calls, "verify") {
		t.Fatalf("rep %+v, a %v, b %v", rep, a.calls, b.calls)
	}
}

func TestDeliverStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	a := &fakeSink{name: "a"}
	b := &fakeSink{name: "b"}
	rec := RecorderFunc(func(s Step) error {
		if s.Sink == "fake:a" && s.Done && s.Op == OpVerify {
			cancel()
		}
		return nil
	})
	rep := Deliver(ctx, sinks(a, b), sink.Value{Secret: secret}, rec, Report{})
	if rep.Sinks[0].State != StateVerified || rep.Sinks[1].State != StatePending || !errors.Is(rep.Err(), context.Canceled) {
		t.Fatalf("rep %+v", rep)
	}
}

func TestDetailIsOneSafeLine(t *testing.T) {
	got := Detail(errors.New("line one\nline\x1b[2J two "+secret+" eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.abcdefghijklmnop"), secret)
	if strings.ContainsAny(got, "\n\x1b") || strings.Contains(got, secret) || strings.Contains(got, "eyJhbGciOiJub25lIn0") {
		t.Fatalf("detail = %q", got)
	}
}
