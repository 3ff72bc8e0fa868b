// Flag parsing of every token command, apart from what the commands do:
// each command line either reaches runF with the options it means, or is
// refused before it.
package token_test

import (
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/cmd/token"
)

func TestCreateFlags(t *testing.T) {
	t.Parallel()
	cmdtest.FlagCases(t, token.NewCmdCreate, []cmdtest.FlagCase[token.CreateOptions]{
		{Args: "--name ci --expires 30d --out f.json", Check: func(o *token.CreateOptions) bool {
			return o.Name == "ci" && o.Expires == "30d" && o.Delivery.Out == "f.json" && !o.Delivery.Keychain
		}},
		{Args: "--name ci --keychain", Check: func(o *token.CreateOptions) bool { return o.Delivery.Keychain && o.Delivery.KeychainProfile == "" }},
		{Args: "--name ci --keychain=p", Check: func(o *token.CreateOptions) bool { return o.Delivery.KeychainProfile == "p" }},
		{Args: "--expires 30d", Err: "--name is required"},
		{Args: "--name ci --jq .TokenID", Err: "--jq could drop the new token"},
		{Args: "--name ci -o csv", Err: "unknown output format"},
	})
}

func TestCreateForUserFlags(t *testing.T) {
	t.Parallel()
	cmdtest.FlagCases(t, token.NewCmdCreateForUser, []cmdtest.FlagCase[token.CreateForUserOptions]{
		{Args: "--user jdoe --name x", Check: func(o *token.CreateForUserOptions) bool { return o.User == "jdoe" && o.Name == "x" }},
		{Args: "--from u.csv --out o.jsonl --concurrency 4 --resume", Check: func(o *token.CreateForUserOptions) bool {
			return o.From == "u.csv" && o.Delivery.Out == "o.jsonl" && o.Concurrency == 4 && o.Resume
		}},
		{Args: "--from u.csv --dry-run", Check: func(o *token.CreateForUserOptions) bool {
			return o.DryRun && o.Concurrency == 0 && o.MaxConcurrency == 64 // auto, up to 64
		}},
		{Args: "--from u.csv --dry-run --concurrency auto --max-concurrency 16", Check: func(o *token.CreateForUserOptions) bool {
			return o.Concurrency == 0 && o.MaxConcurrency == 16
		}},
		{Args: "--from u.csv --dry-run --concurrency 8", Check: func(o *token.CreateForUserOptions) bool { return o.Concurrency == 8 }},
		{Args: "--from u.csv --out o --concurrency fast", Err: "want auto or a number between 1 and 64"},
		{Args: "--from u.csv --out o --max-concurrency 0", Err: "--max-concurrency must be between 1 and 64"},
		{Args: "--from u.csv --out o --concurrency 4 --max-concurrency 8", Err: "--max-concurrency works only with --concurrency auto"},
		{Args: "--user jdoe --name x --max-concurrency 8", Err: "--max-concurrency works only with --from"},
		{Args: "--from u.csv", Err: "--from needs --out FILE"},
		{Args: "--from u.csv --out u.csv", Err: "is the --from file"},
		{Args: "--from u.csv --out o --resume --dry-run", Err: "cannot be used together"},
		{Args: "--from u.csv --out o --concurrency 65", Err: "between 1 and 64"},
		{Args: "--from u.csv --out o --keychain", Err: "--keychain works only with --user"},
		{Args: "--user jdoe --name x --concurrency 2", Err: "--concurrency works only with --from"},
		{Args: "--user jdoe --from u.csv", Err: "cannot be used together"},
	})
}

func TestListFlags(t *testing.T) {
	t.Parallel()
	cmdtest.FlagCases(t, token.NewCmdList, []cmdtest.FlagCase[token.ListOptions]{
		{Args: "--expired --sort name --limit 3", Check: func(o *token.ListOptions) bool { return o.Expired && o.Sort == "name" && o.Limit == 3 }},
		{Args: "--limit 0", Err: "--limit"},
		{Args: "--user ''", Err: "--user needs"},
	})
}

func TestInspectFlags(t *testing.T) {
	t.Parallel()
	cmdtest.FlagCases(t, token.NewCmdInspect, []cmdtest.FlagCase[token.InspectOptions]{
		{Args: "-", Check: func(o *token.InspectOptions) bool { return o.Arg == "-" }},
		{Args: "-o json", Check: func(o *token.InspectOptions) bool { return o.Arg == "" && o.Output.Format == "json" }},
	})
}

