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

func TestTerminalWidth(t *testing.T) {
	t.Setenv("AXERO_FORCE_TTY", "1")
	t.Setenv("COLUMNS", "93")
	if got := System().TerminalWidth(); got != 93 {
		t.Errorf("COLUMNS=93 on a terminal: width %d", got)
	}
	for _, bad := range []string{"", "0", "-5", "wide"} {
		t.Setenv("COLUMNS", bad)
		// The test's stdout is no terminal to ask: no limit.
		if got := System().TerminalWidth(); got != 0 {
			t.Errorf("COLUMNS=%q and no terminal size: width %d, want 0", bad, got)
		}
	}
	t.Setenv("AXERO_FORCE_TTY", "")
	t.Setenv("COLUMNS", "93")
	if s := System(); !s.IsStdoutTTY() && s.TerminalWidth() != 0 {
		t.Errorf("piped output has no width limit, COLUMNS or not: %d", s.TerminalWidth())
	}
}

func TestForStderrHasStderrsAnswers(t *testing.T) {
	s, _, _, errOut := Test()
	s.SetStdoutTTY(false)
	s.SetStderrTTY(true)
	s.SetColorEnabled(true)
	s.SetColorEnabled(false) // stdout piped: no colour there
	v := s.ForStderr()
	if v.Out != errOut || !v.IsStdoutTTY() {
		t.Error("the view writes to stderr, a terminal")
	}
	if v.ColorEnabled() {
		t.Error("colour was not allowed, so the view has none either")
	}
	s.SetColorEnabled(true)
	s.SetStdoutTTY(false)
	if !s.ForStderr().ColorEnabled() {
		t.Error("stderr is a terminal and colour is allowed: the view is coloured")
	}
	s.SetStderrTTY(false)
	if s.ForStderr().ColorEnabled() {
		t.Error("a piped stderr gets no colour")
	}
}
