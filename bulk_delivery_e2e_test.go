// End-to-end tests of bulk delivery (`token create-for-user --from --to`,
// `token rotate --from --to`): the real binary against the Axero emulator
// and the sink emulators, each user's token read back from where it went
// and proven live on the site.
package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/emulator/sinkset"
	"github.com/axero-cli/axero/internal/emulator/vaultemu"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// vaultTo puts each user's token at a Vault path of its own.
const vaultTo = "vault:secret/axero/{{.UserName}}#token"

// newBulkEnv is a delivery world whose caller is the admin, with n
// generated users (user0001.., UserID 1001..) listed in users.csv.
func newBulkEnv(t *testing.T, n int) *deliveryEnv {
	t.Helper()
	e := newDeliveryEnvWith(t, emulator.Options{RecordSecrets: true, Users: n})
	e.vars["AXERO_TOKEN"] = e.srv.SeedToken("admin")
	var b strings.Builder
	b.WriteString("user\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "user%04d\n", i)
	}
	e.write("users.csv", b.String())
	return e
}

func (e *deliveryEnv) write(name, text string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.dir, name), []byte(text), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

func (e *deliveryEnv) path(name string) string { return filepath.Join(e.dir, name) }

// records are the complete records of a token file of the test's.
func (e *deliveryEnv) records(name string) []tokenfile.Record {
	e.t.Helper()
	rr, err := tokenfile.Open(e.path(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = rr.Close() }()
	var out []tokenfile.Record
	for {
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			e.t.Fatal(err)
		}
		if rec.Err == nil {
			out = append(out, rec.Record)
		}
	}
}

// vaultToken is what the Vault emulator holds at secret/axero/NAME.
func (e *deliveryEnv) vaultToken(userName string) string {
	data, _, _ := e.set.Vault.Read("", "secret", "axero/"+userName)
	return data["token"]
}

// fileToken is what the file sink of the kill test holds for a user.
func (e *deliveryEnv) fileToken(userName string) string {
	b, _ := os.ReadFile(e.path(filepath.Join("tokens", userName+".token"))) //nolint:gosec // the test's own file
	return strings.TrimSpace(string(b))
}

func userName(userID int64) string { return fmt.Sprintf("user%04d", userID-1000) }

func (e *deliveryEnv) read(name string) string {
	b, _ := os.ReadFile(e.path(name)) //nolint:gosec // the test's own file
	return string(b)
}

// checkHeld asserts that each record's token is live on the site, belongs
// to the record's user, and is what the Vault path of that user holds.
func (e *deliveryEnv) checkHeld(recs []tokenfile.Record) {
	e.t.Helper()
	for _, r := range recs {
		ts, live := e.tokenOf(r.Token)
		switch {
		case !live || ts.TokenID != r.TokenID || ts.UserID != r.UserID:
			e.t.Errorf("the token of %s in --out is not its live token", userName(r.UserID))
		case e.vaultToken(userName(r.UserID)) != r.Token:
			e.t.Errorf("secret/axero/%s does not hold the token of %s", userName(r.UserID), userName(r.UserID))
		case !e.works(r.Token):
			e.t.Errorf("the token of %s does not work", userName(r.UserID))
		}
	}
}

