package revoke_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/revoke"
	"github.com/axero-cli/axero/internal/tokenfile"
)

// The documented clean-up path: audit's CSV, fed to bulk revoke, revokes
// exactly the tokens it lists, under faults, and a re-run is a no-op.
func TestAuditCSVRevokesExactlyItsTokensUnderFaults(t *testing.T) {
	s := site(t)
	dir := t.TempDir()
	path, ids := auditCSV(t, s, dir)
	if len(ids) != 10 {
		t.Fatalf("audit reported %d stale tokens, want 10", len(ids))
	}
	before := live(s)
	plan, err := revoke.ReadPlan(path, 3, 0)
	if err != nil || plan.Tokens != 10 || plan.Users != 10 || len(plan.Sample) != 3 {
		t.Fatalf("plan %+v, err %v", plan, err)
	}
	s.SetFaults(emulator.Faults{Latency: time.Millisecond, FailRate503: 0.05, FailRate500: 0.1, RateLimit: 40, TruncateNext: 3})
	sum, _, err := runRevoke(t, s, s.SeedToken("admin"), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.SetFaults(emulator.Faults{})
	if sum.Revoked+sum.AlreadyRevoked != 10 || sum.Partial() || sum.FailedPath != "" {
		t.Fatalf("summary %+v", sum)
	}
	after := live(s)
	for _, id := range ids {
		if after[id] {
			t.Errorf("token %d is still live", id)
		}
		delete(before, id)
	}
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("revoked other tokens than those listed:\nlive %v\nwant %v", after, before)
	}

	deletes := s.RequestCount("DELETE", "/api/bearertokens")
	sum, _, err = runRevoke(t, s, s.SeedToken("admin"), path, nil)
	if err != nil || sum.AlreadyRevoked != 10 || sum.Partial() {
		t.Fatalf("re-run: %+v, %v", sum, err)
	}
	if n := s.RequestCount("DELETE", "/api/bearertokens"); n != deletes {
		t.Errorf("the re-run sent %d revokes", n-deletes)
	}
}

