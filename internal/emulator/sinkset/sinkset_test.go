package sinkset_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/delivery"
	"github.com/axero-cli/axero/internal/emulator/sinkset"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

// The seeded set takes the README's example sinks as they are written.
func TestTheREADMEsSinksWorkAgainstTheSet(t *testing.T) {
	set, err := sinkset.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = set.Close() }()
	env := map[string]string{}
	for _, v := range set.Env() {
		env[v.Name] = v.Value
		t.Setenv(v.Name, v.Value) // the AWS SDK reads the process environment
	}
	deps := delivery.Deps{Env: sink.Env{Getenv: func(k string) string { return env[k] }, Now: time.Now}, Stack: &sinkhttp.Stack{}}
	sinks, err := delivery.Parse([]string{
		"github:acme/api#AXERO_TOKEN",
		"gitlab:project/acme/api#AXERO_TOKEN",
		"vault:secret/ci/axero#token",
		"aws-sm:ci/axero",
		"file:" + filepath.Join(t.TempDir(), "axero.env") + "#AXERO_TOKEN",
	}, deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := delivery.Check(ctx, sinks); err != nil {
		t.Fatal(err)
	}
	v := sink.Value{Secret: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIzIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1sb25nLWVub3VnaC10by1iZS1tYXNrZWQ", TokenID: 100005, Name: "ci", Started: time.Now().Add(-time.Minute)} //nolint:gosec // a made-up token for the test
	rep := delivery.Deliver(ctx, sinks, v, nil, delivery.Report{})
	if !rep.AllVerified() {
		t.Fatalf("%+v", rep)
	}
	if rep = delivery.Commit(ctx, sinks, v, nil, rep); !rep.AllCommitted() {
		t.Fatalf("%+v", rep)
	}
	if got, _ := set.AWS.Staged(sinkset.AWSSecret, "AWSCURRENT"); got != v.Secret {
		t.Fatalf("AWSCURRENT = %q", got)
	}
}
