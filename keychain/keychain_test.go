package keychain

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// fakeBackend answers with a fixed error, or blocks until release is closed.
type fakeBackend struct {
	err     error
	secret  string
	release chan struct{}
}

func (f *fakeBackend) wait() {
	if f.release != nil {
		<-f.release
	}
}

func (f *fakeBackend) Get(service, user string) (string, error) {
	f.wait()
	return f.secret, f.err
}

func (f *fakeBackend) Set(service, user, pw string) error {
	f.wait()
	return f.err
}

func (f *fakeBackend) Delete(service, user string) error {
	f.wait()
	return f.err
}

func TestErrorMapping(t *testing.T) {
	dbusErr := errors.New("The name org.freedesktop.secrets was not provided by any .service files")
	tests := []struct {
		name  string
		err   error
		want  error  // a sentinel, or nil for *UnavailableError
		cause string // the expected cause when unavailable
	}{
		{"not found", keyring.ErrNotFound, ErrNotFound, ""},
		{"too big", keyring.ErrSetDataTooBig, ErrTooBig, ""},
		{"no bus", &exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound}, nil, "no D-Bus session bus"},
		{"no bus text", errors.New(`exec: "dbus-launch": executable file not found in $PATH`), nil, "no D-Bus session bus"},
		{"socket", &net.OpError{Op: "dial", Net: "unix", Err: errors.New("connection refused")}, nil, "no Secret Service running"},
		{"no service", dbusErr, nil, "no Secret Service running"},
		{"locked", fmt.Errorf("failed to unlock correct collection '%v'", "/org/freedesktop/secrets/aliases/default"), nil, "the keychain collection is locked"},
		{"platform", keyring.ErrUnsupportedPlatform, nil, "no supported keychain on this platform"},
		{"other", errors.New("something odd\nwith a second line"), nil, "something odd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newBounded(&fakeBackend{err: tt.err}, time.Minute)
			_, err := s.Get("default@https://example.com")
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("got %v, want %v", err, tt.want)
				}
				return
			}
			var u *UnavailableError
			if !errors.As(err, &u) {
				t.Fatalf("got %T %v, want *UnavailableError", err, err)
			}
			if u.Cause != tt.cause {
				t.Errorf("cause = %q, want %q", u.Cause, tt.cause)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("message is not one line: %q", err.Error())
			}
		})
	}
}

func TestTooBigNamesAlternatives(t *testing.T) {
	s := newBounded(&fakeBackend{err: keyring.ErrSetDataTooBig}, time.Minute)
	err := s.Set("a", strings.Repeat("x", 5000))
	if !errors.Is(err, ErrTooBig) {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{"too large", "--out", "--insecure-storage"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not mention %q", err, want)
		}
	}
}

func TestTimeoutAndStall(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	fb := &fakeBackend{release: release}
	s := newBounded(fb, 10*time.Millisecond)
	_, err := s.Get("a")
	var u *UnavailableError
	if !errors.As(err, &u) {
		t.Fatalf("got %v, want *UnavailableError", err)
	}
	if want := "timed out after 10ms waiting for the keychain (is it locked?)"; u.Cause != want {
		t.Errorf("cause = %q, want %q", u.Cause, want)
	}
	// A second call must not queue behind the stuck one.
	if err := s.Set("a", "b"); !errors.As(err, &u) {
		t.Fatalf("second call: got %v, want *UnavailableError", err)
	}
}

func TestTimeoutMessageInSeconds(t *testing.T) {
	if got := formatTimeout(DefaultTimeout); got != "60s" {
		t.Errorf("formatTimeout(60s) = %q", got)
	}
}

func TestSuccessPassesThrough(t *testing.T) {
	s := newBounded(&fakeBackend{secret: "s3cret"}, time.Minute)
	got, err := s.Get("a")
	if err != nil || got != "s3cret" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := s.Set("a", "b"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("a"); err != nil {
		t.Fatal(err)
	}
}

func TestDisabledByEnv(t *testing.T) {
	t.Setenv("AXERO_KEYCHAIN", "off")
	_, err := System(time.Second).Get("a")
	var u *UnavailableError
	if !errors.As(err, &u) || u.Cause != "disabled by AXERO_KEYCHAIN=off" {
		t.Fatalf("got %v", err)
	}
	if !IsUnavailable(err) {
		t.Error("IsUnavailable is false")
	}
	for _, want := range []string{"AXERO_TOKEN", "--insecure-storage"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not name %s", err, want)
		}
	}
}

func TestMockInitBackend(t *testing.T) {
	keyring.MockInit()
	s := newBounded(goKeyring{}, time.Minute)
	if _, err := s.Get("p@u"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get before Set: %v", err)
	}
	if err := s.Set("p@u", "tok"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get("p@u"); err != nil || got != "tok" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := s.Delete("p@u"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("p@u"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
}

func TestMemory(t *testing.T) {
	m := NewMemory()
	if _, err := m.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get: %v", err)
	}
	if err := m.Set("a", "1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Get("a"); got != "1" {
		t.Errorf("Get = %q", got)
	}
	if len(m.Accounts()) != 1 {
		t.Errorf("Accounts = %v", m.Accounts())
	}
	if err := m.Delete("a"); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete("a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete: %v", err)
	}
	m.Fail = &UnavailableError{Cause: "test"}
	if err := m.Set("a", "1"); !IsUnavailable(err) {
		t.Errorf("Set with Fail: %v", err)
	}
}

func TestAccount(t *testing.T) {
	if got := Account("ci", "https://intranet.example.com"); got != "ci@https://intranet.example.com" {
		t.Errorf("Account = %q", got)
	}
}

// blockingStore never answers until released.
type blockingStore struct{ release chan struct{} }

func (b blockingStore) Get(string) (string, error) { <-b.release; return "", nil }
func (b blockingStore) Set(string, string) error   { <-b.release; return nil }
func (b blockingStore) Delete(string) error        { <-b.release; return nil }

func TestWithTimeout(t *testing.T) {
	m := NewMemory()
	s := WithTimeout(m, time.Minute)
	if _, err := s.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get: %v", err)
	}
	m.Fail = &UnavailableError{Cause: "locked"}
	var u *UnavailableError
	if err := s.Set("a", "b"); !errors.As(err, &u) || u.Cause != "locked" {
		t.Fatalf("Set: %v", err)
	}

	release := make(chan struct{})
	defer close(release)
	slow := WithTimeout(blockingStore{release}, time.Millisecond)
	if _, err := slow.Get("a"); !errors.As(err, &u) || !strings.Contains(u.Cause, "timed out") {
		t.Fatalf("Get of a blocked store: %v", err)
	}
}

func TestMemoryEnforcesItsSizeLimit(t *testing.T) {
	m := &Memory{MaxSize: 4}
	if err := m.Set("a", "12345"); !errors.Is(err, ErrTooBig) {
		t.Fatalf("a secret over the limit: %v", err)
	}
	if _, err := m.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a refused secret was kept: %v", err)
	}
	if err := m.Set("a", "1234"); err != nil {
		t.Fatal(err)
	}
}
