package usage

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorSaysUsageAndUnwraps(t *testing.T) {
	t.Parallel()
	base := errors.New("bad value")
	err := fmt.Errorf("checking: %w", Wrap(base))
	var u interface{ Usage() bool }
	if !errors.As(err, &u) || !u.Usage() || !errors.Is(err, base) || err.Error() != "checking: bad value" {
		t.Fatalf("%v", err)
	}
	if Wrap(nil) != nil {
		t.Fatal("Wrap(nil) is not nil")
	}
	if got := Errorf("--x %d", 3).Error(); got != "--x 3" {
		t.Fatalf("%q", got)
	}
}
