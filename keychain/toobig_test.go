package keychain

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// countingBackend records the secrets it was asked to store and refuses
// them all with err.
type countingBackend struct {
	err  error
	sets []string
}

func (c *countingBackend) Get(string, string) (string, error) { return "", keyring.ErrNotFound }
func (c *countingBackend) Set(_, _, pw string) error          { c.sets = append(c.sets, pw); return c.err }
func (c *countingBackend) Delete(string, string) error        { return nil }

func TestTooBigErrorNamesSizeLimitAndAlternatives(t *testing.T) {
	err := error(&TooBigError{Size: 3100, Limit: 2560})
	msg := err.Error()
	for _, want := range []string{"3100 bytes", "at most 2560", "--out FILE", "--insecure-storage"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not mention %q", msg, want)
		}
	}
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("not one line: %q", msg)
	}
	if !errors.Is(err, ErrTooBig) || !errors.Is(fmt.Errorf("login: %w", err), ErrTooBig) {
		t.Errorf("a *TooBigError does not match ErrTooBig")
	}
	if msg := (&TooBigError{Size: 9000}).Error(); !strings.Contains(msg, "9000 bytes") || strings.Contains(msg, "at most 0") {
		t.Errorf("unknown limit: %q", msg)
	}
}

func TestBackendRefusalBecomesTooBigError(t *testing.T) {
	b := &countingBackend{err: keyring.ErrSetDataTooBig}
	s := newBounded(b, time.Minute)
	err := s.Set("default@https://x.example", strings.Repeat("x", 5000))
	var tb *TooBigError
	if !errors.As(err, &tb) || tb.Size != 5000 || tb.Limit != 0 {
		t.Fatalf("got %#v, want a *TooBigError of 5000 bytes and no known limit", err)
	}
}

func TestOverTheKnownLimitTheKeychainIsNotAsked(t *testing.T) {
	b := &countingBackend{}
	s := newBounded(b, time.Minute)
	s.maxSecret = func(string) int { return WindowsMaxSecret }
	err := s.Set("a", strings.Repeat("x", WindowsMaxSecret+1))
	var tb *TooBigError
	if !errors.As(err, &tb) || tb.Size != WindowsMaxSecret+1 || tb.Limit != WindowsMaxSecret {
		t.Fatalf("got %v, want a *TooBigError naming %d bytes and the limit", err, WindowsMaxSecret+1)
	}
	if len(b.sets) != 0 {
		t.Fatalf("the keychain was asked to store %d secrets", len(b.sets))
	}
	if err := s.Set("a", strings.Repeat("x", WindowsMaxSecret)); err != nil || len(b.sets) != 1 {
		t.Fatalf("a secret at the limit: %v, %d calls", err, len(b.sets))
	}
}

// TestMacOSLimitMatchesGoKeyring rebuilds the command line go-keyring sends
// to `security` and checks that MaxSecretBytes is exactly the largest
// secret whose command fits in 4096 bytes.
func TestMacOSLimitMatchesGoKeyring(t *testing.T) {
	command := func(account string, size int) int {
		pw := "go-keyring-base64:" + base64.StdEncoding.EncodeToString(make([]byte, size))
		return len(fmt.Sprintf("add-generic-password -U -s %s -a %s -w %s\n", shellQuote(Service), shellQuote(account), shellQuote(pw)))
	}
	for _, account := range []string{"default@https://intranet.example.com", "p@https://x.example/it's~here", strings.Repeat("a", 500)} {
		limit := MaxSecretBytes("darwin", account)
		if limit < 2000 || limit > 3100 {
			t.Fatalf("%q: limit %d, want about 3000", account, limit)
		}
		if n := command(account, limit); n > 4096 {
			t.Errorf("%q: a secret of %d bytes makes a %d-byte command", account, limit, n)
		}
		if n := command(account, limit+3); n <= 4096 {
			t.Errorf("%q: the limit %d is too low, %d bytes still fit", account, limit, limit+3)
		}
	}
	if got := MaxSecretBytes("windows", "a"); got != 2560 {
		t.Errorf("windows: %d", got)
	}
	if got := MaxSecretBytes("linux", "a"); got != 0 {
		t.Errorf("linux: %d, want no known limit", got)
	}
	if got := shellQuote("it's"); got != `'it'"'"'s'` {
		t.Errorf("shellQuote: %s", got)
	}
}

func TestLimitedRefusesWithoutLosingTheOldSecret(t *testing.T) {
	s := NewLimited(WindowsMaxSecret)
	if err := s.Set("acct", "old"); err != nil {
		t.Fatal(err)
	}
	err := s.Set("acct", strings.Repeat("n", WindowsMaxSecret+1))
	if !errors.Is(err, ErrTooBig) {
		t.Fatalf("got %v, want ErrTooBig", err)
	}
	if got, err := s.Get("acct"); err != nil || got != "old" {
		t.Fatalf("after the refusal the account holds %q, %v; want the old secret", got, err)
	}
	if s.Refused() != 1 {
		t.Fatalf("Refused() = %d", s.Refused())
	}
	if err := s.Set("acct", strings.Repeat("n", WindowsMaxSecret)); err != nil {
		t.Fatalf("a secret at the limit: %v", err)
	}
	// Behind WithTimeout, as commands use a Store, the error keeps its
	// size and limit.
	var tb *TooBigError
	if err := WithTimeout(s, time.Minute).Set("acct", strings.Repeat("n", 3000)); !errors.As(err, &tb) || tb.Size != 3000 || tb.Limit != WindowsMaxSecret {
		t.Fatalf("through WithTimeout: %#v", err)
	}
}
