package keychain

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestSecretService runs against the real OS keychain. Without one it skips,
// unless AXERO_REQUIRE_KEYCHAIN=1 (CI, where a Secret Service is started on
// purpose) makes a missing keychain a failure.
func TestSecretService(t *testing.T) {
	t.Setenv("AXERO_KEYCHAIN", "")
	s := System(10 * time.Second)
	account := fmt.Sprintf("axero-test-%d@https://example.invalid", os.Getpid())
	_, err := s.Get(account)
	if IsUnavailable(err) {
		if os.Getenv("AXERO_REQUIRE_KEYCHAIN") == "1" {
			t.Fatalf("AXERO_REQUIRE_KEYCHAIN=1 but: %v", err)
		}
		t.Skipf("no usable OS keychain: %v", err)
	}
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a new account: %v", err)
	}
	t.Cleanup(func() { _ = s.Delete(account) })
	if err := s.Set(account, "first"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(account, "second"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(account); err != nil || got != "second" {
		t.Fatalf("Get = %q, %v; want the replaced secret", got, err)
	}
	if err := s.Delete(account); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(account); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
}

// BenchmarkSecretServiceGet measures one token lookup in the real OS
// keychain, the cost every command pays when it reads a stored token.
func BenchmarkSecretServiceGet(b *testing.B) {
	b.Setenv("AXERO_KEYCHAIN", "")
	s := System(10 * time.Second)
	account := fmt.Sprintf("axero-bench-%d@https://example.invalid", os.Getpid())
	if err := s.Set(account, "bench"); err != nil {
		b.Skipf("no usable OS keychain: %v", err)
	}
	b.Cleanup(func() { _ = s.Delete(account) })
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Get(account); err != nil {
			b.Fatal(err)
		}
	}
}