func TestRenameFlags(t *testing.T) {
	t.Parallel()
	cmdtest.FlagCases(t, token.NewCmdRename, []cmdtest.FlagCase[token.RenameOptions]{
		{Args: "1017 nightly", Check: func(o *token.RenameOptions) bool { return o.Token == "1017" && o.NewName == "nightly" }},
		{Args: "1017", Err: "accepts 2 arg"},
	})
}

func TestRevokeFlags(t *testing.T) {
	t.Parallel()
	cmdtest.FlagCases(t, token.NewCmdRevoke, []cmdtest.FlagCase[token.RevokeOptions]{
		{Args: "1017 ci --yes", Check: func(o *token.RevokeOptions) bool { return len(o.Tokens) == 2 && o.Yes }},
		{Args: "--expired --dry-run", Check: func(o *token.RevokeOptions) bool { return o.Expired && o.DryRun }},
		{Args: "--from f.csv --concurrency 3", Check: func(o *token.RevokeOptions) bool { return o.From == "f.csv" && o.Concurrency == 3 }},
		{Args: "", Err: "name the tokens to revoke"},
		{Args: "1017 --from f.csv", Err: "cannot be combined with token IDs"},
		{Args: "--concurrency 3 1017", Err: "--concurrency works only with --from"},
		{Args: "--from f.csv --concurrency 0", Err: "between 1 and 64"},
		{Args: "--from f.csv", Check: func(o *token.RevokeOptions) bool { return o.Concurrency == 0 && o.MaxConcurrency == 64 }},
		{Args: "--max-concurrency 8 1017", Err: "--max-concurrency works only with --from"},
	})
}

func TestRotateFlags(t *testing.T) {
	t.Parallel()
	cmdtest.FlagCases(t, token.NewCmdRotate, []cmdtest.FlagCase[token.RotateOptions]{
		{Args: "ci --keep-old --expires 30d", Check: func(o *token.RotateOptions) bool { return o.Token == "ci" && o.KeepOld && o.Expires == "30d" }},
		{Args: "--from old.jsonl --out new.jsonl --if-expiring-within 30d", Check: func(o *token.RotateOptions) bool {
			return o.From == "old.jsonl" && o.Delivery.Out == "new.jsonl" && o.IfExpiringWithin == "30d"
		}},
		{Args: "", Err: "give the ID or name of the token to rotate"},
		{Args: "ci --resume", Check: func(o *token.RotateOptions) bool { return o.Token == "ci" && o.Resume }},
		{Args: "ci --to vault:secret/ci#token --grace 7d", Check: func(o *token.RotateOptions) bool { return o.Token == "ci" && o.Sinks.Grace == "7d" }},
		{Args: "--from old.jsonl", Err: "--from needs --out NEW"},
		{Args: "--from old.jsonl --out ./old.jsonl --resume", Err: "is the --from file"},
		{Args: "--from - --out n", Err: "not standard input"},
		{Args: "--from old.jsonl --out n --keep-old", Err: "--keep-old cannot be used with --from"},
		{Args: "--from old.jsonl --out n --if-expiring-within soon", Err: "invalid --if-expiring-within"},
		{Args: "--from old.jsonl --out n --name-template {{.Nope}}", Err: "invalid --name-template"},
		{Args: "--from old.jsonl --out n", Check: func(o *token.RotateOptions) bool { return o.Concurrency == 0 && o.MaxConcurrency == 64 }},
		{Args: "ci --max-concurrency 8", Err: "--max-concurrency works only with --from"},
	})
}

func TestAuditFlags(t *testing.T) {
	t.Parallel()
	cmdtest.FlagCases(t, token.NewCmdAudit, []cmdtest.FlagCase[token.AuditOptions]{
		{Args: "--stale 180d --impersonation --concurrency 16 --exit-code", Check: func(o *token.AuditOptions) bool {
			return o.Stale == "180d" && o.Impersonation && o.Concurrency == 16 && o.ExitCode
		}},
		{Args: "--stale 6months", Err: "invalid --stale"},
		{Args: "--concurrency 0", Err: "between 1 and 64"},
		{Args: "--stale 180d", Check: func(o *token.AuditOptions) bool { return o.Concurrency == 0 && o.MaxConcurrency == 64 }},
		{Args: "--max-concurrency 65", Err: "--max-concurrency must be between 1 and 64"},
		{Args: "--created-by ''", Err: "--created-by needs"},
	})
}
