package api

import (
	"strings"
	"testing"
)

func TestChildEnvReplacesWithoutDuplicates(t *testing.T) {
	t.Parallel()
	got := childEnv([]string{"A=1", "AXERO_TOKEN=old", "AXERO_URL=old", "B=2"}, map[string]string{"AXERO_URL": "u", "AXERO_TOKEN": "t"})
	want := "A=1 B=2 AXERO_URL=u AXERO_TOKEN=t"
	if strings.Join(got, " ") != want {
		t.Errorf("childEnv = %v", got)
	}
}
