package root

import (
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// The commands that run for as long as the user wants, or apply the
// deadline per row, are marked so; every other command is bounded whole.
func TestLongRunningCommandsAreNotCutOffByTimeout(t *testing.T) {
	root := NewCmdRoot(cmdutil.New("test"))
	want := map[string]string{
		"exec":                  cmdutil.DeadlineNone,
		"sandbox":               cmdutil.DeadlineNone,
		"demo":                  cmdutil.DeadlineNone,
		"completion":            cmdutil.DeadlineNone,
		"docs":                  cmdutil.DeadlineNone,
		"token create-for-user": cmdutil.DeadlineSelf,
		"token audit":           cmdutil.DeadlineSelf,
		"token revoke":          cmdutil.DeadlineSelf, // its --from mode; the others apply one deadline
		"token rotate":          cmdutil.DeadlineSelf, // likewise
		"token list":            "",
		"login":                 "",
		"call":                  "",
	}
	for path, mode := range want {
		c, _, err := root.Find(splitPath(path))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if got := c.Annotations[cmdutil.DeadlineAnnotation]; got != mode {
			t.Errorf("%s: deadline mode %q, want %q", path, got, mode)
		}
	}
}

func splitPath(p string) []string { return strings.Fields(p) }
