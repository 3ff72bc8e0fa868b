package token_test

import (
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/internal/emulator"
)

// The delivery flags that cannot work together are refused before
// anything happens (exit 2), and nothing is minted.
func TestDeliveryFlagMistakes(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	before := len(e.Srv.Tokens())
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"token", "rotate", "seed", "--resume", "--abandon"}, "--resume and --abandon cannot be used together"},
		{[]string{"token", "rotate", "seed", "--show"}, "--show works only with --to"},
		{[]string{"token", "rotate", "seed", "--dry-run"}, "--dry-run needs --to"},
		{[]string{"token", "rotate", "seed", "--to", "file:x", "--grace", "7d", "--keep-old"}, "--grace and --keep-old cannot be used together"},
		{[]string{"token", "rotate", "seed", "--to", "file:x", "--grace", "soon"}, "invalid --grace"},
		{[]string{"token", "rotate", "seed", "--to", "file:x", "--abandon"}, "--abandon takes no --to"},
		{[]string{"token", "rotate", "seed", "--to", "ftp:x"}, `unknown sink scheme "ftp"`},
		{[]string{"token", "rotate", "seed", "--to", "profile:default"}, `unknown sink scheme "profile"`},
		{[]string{"token", "rotate", "seed", "--to", "file:x", "--to", "file:x"}, "given twice"},
		{[]string{"token", "rotate", "seed", "--to", "vault:nomount"}, "vault:nomount"},
		{[]string{"token", "create", "--name", "x", "--dry-run"}, "--dry-run needs --to"},
		{[]string{"token", "create", "--name", "x", "--to", "file:x", "--sinks", "missing.yaml"}, "--sinks missing.yaml"},
	} {
		e.Expect(2, c.want, c.args...)
	}
	if n := len(e.Srv.Tokens()); n != before {
		t.Fatalf("%d tokens were minted", n-before)
	}
}

// --resume and --abandon with nothing unfinished say so and change
// nothing.
func TestResumeWithNothingUnfinished(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.Expect(1, `there is no unfinished rotation of "seed" to resume`, "token", "rotate", "seed", "--resume")
	e.Expect(1, `there is no unfinished delivery of a token named "x"`, "token", "create", "--name", "x", "--abandon")
}
