package cmdutil

import (
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/iostreams"
)

func TestConfirm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		input string
		want  bool
	}{
		{"y\n", true}, {"YES\n", true}, {" yes \n", true}, {"yes", true},
		{"n\n", false}, {"\n", false}, {"yeah\n", false}, {"", false},
	}
	for _, tt := range tests {
		ios, in, out, errOut := iostreams.Test()
		in.WriteString(tt.input)
		got, err := Confirm(ios, "Revoke 2 tokens? [y/N] ")
		if err != nil || got != tt.want {
			t.Errorf("Confirm(%q) = %v, %v; want %v", tt.input, got, err, tt.want)
		}
		if !strings.HasPrefix(errOut.String(), "Revoke 2 tokens? [y/N] ") || out.Len() != 0 {
			t.Errorf("Confirm(%q): the question went to stdout %q / stderr %q", tt.input, out, errOut)
		}
	}
}

func TestErrStreamsPrintsToStderrWithItsTerminal(t *testing.T) {
	t.Parallel()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(false)
	ios.SetStderrTTY(true)
	v := ErrStreams(ios)
	if !v.IsStdoutTTY() {
		t.Error("the view does not take stderr's terminal answer")
	}
	if ios.IsStdoutTTY() {
		t.Error("the view changed the original streams")
	}
	if _, err := v.Out.Write([]byte("table")); err != nil {
		t.Fatal(err)
	}
	if errOut.String() != "table" || out.Len() != 0 {
		t.Errorf("stdout %q, stderr %q", out, errOut)
	}
}

func TestCountNoun(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0 tokens", 1: "1 token", 3: "3 tokens"} {
		if got := CountNoun(n, "token"); got != want {
			t.Errorf("CountNoun(%d) = %q, want %q", n, got, want)
		}
	}
}