func TestBulkCreateDeliversEachUsersTokenToItsOwnPath(t *testing.T) {
	e := newBulkEnv(t, 5)
	before := len(e.srv.Tokens())
	// Nothing minted when the first row's sink refuses the credential.
	e.vars["VAULT_TOKEN"] = "hvs.wrong"
	r := e.run(e.bin, nil, "token", "create-for-user", "--from", "users.csv", "--out", "out.jsonl", "--to", vaultTo)
	if r.code != 3 || !strings.Contains(r.stderr, "vault:secret/axero/user0001#token: check:") || !strings.Contains(r.stderr, "nothing was minted") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("a refused credential: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(e.path("out.jsonl")); !os.IsNotExist(err) || len(e.srv.Tokens()) != before {
		t.Fatalf("a refused credential left --out (%v) or minted (%d tokens)", err, len(e.srv.Tokens()))
	}
	e.vars["VAULT_TOKEN"] = sinkset.VaultToken

	// --dry-run renders and checks every row's sinks, and changes nothing.
	r = e.run(e.bin, nil, "token", "create-for-user", "--from", "users.csv", "--dry-run", "--to", vaultTo)
	if r.code != 0 || len(e.srv.Tokens()) != before || e.vaultToken("user0001") != "" {
		t.Fatalf("dry run: exit %d, %d tokens\n%s", r.code, len(e.srv.Tokens()), r.stderr)
	}
	for i := 1; i <= 5; i++ {
		if want := fmt.Sprintf(",ok,vault:secret/axero/user%04d#token\n", i); !strings.Contains(r.stdout, want) {
			t.Fatalf("the plan lacks %q:\n%s", want, r.stdout)
		}
	}

	r = e.run(e.bin, nil, "token", "create-for-user", "--from", "users.csv", "--out", "out.jsonl", "--to", vaultTo, "--debug")
	if r.code != 0 || !strings.Contains(r.stderr, "minted 5, delivered 5, delivery failed 0,") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	recs := e.records("out.jsonl")
	if len(recs) != 5 {
		t.Fatalf("%d records", len(recs))
	}
	e.checkHeld(recs)
	e.noSecretIn("stderr (with --debug)", r.stderr)
	e.noSecretIn("the journal", e.read("out.jsonl.journal"))
	e.secretsOnlyInPrivateFiles()
	if strings.Count(e.read("out.jsonl.journal"), `"op":"committed"`) != 5 {
		t.Fatalf("journal:\n%s", e.read("out.jsonl.journal"))
	}
}

// A sink that refuses the write for some rows: exit 5, those rows in the
// failed file with the sink and the reason (no token), their tokens in
// --out; --resume, once the sink takes them, delivers them without
// minting again.
func TestBulkCreateWithASinkFaultThenResume(t *testing.T) {
	e := newBulkEnv(t, 5)
	e.set.Vault.RefuseWrites("secret/axero/user0002", "secret/axero/user0004")
	r := e.run(e.bin, nil, "token", "create-for-user", "--from", "users.csv", "--out", "out.jsonl", "--to", vaultTo)
	if r.code != 5 || !strings.Contains(r.stderr, "minted 5, delivered 3, delivery failed 2,") || !strings.Contains(r.stderr, "failed rows are in out.jsonl.failed.csv") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	failed := e.read("out.jsonl.failed.csv")
	for _, u := range []string{"user0002", "user0004"} {
		if !strings.Contains(failed, u+",\"token ") || !strings.Contains(failed, "vault:secret/axero/"+u+"#token: put:") || !strings.Contains(failed, "permission denied") {
			t.Fatalf("the failed file lacks %s:\n%s", u, failed)
		}
	}
	e.noSecretIn("the failed file", failed)
	e.noSecretIn("the journal", e.read("out.jsonl.journal"))
	if len(e.records("out.jsonl")) != 5 || e.vaultToken("user0002") != "" {
		t.Fatal("the undelivered tokens are not kept in --out only")
	}
	minted := len(e.srv.Tokens())

	e.set.Vault.RefuseWrites()
	r = e.run(e.bin, nil, "token", "create-for-user", "--from", "users.csv", "--out", "out.jsonl", "--resume")
	if r.code != 0 || !strings.Contains(r.stderr, "minted 0, delivered 2, delivery failed 0, skipped 3,") {
		t.Fatalf("resume: exit %d\n%s", r.code, r.stderr)
	}
	if len(e.srv.Tokens()) != minted {
		t.Fatal("the resume minted tokens")
	}
	e.checkHeld(e.records("out.jsonl"))
	if _, err := os.Stat(e.path("out.jsonl.failed.csv")); !os.IsNotExist(err) {
		t.Fatal("the failed file of the run that failed is left")
	}
	// A resume cannot change the sinks the run recorded.
	r = e.run(e.bin, nil, "token", "create-for-user", "--from", "users.csv", "--out", "out.jsonl", "--resume", "--to", "vault:secret/other/{{.UserName}}#token")
	if r.code != 2 || !strings.Contains(r.stderr, "--resume delivers to the sinks the run of --out out.jsonl records (vault:secret/axero/{{.UserName}}#token)") {
		t.Fatalf("other sinks on a resume: exit %d\n%s", r.code, r.stderr)
	}
}

