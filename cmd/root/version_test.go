package root

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/buildinfo"
)

func TestVersionJSONHasEveryField(t *testing.T) {
	t.Parallel()
	f, out, _ := isolatedFactory(t, nil, false)
	f.Build = buildinfo.Info{Version: "1.4.0", Commit: "0123456789abcdef0123456789abcdef01234567", Date: "2026-11-20T10:00:00Z"}
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
	t.Parallel()
	f, out, _ := isolatedFactory(t, nil, false)
	f.Build = buildinfo.Info{Version: "1.4.0", Commit: "abc1234", Date: "2026-11-20T10:00:00Z"}
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
	t.Parallel()
	f, _, _ := isolatedFactory(t, nil, false)
	err := runAxero(f, "version", "-o", "csv")
	if err == nil {
		t.Fatal("version -o csv succeeded")
	}
	if code := cmdutil.ExitCode(err); code != 2 {
		t.Errorf("exit code %d, want 2 (usage)", code)
	}
}
