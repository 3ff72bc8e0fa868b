package token

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/audit"
)

func auditRow(id int64) audit.Row {
	return audit.Row{UserID: 1001, UserName: "=cmd", TokenID: id, Name: "n", Type: audit.TypePersonal,
		Created: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Findings: []audit.Finding{audit.FindingStale}}
}

// The streamed JSON is one array whatever happens: empty, full, or cut
// short; and a run refused before any row prints nothing.
func TestJSONAuditSinkIsOneDocument(t *testing.T) {
	for _, c := range []struct {
		rows     int
		complete bool
		want     int // rows in the array; -1 for no output at all
	}{{0, true, 0}, {3, true, 3}, {2, false, 2}, {0, false, -1}} {
		var buf bytes.Buffer
		s := &jsonAuditSink{w: bufio.NewWriter(&buf)}
		for i := 0; i < c.rows; i++ {
			if err := s.emit(auditRow(int64(100 + i))); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.finish(c.complete); err != nil {
			t.Fatal(err)
		}
		if c.want < 0 {
			if buf.Len() != 0 {
				t.Errorf("%+v: printed %q", c, buf.String())
			}
			continue
		}
		var got []audit.Row
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil || len(got) != c.want {
			t.Errorf("%+v: %d rows, %v, from %q", c, len(got), err, buf.String())
		}
	}
}

// The CSV header comes with the first row or at the end of a complete
// scan, never from a run refused before it began.
func TestCSVAuditSinkHeader(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	s := &csvAuditSink{w: w, cw: csv.NewWriter(w)}
	if err := s.finish(false); err != nil || buf.Len() != 0 {
		t.Fatalf("a refused run printed %q (%v)", buf.String(), err)
	}
	s = &csvAuditSink{w: w, cw: csv.NewWriter(w)}
	if err := s.emit(auditRow(7)); err != nil {
		t.Fatal(err)
	}
	if err := s.finish(true); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(recs) != 2 || recs[0][2] != "TokenID" || recs[1][2] != "7" || recs[1][1] != "'=cmd" {
		t.Fatalf("CSV %q: %v", recs, err)
	}
}