// rotate --from --to: each replacement at its user's path; an old token
// is revoked only when every sink of its user holds the replacement. A
// user whose sink fails its check gets nothing minted; a user whose sink
// refuses the write keeps its old token live; --resume finishes both.
func TestBulkRotateRevokesOnlyDeliveredRows(t *testing.T) {
	e := newBulkEnv(t, 6)
	r := e.run(e.bin, nil, "token", "create-for-user", "--from", "users.csv", "--out", "old.jsonl")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	old := e.records("old.jsonl")
	// The first record's sinks are checked before the run starts, and a
	// denial there would stop it: deny the second record's path, and
	// refuse the write of the fourth.
	denied, refused := old[1].UserID, old[3].UserID
	e.set.Vault.AddToken(sinkset.VaultToken, "", vaultemu.Policy{"secret/data/*": {"create", "read", "update"}, "secret/data/axero/" + userName(denied): {"deny"}})
	e.set.Vault.RefuseWrites("secret/axero/" + userName(refused))
	r = e.run(e.bin, nil, "token", "rotate", "--from", "old.jsonl", "--out", "new.jsonl", "--to", vaultTo)
	if r.code != 5 || !strings.Contains(r.stderr, "renewed 5, delivered 4, delivery failed 1,") || !strings.Contains(r.stderr, "failed 1, old tokens revoked 4") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, o := range old {
		kept := o.UserID == denied || o.UserID == refused
		if e.works(o.Token) != kept {
			t.Errorf("the old token of %s works: %v, want %v", userName(o.UserID), !kept, kept)
		}
	}
	failed := e.read("new.jsonl.failed.csv")
	if !strings.Contains(failed, "vault:secret/axero/"+userName(denied)+"#token: check:") || !strings.Contains(failed, "vault:secret/axero/"+userName(refused)+"#token: put:") {
		t.Fatalf("failed file:\n%s", failed)
	}
	for _, n := range e.records("new.jsonl") {
		if strings.Contains(failed, n.Token[strings.LastIndex(n.Token, ".")+1:]) {
			t.Fatalf("the failed file holds the replacement of %s", userName(n.UserID))
		}
	}
	e.noSecretIn("the journal", e.read("new.jsonl.journal"))

	e.set.Vault.AddToken(sinkset.VaultToken, "", vaultemu.Policy{"secret/data/*": {"create", "read", "update"}})
	e.set.Vault.RefuseWrites()
	r = e.run(e.bin, nil, "token", "rotate", "--from", "old.jsonl", "--out", "new.jsonl", "--resume")
	if r.code != 0 || !strings.Contains(r.stderr, "renewed 1, delivered 2,") {
		t.Fatalf("resume: exit %d\n%s", r.code, r.stderr)
	}
	for _, o := range old {
		if e.works(o.Token) {
			t.Errorf("the old token of %s still works", userName(o.UserID))
		}
	}
	recs := e.records("new.jsonl")
	if len(recs) != 6 {
		t.Fatalf("%d records in NEW", len(recs))
	}
	e.checkHeld(recs)
	e.secretsOnlyInPrivateFiles()
}

// The bound on requests in flight is the site's: however many workers
// wait on sinks, the Axero site never sees more than --concurrency at once.
func TestBulkDeliveryKeepsTheSitesConcurrencyBound(t *testing.T) {
	e := newBulkEnv(t, 30)
	e.srv.SetFaults(emulator.Faults{Latency: 5 * time.Millisecond})
	e.srv.ResetInFlight()
	r := e.run(e.bin, nil, "token", "create-for-user", "--from", "users.csv", "--out", "out.jsonl", "--to", vaultTo, "--concurrency", "2")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if _, peak := e.srv.InFlight(); peak > 2 {
		t.Fatalf("%d requests in flight at the site, with --concurrency 2", peak)
	}
	e.checkHeld(e.records("out.jsonl"))
}

// bulkCrashPoints are the steps of a row a kill may fall between, for a
// run with two sinks (retired only for a renewal).
var bulkCrashPoints = []string{
	"row:intent", "row:mint", "row:minted",
	"row:put:1", "row:put:1:done", "row:verify:1", "row:verify:1:done",
	"row:put:2", "row:put:2:done", "row:verify:2", "row:verify:2:done",
	"row:delivered", "row:commit:1", "row:commit:1:done", "row:commit:2", "row:commit:2:done", "row:committed",
}

