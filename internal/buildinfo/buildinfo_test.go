package buildinfo

import (
	"runtime/debug"
	"testing"
)

func reading(bi *debug.BuildInfo) func() (*debug.BuildInfo, bool) {
	return func() (*debug.BuildInfo, bool) { return bi, bi != nil }
}

func TestGoInstallPseudoVersion(t *testing.T) {
	t.Parallel()
	got := Resolve(Info{}, reading(&debug.BuildInfo{
		Main: debug.Module{Path: "github.com/axero-cli/axero", Version: "v0.3.1-0.20261126173605-0123456789ab"},
	}))
	want := Info{Version: "v0.3.1-0.20261126173605-0123456789ab", Commit: "0123456789ab", Date: "2026-11-26T17:36:05Z"}
	if got != want {
		t.Errorf("Resolve = %+v, want %+v (the pseudo-version's commit and time)", got, want)
	}
}

func TestGoInstallRelease(t *testing.T) {
	t.Parallel()
	got := Resolve(Info{}, reading(&debug.BuildInfo{
		Main: debug.Module{Path: "github.com/axero-cli/axero", Version: "v1.2.3"},
	}))
	if want := (Info{Version: "v1.2.3"}); got != want {
		t.Errorf("Resolve = %+v, want %+v (no commit for a tagged module)", got, want)
	}
}

func TestCheckoutBuild(t *testing.T) {
	t.Parallel()
	got := Resolve(Info{}, reading(&debug.BuildInfo{
		Main: debug.Module{Path: "github.com/axero-cli/axero", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "fedcba9876543210fedcba9876543210fedcba98"},
			{Key: "vcs.time", Value: "2026-11-25T08:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}))
	want := Info{Version: "dev", Commit: "fedcba9876543210fedcba9876543210fedcba98-dirty", Date: "2026-11-25T08:00:00Z"}
	if got != want {
		t.Errorf("Resolve = %+v, want %+v", got, want)
	}
}

func TestInjectedWins(t *testing.T) {
	t.Parallel()
	injected := Info{Version: "2.0.0", Commit: "abc", Date: "2026-01-01T00:00:00Z"}
	got := Resolve(injected, reading(&debug.BuildInfo{
		Main:     debug.Module{Version: "v9.9.9"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "zzz"}, {Key: "vcs.time", Value: "2020-01-01T00:00:00Z"}},
	}))
	if got != injected {
		t.Errorf("Resolve = %+v, want the injected %+v", got, injected)
	}
}

func TestNoBuildInfo(t *testing.T) {
	t.Parallel()
	if got, want := Resolve(Info{}, reading(nil)), (Info{Version: "dev"}); got != want {
		t.Errorf("Resolve = %+v, want %+v", got, want)
	}
}
