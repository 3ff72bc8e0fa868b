package rotation

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/delivery"
)

func TestPendingFileIsPrivateAndAtomic(t *testing.T) {
	dir := t.TempDir()
	s := Store{Dir: dir}
	k := Key{Site: "https://axero.test/", Profile: "default", Name: "ci"}
	if p, err := s.Load(k); p != nil || err != nil {
		t.Fatalf("Load of nothing = %v, %v", p, err)
	}
	p := &Pending{Site: k.Site, Profile: k.Profile, Name: k.Name, Phase: PhaseMinted, Started: time.Now().UTC(),
		New:   &NewToken{ID: 7, Secret: "the-secret"},
		Sinks: []SinkState{{Spec: "file:x", State: delivery.StatePending}}}
	if err := s.Save(p); err != nil {
		t.Fatal(err)
	}
	path := s.Path(k)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %v", di.Mode())
	}
	if filepath.Base(path) != k.hash()+".json" || len(k.hash()) != 32 {
		t.Fatalf("path %s", path)
	}
	got, err := s.Load(k)
	if err != nil || got.New.Secret != "the-secret" || got.Sinks[0].Spec != "file:x" {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	// Another key (site, profile or name) is another file.
	if other, _ := s.Load(Key{Site: k.Site, Profile: "ci", Name: "ci"}); other != nil {
		t.Fatal("another profile sees this rotation")
	}
	// A file that others may read is refused: it holds a secret.
	if err := os.Chmod(path, 0o644); err != nil { //nolint:gosec // a file others may read, on purpose: it must be refused
		t.Fatal(err)
	}
	if _, err := s.Load(k); err == nil {
		t.Fatal("a 0644 pending file was read")
	}
	_ = os.Chmod(path, 0o600)
	// Damaged or unknown content is refused with advice.
	if err := os.WriteFile(path, []byte(`{"version":1,"phase":"minted"`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(k); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged: %v", err)
	}
	if err := os.WriteFile(path, []byte(`{"version":1,"site":"https://axero.test/","profile":"default","name":"ci","phase":"minted","sinks":[],"existing":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(k); err == nil || !strings.Contains(err.Error(), "without the new token") {
		t.Fatalf("minted without a token: %v", err)
	}
	// A symbolic link in place of the file, or of the directory, is refused.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "elsewhere")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(p); err == nil {
		t.Fatal("saved through a symbolic link")
	}
	if data, _ := os.ReadFile(target); len(data) != 0 { //nolint:gosec // the test's own file
		t.Fatal("the secret reached the link's target")
	}
	dir2 := t.TempDir()
	if err := os.Symlink(t.TempDir(), filepath.Join(dir2, "pending")); err != nil {
		t.Fatal(err)
	}
	if err := (Store{Dir: dir2}).Save(p); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("pending directory as a link: %v", err)
	}
	if err := s.Remove(k); err != nil {
		t.Fatal(err)
	}
}

func TestLockWaitsAndSaysSoOnce(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	ctx := context.Background()
	release, err := s.LockToken(ctx, "https://axero.test", 42, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	said := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		r2, err := s.LockToken(ctx, "https://axero.test", 42, said, time.Now)
		if err == nil {
			r2()
		}
		done <- err
	}()
	// Another token's lock is free meanwhile.
	r3, err := s.LockToken(ctx, "https://axero.test", 43, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	r3()
	for !strings.Contains(said.String(), "waiting for another rotation of token 42") {
		time.Sleep(10 * time.Millisecond)
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(said.String(), "waiting"); n != 1 {
		t.Fatalf("said %d times: %q", n, said.String())
	}
	// A deadline ends the wait.
	release, _ = s.LockProfile(ctx, "https://axero.test", "default", nil, time.Now)
	defer release()
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := s.LockProfile(cctx, "https://axero.test", "default", nil, time.Now); err == nil || !strings.Contains(err.Error(), "gave up waiting") {
		t.Fatalf("err %v", err)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
