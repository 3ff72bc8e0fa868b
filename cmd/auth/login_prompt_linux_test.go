//go:build linux

package auth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/internal/ptytest"
	"github.com/axero-cli/axero/keychain"
)

func ttyStreams(tty *os.File) (*iostreams.IOStreams, *strings.Builder) {
	ios, _, _, _ := iostreams.Test()
	errOut := &strings.Builder{}
	ios.In, ios.ErrOut, ios.StdinFd = tty, errOut, int(tty.Fd())
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	ios.SetStderrTTY(true)
	return ios, errOut
}

func TestLoginPromptReadsHiddenToken(t *testing.T) {
	master, tty := ptytest.Open(t)
	ios, errOut := ttyStreams(tty)
	if _, err := master.WriteString("  tok.en.value \n"); err != nil {
		t.Fatal(err)
	}
	got, err := readLoginToken(context.Background(), ios, false)
	if err != nil || got != "tok.en.value" {
		t.Fatalf("readLoginToken = %q, %v", got, err)
	}
	if !strings.Contains(errOut.String(), "input is hidden") {
		t.Errorf("prompt = %q", errOut.String())
	}
	if !ptytest.EchoOn(t, int(tty.Fd())) {
		t.Error("echo is still off after the prompt")
	}
}

func TestLoginPromptRestoresTerminalOnInterrupt(t *testing.T) {
	_, tty := ptytest.Open(t)
	fd := int(tty.Fd())
	ios, _ := ttyStreams(tty)
	if !ptytest.EchoOn(t, fd) {
		t.Fatal("a new pty should echo")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := readLoginToken(ctx, ios, false)
		done <- err
	}()
	// Wait until the prompt has turned echo off, as Ctrl-C would come
	// while the user is typing.
	for deadline := time.Now().Add(30 * time.Second); ptytest.EchoOn(t, fd); {
		if time.Now().After(deadline) {
			t.Fatal("the prompt never turned echo off")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, cmdutil.ErrInterrupted) {
		t.Fatalf("err = %v, want interrupted", err)
	}
	if !ptytest.EchoOn(t, fd) {
		t.Error("the terminal was left without echo")
	}
}

func TestLoginPromptNotAllowedInCI(t *testing.T) {
	_, tty := ptytest.Open(t)
	ios, _ := ttyStreams(tty)
	ios.SetNeverPrompt(true)
	_, err := readLoginToken(context.Background(), ios, false)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--with-token") {
		t.Fatalf("err = %v", err)
	}
}

// promptWorld is a login at a terminal (the pty) against an emulator, with
// a keychain that does not answer.
func promptWorld(t *testing.T) (f *cmdutil.Factory, master *os.File, errOut *strings.Builder, srv *emulator.Server, cfgDir string) {
	t.Helper()
	srv = emulator.NewTest(t, emulator.Options{})
	master, tty := ptytest.Open(t)
	ios, errOut := ttyStreams(tty)
	cfgDir = filepath.Join(t.TempDir(), "config")
	env := map[string]string{"AXERO_URL": srv.URL(), "AXERO_CONFIG_DIR": cfgDir}
	f = cmdutil.New("test")
	f.IO = ios
	f.Getenv = func(k string) string { return env[k] }
	f.Keychain = func() keychain.Store { return keychain.Unavailable("no D-Bus session bus") }
	return f, master, errOut, srv, cfgDir
}

// At a terminal, login offers the 0600 file before it asks for the token.
func TestLoginOffersTheFileWhenTheKeychainIsUnavailable(t *testing.T) {
	f, master, errOut, srv, cfgDir := promptWorld(t)
	if _, err := master.WriteString("y\n" + srv.SeedToken("jdoe") + "\n"); err != nil {
		t.Fatal(err)
	}
	if err := loginRun(context.Background(), &LoginOptions{Factory: f}); err != nil {
		t.Fatalf("login: %v\n%s", err, errOut.String())
	}
	path := filepath.Join(cfgDir, "credentials", "default")
	out := errOut.String()
	offer := "Keep the token unencrypted in " + path + " (mode 0600) instead? [y/N] "
	if !strings.Contains(out, "The OS keychain is unavailable (no D-Bus session bus).") || !strings.Contains(out, offer) {
		t.Fatalf("no offer before the token:\n%s", out)
	}
	if strings.Index(out, offer) > strings.Index(out, "input is hidden") {
		t.Errorf("the token was asked for before the offer:\n%s", out)
	}
	cfg, err := config.Load(cfgDir)
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := cfg.ReadFileToken("default"); err != nil || tok != srv.SeedToken("jdoe") {
		t.Fatalf("the file does not hold the token: %v", err)
	}
}

// The offer defaults to no: then nothing is asked for, sent or stored.
func TestLoginDeclinedFileStoresNothing(t *testing.T) {
	f, master, errOut, srv, cfgDir := promptWorld(t)
	if _, err := master.WriteString("\n"); err != nil {
		t.Fatal(err)
	}
	err := loginRun(context.Background(), &LoginOptions{Factory: f})
	if cmdutil.ExitCode(err) != cmdutil.ExitFailure || !strings.Contains(err.Error(), "nothing was stored") || !strings.Contains(err.Error(), "--insecure-storage") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(errOut.String(), "input is hidden") {
		t.Errorf("the token was asked for:\n%s", errOut.String())
	}
	if n := srv.RequestCount("", "/api"); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
	if _, err := os.Stat(cfgDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the config directory was written: %v", err)
	}
}