// A row that names the wrong owner is refused and goes to the failed
// file, which can be fixed and fed back.
func TestRevokeRefusesATokenOfAnotherUser(t *testing.T) {
	s := site(t)
	dir := t.TempDir()
	tok1001 := tokenOf(t, s, 1001, "healthy")
	tok1002 := tokenOf(t, s, 1002, "healthy")
	tok1003 := tokenOf(t, s, 1003, "healthy")
	from := writeFile(t, dir, "mixed.csv", fmt.Sprintf("UserID,TokenID,note\n1002,%d,wrong owner\n1002,%d,right\n,%d,no owner given\nx,1,bad\n", tok1001, tok1002, tok1003))
	sum, results, err := runRevoke(t, s, s.SeedToken("admin"), from, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Refused != 1 || sum.Revoked != 2 || sum.Failed != 1 || !sum.Partial() {
		t.Fatalf("summary %+v", sum)
	}
	for _, r := range results {
		if r.Outcome == revoke.Refused && !strings.Contains(r.Reason, "belongs to UserID 1001") {
			t.Errorf("reason %q", r.Reason)
		}
	}
	if l := live(s); l[tok1002] || l[tok1003] || !l[tok1001] {
		t.Error("revoked other tokens than the rows that were right")
	}
	if sum.FailedPath != from+".revoke-failed.csv" {
		t.Fatalf("failed path %q", sum.FailedPath)
	}
	recs := readCSV(t, sum.FailedPath)
	if len(recs) != 3 || strings.Join(recs[0], ",") != "UserID,TokenID,note,reason" || recs[1][2] != "wrong owner" && recs[2][2] != "wrong owner" {
		t.Fatalf("failed file %q", recs)
	}
	info, _ := os.Stat(sum.FailedPath)
	if info.Mode().Perm() != 0o600 {
		t.Errorf("failed file mode %v", info.Mode())
	}
	// Fed back as it is, the failed file is replaced by the new one.
	sum, _, err = runRevoke(t, s, s.SeedToken("admin"), sum.FailedPath, nil)
	if err != nil || sum.Refused != 1 || sum.Failed != 1 || sum.FailedPath != from+".revoke-failed.csv" || len(readCSV(t, sum.FailedPath)) != 3 {
		t.Fatalf("re-fed failed file: %+v %v", sum, err)
	}
}

func tokenOf(t *testing.T, s *emulator.Server, uid int64, name string) int64 {
	t.Helper()
	for _, tok := range s.Tokens() {
		if tok.UserID == uid && tok.Name == name && !tok.Revoked {
			return tok.TokenID
		}
	}
	t.Fatalf("no token %s of %d", name, uid)
	return 0
}

func TestDryRunChangesNothing(t *testing.T) {
	s := site(t)
	dir := t.TempDir()
	path, ids := auditCSV(t, s, dir)
	before := live(s)
	sum, results, err := runRevoke(t, s, s.SeedToken("admin"), path, func(o *revoke.Options) { o.DryRun = true })
	if err != nil {
		t.Fatal(err)
	}
	if sum.WouldRevoke != len(ids) || len(results) != 0 || sum.Revoked != 0 {
		t.Errorf("summary %+v", sum)
	}
	if fmt.Sprint(live(s)) != fmt.Sprint(before) || s.RequestCount("DELETE", "/") != 0 {
		t.Error("a dry run revoked tokens")
	}
	if _, err := os.Lstat(path + ".revoke-failed.csv"); !errors.Is(err, os.ErrNotExist) {
		t.Error("a dry run wrote a failed file")
	}
}

// Expired tokens count as done and are left alone.
func TestExpiredTokensAreDone(t *testing.T) {
	s := site(t)
	ids, err := s.SeedHistory([]emulator.HistoryToken{{UserID: 1005, Name: "old", Created: *at(-400), Expires: at(-5)}})
	if err != nil {
		t.Fatal(err)
	}
	from := writeFile(t, t.TempDir(), "x.csv", fmt.Sprintf("TokenID,UserID\n%d,1005\n", ids[0]))
	sum, _, err := runRevoke(t, s, s.SeedToken("admin"), from, nil)
	if err != nil || sum.Expired != 1 || s.RequestCount("DELETE", "/") != 0 {
		t.Fatalf("summary %+v err %v", sum, err)
	}
}

// The audit's JSON, as an array or as lines, and create-for-user's output
// files are valid input.
func TestEveryAxeroOutputIsValidInput(t *testing.T) {
	s := site(t)
	dir := t.TempDir()
	admin := newClient(t, s, s.SeedToken("admin"))
	mint := func(uid int64) tokenfile.Record {
		ct, err := s.MintToken(uid, "bulk", at(30), emulator.AdminID)
		if err != nil {
			t.Fatal(err)
		}
		return tokenfile.RecordFor(fmt.Sprint(uid), &ct)
	}
	// create-for-user output: JSON Lines and CSV, written by its own writer.
	jsonl := filepath.Join(dir, "tokens.jsonl")
	csvOut := filepath.Join(dir, "tokens.csv")
	var want []int64
	for _, p := range []string{jsonl, csvOut} {
		w, err := tokenfile.CreateOutput(p)
		if err != nil {
			t.Fatal(err)
		}
		for uid := int64(1001); uid <= 1003; uid++ {
			r := mint(uid)
			want = append(want, r.TokenID)
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		_ = w.Close()
	}
	// The audit's JSON: an array and lines.
	var arr []map[string]any
	var lines strings.Builder
	for uid := int64(1004); uid <= 1005; uid++ {
		r := mint(uid)
		want = append(want, r.TokenID)
		row := map[string]any{"UserID": r.UserID, "UserName": "x", "TokenID": r.TokenID, "Findings": []string{"impersonation"}}
		arr = append(arr, row)
		r2 := mint(uid)
		want = append(want, r2.TokenID)
		b, _ := json.Marshal(map[string]any{"UserID": fmt.Sprint(r2.UserID), "TokenID": r2.TokenID})
		lines.Write(b)
		lines.WriteString("\n")
	}
	b, _ := json.MarshalIndent(arr, "", "  ")
	arrPath := writeFile(t, dir, "audit.json", string(b))
	linesPath := writeFile(t, dir, "audit.jsonl", lines.String())
	_ = admin
	for _, p := range []string{jsonl, csvOut, arrPath, linesPath} {
		sum, _, err := runRevoke(t, s, s.SeedToken("admin"), p, nil)
		if err != nil || sum.Revoked == 0 || sum.Partial() {
			t.Errorf("%s: %+v %v", filepath.Base(p), sum, err)
		}
	}
	l := live(s)
	for _, id := range want {
		if l[id] {
			t.Errorf("token %d still live", id)
		}
	}
}

// A failed row of create-for-user's CSV output keeps its columns but not
// its secret, and a JSON input's failed rows are TokenID,UserID,reason.
func TestFailedFilesCarryNoSecrets(t *testing.T) {
	s := site(t)
	dir := t.TempDir()
	ct, err := s.MintToken(1001, "bulk", at(30), emulator.AdminID)
	if err != nil {
		t.Fatal(err)
	}
	r := tokenfile.RecordFor("1002", &ct)
	r.UserID = 1002 // a mixed-up file
	csvOut := filepath.Join(dir, "tokens.csv")
	w, _ := tokenfile.CreateOutput(csvOut)
	_ = w.Write(r)
	_ = w.Close()
	sum, _, err := runRevoke(t, s, s.SeedToken("admin"), csvOut, nil)
	if err != nil || sum.Refused != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	data, _ := os.ReadFile(sum.FailedPath)
	if strings.Contains(string(data), ct.Secret) || !strings.HasPrefix(string(data), "user,UserID,TokenID,name,expiry,token,reason\n") {
		t.Errorf("failed file:\n%s", data)
	}

	js := writeFile(t, dir, "a.jsonl", fmt.Sprintf(`{"TokenID": %d, "UserID": 1002, "token": %q}`+"\n", ct.TokenID, ct.Secret))
	sum, _, err = runRevoke(t, s, s.SeedToken("admin"), js, nil)
	if err != nil || sum.Refused != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	recs := readCSV(t, sum.FailedPath)
	if len(recs) != 2 || strings.Join(recs[0], ",") != "TokenID,UserID,reason" || recs[1][0] != fmt.Sprint(ct.TokenID) || recs[1][1] != "1002" {
		t.Errorf("failed file %q", recs)
	}
}

// The failed file never overwrites someone else's file nor follows a
// symlink, and the refusal comes before anything changes.
func TestFailedFileIsCreatedSafely(t *testing.T) {
	s := site(t)
	dir := t.TempDir()
	path, _ := auditCSV(t, s, dir)
	before := live(s)
	foreign := writeFile(t, dir, "notes.txt", "my notes\n")
	if _, _, err := runRevoke(t, s, s.SeedToken("admin"), path, func(o *revoke.Options) { o.FailedPath = foreign }); err == nil || !strings.Contains(err.Error(), "not a failed file") {
		t.Errorf("foreign file: %v", err)
	}
	link := filepath.Join(dir, "link.csv")
	target := writeFile(t, dir, "target.csv", "TokenID,reason\n")
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	if _, _, err := runRevoke(t, s, s.SeedToken("admin"), path, func(o *revoke.Options) { o.FailedPath = link }); err == nil {
		t.Error("a symlink was accepted as the failed file")
	}
	if data, _ := os.ReadFile(foreign); string(data) != "my notes\n" { //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
		t.Error("the foreign file changed")
	}
	if fmt.Sprint(live(s)) != fmt.Sprint(before) {
		t.Error("tokens were revoked although the failed file was refused")
	}
}

func TestInputProblemsAreOneLineErrors(t *testing.T) {
	s := site(t)
	dir := t.TempDir()
	for name, content := range map[string]string{
		"empty.csv":   " \n",
		"nocol.csv":   "user,name\n1001,x\n",
		"broken.json": "[{\"TokenID\": 1},",
	} {
		_, _, err := runRevoke(t, s, s.SeedToken("admin"), writeFile(t, dir, name, content), nil)
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if s.RequestCount("DELETE", "/") != 0 {
		t.Error("a broken input revoked something")
	}
}
