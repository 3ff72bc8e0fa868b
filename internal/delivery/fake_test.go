package delivery

import (
	"context"
	"errors"
	"fmt"

	"github.com/axero-cli/axero/internal/sink"
)

// fakeSink is a sink in memory whose steps fail on demand.
type fakeSink struct {
	name                     string
	held                     string
	checkErr, putErr, verErr error
	commitErr                error
	calls                    []string
}

func (f *fakeSink) String() string { return "fake:" + f.name }
func (f *fakeSink) Check(context.Context) error {
	f.calls = append(f.calls, "check")
	return f.checkErr
}
func (f *fakeSink) Put(_ context.Context, v sink.Value) error {
	f.calls = append(f.calls, "put")
	if f.putErr != nil {
		return f.putErr
	}
	f.held = v.Secret
	return nil
}
func (f *fakeSink) Verify(_ context.Context, v sink.Value) error {
	f.calls = append(f.calls, "verify")
	if f.verErr != nil {
		return f.verErr
	}
	if f.held != v.Secret {
		return errors.New("does not hold it")
	}
	return nil
}
func (f *fakeSink) Commit(context.Context, sink.Value) error {
	f.calls = append(f.calls, "commit")
	return f.commitErr
}

func sinks(fs ...*fakeSink) []sink.Sink {
	out := make([]sink.Sink, len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}

// journal records steps as text.
type journal struct{ lines []string }

func (j *journal) Record(s Step) error {
	done := "before"
	if s.Done {
		done = "after"
		if s.Err != nil {
			done = "failed"
		}
	}
	j.lines = append(j.lines, fmt.Sprintf("%s %s %s", s.Sink, s.Op, done))
	return nil
}
