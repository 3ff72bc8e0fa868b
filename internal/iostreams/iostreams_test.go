package iostreams

import "testing"

func TestForcedTerminalAndPromptRules(t *testing.T) {
	t.Setenv("AXERO_FORCE_TTY", "1")
	t.Setenv("CI", "")
	t.Setenv("AXERO_NO_PROMPT", "")
	t.Setenv("NO_COLOR", "")
	s := System()
	if !s.IsStdinTTY() || !s.IsStdoutTTY() || !s.IsStderrTTY() {
		t.Fatal("AXERO_FORCE_TTY=1 must make every stream a terminal")
	}
	if !s.CanPrompt() {
		t.Error("a terminal with no CI and no AXERO_NO_PROMPT may prompt")
	}

	t.Setenv("CI", "true")
	if System().CanPrompt() {
		t.Error("CI forbids prompts")
	}
	t.Setenv("CI", "")
	t.Setenv("AXERO_NO_PROMPT", "1")
	if System().CanPrompt() {
		t.Error("AXERO_NO_PROMPT=1 forbids prompts")
	}
}

func TestNoColor(t *testing.T) {
	t.Setenv("AXERO_FORCE_TTY", "1")
	t.Setenv("TERM", "xterm")
	t.Setenv("NO_COLOR", "")
	if !System().ColorEnabled() {
		t.Error("a terminal gets colour")
	}
	t.Setenv("NO_COLOR", "1")
	if System().ColorEnabled() {
		t.Error("NO_COLOR turns colour off")
	}
}

func TestBuffersAreNotTerminals(t *testing.T) {
	s, _, _, _ := Test()
	if s.IsStdoutTTY() || s.CanPrompt() || s.ColorEnabled() {
		t.Error("test streams start as pipes")
	}
	s.SetStdinTTY(true)
	s.SetStdoutTTY(true)
	if !s.CanPrompt() {
		t.Error("flipped to terminals, they may prompt")
	}
}