// Killed with SIGKILL at every step, at a random row, a bulk create and a
// bulk renewal are finished by --resume; right after each kill an old
// token is revoked only when every sink of its user holds the replacement,
// and once resumed every token minted is in --out and in every sink, or
// revoked.
func TestBulkDeliveryKilledAtEveryStepThenResumed(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	bin, err := crashBinary()
	if err != nil {
		t.Fatal(err)
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 17)) //nolint:gosec // which row a kill falls on, not a secret
	const n = 4
	for _, verb := range []string{"create", "rotate"} {
		points := bulkCrashPoints
		if verb == "rotate" {
			points = append(points[:len(points):len(points)], "row:retired")
		}
		for _, point := range points {
			at := fmt.Sprintf("%s@%d", point, 1+rng.IntN(n))
			t.Run(verb+"/"+at, func(t *testing.T) {
				e := newBulkEnv(t, n)
				if err := os.Mkdir(e.path("tokens"), 0o700); err != nil {
					t.Fatal(err)
				}
				sinks := []string{"--to", vaultTo, "--to", "file:" + e.path("tokens") + "/{{.UserName}}.token"}
				args := append([]string{"token", "create-for-user", "--from", "users.csv", "--out", "out.jsonl"}, sinks...)
				var old []tokenfile.Record
				if verb == "rotate" {
					if r := e.run(e.bin, nil, "token", "create-for-user", "--from", "users.csv", "--out", "old.jsonl"); r.code != 0 {
						t.Fatalf("exit %d\n%s", r.code, r.stderr)
					}
					old = e.records("old.jsonl")
					args = append([]string{"token", "rotate", "--from", "old.jsonl", "--out", "out.jsonl"}, sinks...)
				}
				r := e.run(bin, map[string]string{"AXERO_TEST_CRASH_AT": at}, args...)
				if r.signal != syscall.SIGKILL {
					t.Fatalf("the run was not killed at %s: exit %d\n%s", at, r.code, r.stderr)
				}
				e.checkRetiredOnlyWhenDelivered(old)

				// --resume takes the sinks from the journal.
				resume := append([]string{}, args[:len(args)-len(sinks)]...)
				r = e.run(bin, nil, append(resume, "--resume")...)
				if r.code != 0 {
					t.Fatalf("resume after %s: exit %d\n%s", at, r.code, r.stderr)
				}
				e.noSecretIn("stderr", r.stderr)
				e.noSecretIn("the journal", e.read("out.jsonl.journal"))
				e.checkRetiredOnlyWhenDelivered(old)
				e.checkEveryMintedTokenDeliveredOrRevoked(old, n)
				e.secretsOnlyInPrivateFiles()
			})
		}
	}
}

// checkRetiredOnlyWhenDelivered: every old token that no longer works
// has its replacement (a live token of the same user, in --out) in every
// sink of its user.
func (e *deliveryEnv) checkRetiredOnlyWhenDelivered(old []tokenfile.Record) {
	e.t.Helper()
	for _, o := range old {
		if e.works(o.Token) {
			continue
		}
		name := userName(o.UserID)
		for sinkName, v := range map[string]string{"vault": e.vaultToken(name), "file": e.fileToken(name)} {
			ts, live := e.tokenOf(v)
			if !live || ts.UserID != o.UserID || ts.TokenID == o.TokenID {
				e.t.Fatalf("the old token of %s is revoked, but its %s sink holds no live replacement", name, sinkName)
			}
		}
	}
}

