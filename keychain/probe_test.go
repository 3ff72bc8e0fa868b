package keychain

import (
	"errors"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	m := NewMemory()
	if err := Check(m); err != nil {
		t.Fatalf("an empty keychain: %v", err)
	}
	if err := m.Set(ProbeAccount, "x"); err != nil {
		t.Fatal(err)
	}
	if err := Check(m); err != nil {
		t.Fatalf("a keychain with an entry: %v", err)
	}
	if err := Check(Unavailable("no D-Bus session bus")); !IsUnavailable(err) {
		t.Fatalf("an unavailable keychain: %v", err)
	}
	if err := Check(SystemSwitch("off", time.Minute)); !IsUnavailable(err) {
		t.Fatalf("AXERO_KEYCHAIN=off: %v", err)
	}
	broken := NewMemory()
	broken.Fail = errors.New("odd")
	if err := Check(broken); err == nil {
		t.Fatal("a failing keychain passed")
	}
}

// A keychain that never answers is unavailable once its timeout passes:
// Check is bounded by the store's own bound.
func TestCheckIsBoundedByTheTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	if err := Check(WithTimeout(blockingStore{release}, time.Millisecond)); !IsUnavailable(err) {
		t.Fatalf("a stalled keychain: %v", err)
	}
}
