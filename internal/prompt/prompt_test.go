package prompt

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// Keys as a terminal sends them.
const (
	keyDown  = "\x1b[B"
	keyUp    = "\x1b[A"
	keyEnter = "\r"
	keyCtrlC = "\x03"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	// Only a bound on a broken test: every case below ends on its keys.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestSelectFollowsTheKeys(t *testing.T) {
	choices := []Choice{"100104  ci-deploy", "100106  dup", "100107  dup"}
	tests := []struct {
		keys string
		want int
	}{
		{keyEnter, 0},
		{keyDown + keyEnter, 1},
		{keyDown + keyDown + keyEnter, 2},
		{keyDown + keyDown + keyUp + keyEnter, 1},
		{keyDown + keyDown + keyDown + keyEnter, 0}, // past the last, back to the first
		{"j" + keyEnter, 1},
	}
	for _, tt := range tests {
		got, err := Select(testContext(t), strings.NewReader(tt.keys), io.Discard, List{Title: "Which token?", Header: "ID      NAME", Choices: choices})
		if err != nil || got != tt.want {
			t.Errorf("keys %q: chose %d, %v; want %d", tt.keys, got, err, tt.want)
		}
	}
}

func TestSelectCtrlCIsAborted(t *testing.T) {
	_, err := Select(testContext(t), strings.NewReader(keyCtrlC), io.Discard, List{Title: "Which?", Choices: []Choice{"a", "b"}})
	if !errors.Is(err, ErrAborted) {
		t.Errorf("err = %v, want ErrAborted", err)
	}
}

func TestSelectCancelledContextIsAborted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, w := io.Pipe()
	defer func() { _ = w.Close() }()
	_, err := Select(ctx, r, io.Discard, List{Title: "Which?", Choices: []Choice{"a", "b"}})
	if !errors.Is(err, ErrAborted) {
		t.Errorf("err = %v, want ErrAborted", err)
	}
}

func TestSelectNeedsChoices(t *testing.T) {
	if _, err := Select(testContext(t), strings.NewReader(keyEnter), io.Discard, List{Title: "Which?"}); err == nil {
		t.Error("an empty list was offered")
	}
}

func TestTextValidates(t *testing.T) {
	valid := func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("the name is empty")
		}
		return nil
	}
	// An empty answer is refused, and the form waits for a valid one.
	got, err := Text(testContext(t), strings.NewReader(keyEnter+"  new-name "+keyEnter), io.Discard, "New name:", valid)
	if err != nil || got != "new-name" {
		t.Fatalf("Text = %q, %v", got, err)
	}
}

func TestSelectStartsAtTheGivenChoice(t *testing.T) {
	got, err := Select(testContext(t), strings.NewReader(keyEnter), io.Discard, List{Title: "Which?", Choices: []Choice{"a", "b", "c"}, Start: 2})
	if err != nil || got != 2 {
		t.Errorf("chose %d, %v; want the one in focus, 2", got, err)
	}
	got, _ = Select(testContext(t), strings.NewReader(keyDown+keyEnter), io.Discard, List{Title: "Which?", Choices: []Choice{"a", "b", "c"}, Start: 1})
	if got != 2 {
		t.Errorf("down from 1 chose %d, want 2", got)
	}
}
