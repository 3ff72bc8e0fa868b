package root

import (
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// withBuildInfo sets the injected build values and the Go build info for
// one test.
func withBuildInfo(t *testing.T, version, commit, date string, bi *debug.BuildInfo) {
	t.Helper()
	oldV, oldC, oldD, oldRead := buildVersion, buildCommit, buildDate, readBuildInfo
	t.Cleanup(func() {
		buildVersion, buildCommit, buildDate, readBuildInfo = oldV, oldC, oldD, oldRead
	})
	SetBuildInfo(version, commit, date)
	readBuildInfo = func() (*debug.BuildInfo, bool) { return bi, bi != nil }
}

func TestVersionJSONHasEveryField(t *testing.T) {
	withBuildInfo(t, "1.4.0", "0123456789abcdef0123456789abcdef01234567", "2026-11-20T10:00:00Z", nil)
	f, out, _ := isolatedFactory(t, nil, false)
	if err := runAxero(f, "version", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("version -o json is not a JSON object: %v\n%s", err, out)
	}
	want := map[string]string{
		"version":   "1.4.0",
		"commit":    "0123456789abcdef0123456789abcdef01234567",
		"date":      "2026-11-20T10:00:00Z",
		"goVersion": runtime.Version(),
		"os":        runtime.GOOS,
		"arch":      runtime.GOARCH,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("fields %v, want exactly %d", got, len(want))
	}
}

func TestVersionTextStartsLikeVersionFlag(t *testing.T) {
	withBuildInfo(t, "1.4.0", "abc1234", "2026-11-20T10:00:00Z", nil)
	f, out, _ := isolatedFactory(t, nil, false)
	if err := runAxero(f, "version"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if lines[0] != "axero 1.4.0" {
		t.Errorf("first line %q, want %q", lines[0], "axero 1.4.0")
	}
	for _, want := range []string{"commit:   abc1234", "built:    2026-11-20T10:00:00Z", "go:       " + runtime.Version(), "platform: " + runtime.GOOS + "/" + runtime.GOARCH} {
		if !strings.Contains(out.String(), want+"\n") {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestVersionRejectsUnknownFormat(t *testing.T) {
	f, _, _ := isolatedFactory(t, nil, false)
	err := runAxero(f, "version", "-o", "csv")
	if err == nil {
		t.Fatal("version -o csv succeeded")
	}
	if code := cmdutil.ExitCode(err); code != 2 {
		t.Errorf("exit code %d, want 2 (usage)", code)
	}
}

func TestVersionFromGoInstallPseudoVersion(t *testing.T) {
	withBuildInfo(t, "", "", "", &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/axero-cli/axero", Version: "v0.3.1-0.20261126173605-0123456789ab"},
	})
	if got := Version(); got != "v0.3.1-0.20261126173605-0123456789ab" {
		t.Errorf("Version() = %q", got)
	}
	if got := Commit(); got != "0123456789ab" {
		t.Errorf("Commit() = %q, want the pseudo-version's commit", got)
	}
	if got := Date(); got != "2026-11-26T17:36:05Z" {
		t.Errorf("Date() = %q, want the pseudo-version's time", got)
	}
}

func TestVersionFromGoInstallRelease(t *testing.T) {
	withBuildInfo(t, "", "", "", &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/axero-cli/axero", Version: "v1.2.3"},
	})
	if got := Version(); got != "v1.2.3" {
		t.Errorf("Version() = %q, want the module version", got)
	}
	if got := Commit(); got != "" {
		t.Errorf("Commit() = %q, want none for a tagged module", got)
	}
}

func TestVersionFromCheckoutBuild(t *testing.T) {
	withBuildInfo(t, "", "", "", &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/axero-cli/axero", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "fedcba9876543210fedcba9876543210fedcba98"},
			{Key: "vcs.time", Value: "2026-11-25T08:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	})
	if got := Version(); got != "dev" {
		t.Errorf("Version() = %q, want dev", got)
	}
	if got := Commit(); got != "fedcba9876543210fedcba9876543210fedcba98-dirty" {
		t.Errorf("Commit() = %q", got)
	}
	if got := Date(); got != "2026-11-25T08:00:00Z" {
		t.Errorf("Date() = %q", got)
	}
}

func TestInjectedBuildInfoWins(t *testing.T) {
	withBuildInfo(t, "2.0.0", "abc", "2026-01-01T00:00:00Z", &debug.BuildInfo{
		Main:     debug.Module{Version: "v9.9.9"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "zzz"}},
	})
	if Version() != "2.0.0" || Commit() != "abc" || Date() != "2026-01-01T00:00:00Z" {
		t.Errorf("got %q %q %q, want the injected values", Version(), Commit(), Date())
	}
}