// checkEveryMintedTokenDeliveredOrRevoked: each user has exactly one live
// token from the run, which is in --out and in both of its sinks; every
// other token the run minted is revoked.
func (e *deliveryEnv) checkEveryMintedTokenDeliveredOrRevoked(old []tokenfile.Record, n int) {
	e.t.Helper()
	oldIDs := map[int64]bool{}
	for _, o := range old {
		oldIDs[o.TokenID] = true
	}
	inOut := map[int64]tokenfile.Record{}
	for _, r := range e.records("out.jsonl") {
		inOut[r.TokenID] = r
	}
	perUser := map[int64]int{}
	for _, ts := range e.srv.Tokens() {
		if ts.Revoked || !ts.IsImpersonation || oldIDs[ts.TokenID] {
			continue
		}
		perUser[ts.UserID]++
		r, ok := inOut[ts.TokenID]
		name := userName(ts.UserID)
		switch {
		case !ok:
			e.t.Errorf("token %d of %s is live but not in --out", ts.TokenID, name)
		case e.vaultToken(name) != r.Token || e.fileToken(name) != r.Token:
			e.t.Errorf("token %d of %s is live but not in both its sinks", ts.TokenID, name)
		}
	}
	for uid := int64(1001); uid <= int64(1000+n); uid++ {
		if perUser[uid] != 1 {
			e.t.Errorf("%s has %d live tokens from the run, want 1", userName(uid), perUser[uid])
		}
	}
	for _, o := range old {
		if e.works(o.Token) {
			e.t.Errorf("the old token of %s still works after the renewal finished", userName(o.UserID))
		}
	}
}

// A user whose fields would change a sink's meaning (a name with '/' and
// "..") fails its own row, nothing minted for it; the others go on.
func TestBulkCreateRefusesAUserThatWouldChangeItsSink(t *testing.T) {
	e := newBulkEnv(t, 2)
	if err := e.srv.AddUser(client.User{UserID: 2000, UserName: "x/../../sys", Email: "x@example.com", DisplayName: "X"}, false); err != nil {
		t.Fatal(err)
	}
	e.write("users.csv", "user\n2000\nuser0001\nuser0002\n")
	r := e.run(e.bin, nil, "token", "create-for-user", "--from", "users.csv", "--out", "out.jsonl", "--to", vaultTo)
	if r.code != 5 || !strings.Contains(r.stderr, "minted 2, delivered 2, delivery failed 0, skipped 0, failed 1") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	failed := e.read("out.jsonl.failed.csv")
	if !strings.Contains(failed, `2000,"the user's UserName ""x/../../sys"" cannot be put into a sink`) || !strings.Contains(failed, "nothing was minted for this row") {
		t.Fatalf("failed file:\n%s", failed)
	}
	for _, ts := range e.srv.Tokens() {
		if ts.UserID == 2000 {
			t.Fatal("a token was minted for the user that cannot be put into its sink")
		}
	}
	if _, _, ok := e.set.Vault.Read("", "secret", "sys"); ok {
		t.Fatal("something was written outside secret/axero/")
	}
	e.checkHeld(e.records("out.jsonl"))
}

// A hidden GitLab variable can never be read back: a run killed after
// putting it, before verifying it, is resumed by putting it again, and
// the variable ends holding the live token.
func TestBulkResumePutsAHiddenGitLabVariableAgain(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	bin, err := crashBinary()
	if err != nil {
		t.Fatal(err)
	}
	e := newBulkEnv(t, 3)
	args := []string{"token", "create-for-user", "--from", "users.csv", "--out", "out.jsonl", "--to", "gitlab:project/acme/api#AXERO_TOKEN_{{.UserID}}?hidden=true"}
	r := e.run(bin, map[string]string{"AXERO_TEST_CRASH_AT": "row:put:1:done@2"}, args...)
	if r.signal != syscall.SIGKILL {
		t.Fatalf("not killed: exit %d\n%s", r.code, r.stderr)
	}
	r = e.run(bin, nil, "token", "create-for-user", "--from", "users.csv", "--out", "out.jsonl", "--resume")
	if r.code != 0 || !strings.Contains(r.stderr, "delivered") {
		t.Fatalf("resume: exit %d\n%s", r.code, r.stderr)
	}
	recs := e.records("out.jsonl")
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	for _, rec := range recs {
		v, ok := e.set.GitLab.Variable("projects", "acme/api", fmt.Sprintf("AXERO_TOKEN_%d", rec.UserID), "*")
		if !ok || v.Value != rec.Token || !v.Hidden {
			t.Fatalf("the variable of %s: %+v, %v", userName(rec.UserID), ok, v.Hidden)
		}
		if _, live := e.tokenOf(rec.Token); !live {
			t.Fatalf("the token of %s is not live", userName(rec.UserID))
		}
	}
	e.noSecretIn("the journal", e.read("out.jsonl.journal"))
}
