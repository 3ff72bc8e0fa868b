package vault_test

import (
	"context"
	"fmt"
	"time"

	"github.com/axero-cli/axero/internal/emulator/sinkemu"
	"github.com/axero-cli/axero/internal/emulator/vaultemu"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
	"github.com/axero-cli/axero/internal/sink/vault"
)

// Example delivers a token to one field of a KV version 2 entry of the
// Vault emulator, keeping the entry's other field.
func Example() {
	emu, err := vaultemu.Start(sinkemu.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = emu.Close() }()
	const credential = "hvs.exampleCredential" //nolint:gosec // the emulator's credential, not a real one
	emu.AddToken(credential, "", vaultemu.Policy{"secret/data/ci/*": {"create", "read", "update"}})
	emu.Write("", "secret", "ci/axero", map[string]string{"token": "the-old-token", "url": "https://intranet.example.com"})

	environ := map[string]string{"VAULT_ADDR": emu.URL(), "VAULT_TOKEN": credential}
	env := sink.Env{Getenv: func(k string) string { return environ[k] }, Now: time.Now}
	s, err := vault.Parse("secret/ci/axero#token", env, &sinkhttp.Stack{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	v := sink.Value{Secret: "the-new-token", TokenID: 100005, Started: time.Now()}
	for _, step := range []func() error{
		func() error { return s.Check(ctx) },
		func() error { return s.Put(ctx, v) },
		func() error { return s.Verify(ctx, v) },
		func() error { return s.Commit(ctx, v) },
	} {
		if err := step(); err != nil {
			fmt.Println(err)
			return
		}
	}
	data, version, _ := emu.Read("", "secret", "ci/axero")
	fmt.Printf("%s: version %d, token replaced: %t, url kept: %s\n", s, version, data["token"] == v.Secret, data["url"])
	// Output: vault:secret/ci/axero#token: version 2, token replaced: true, url kept: https://intranet.example.com
}
