package token

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/audit"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/output"
)

// auditSink receives the audit's rows as they are found and writes them
// in the chosen format. The machine formats (piped TSV, CSV, JSON) are
// written row by row, so an audit of any size runs in flat memory; the
// table, YAML and --jq need every row before the first line (to align,
// to sort, or to hand jq one document), so they hold the rows, a few
// hundred bytes each, until the end.
type auditSink interface {
	emit(audit.Row) error
	// finish writes what is still to be written. complete says the scan
	// ran to its end; an interrupted one still gets well-formed output
	// for what it found.
	finish(complete bool) error
}

// newAuditSink picks the sink for the output options and the terminal.
func newAuditSink(f *cmdutil.Factory, o output.Options, now time.Time) auditSink {
	w := bufio.NewWriterSize(f.IO.Out, 64*1024)
	switch format := o.EffectiveFormat(); {
	case format == output.FormatCSV:
		return &csvAuditSink{w: w, cw: csv.NewWriter(textsafe.NewCSVEscaper(w))}
	case format == output.FormatJSON && o.JQ == "":
		return &jsonAuditSink{w: w}
	case format == output.FormatTable && !f.IO.IsStdoutTTY():
		return &tsvAuditSink{w: w}
	default:
		return &bufferedAuditSink{f: f, o: o, now: now}
	}
}

// csvAuditSink writes audit.CSVHeader and a record per row: the file that
// `token revoke --from` reads. The header waits for the first row or a
// complete scan, so a run refused before it starts prints nothing. Cells
// show control characters escaped (textsafe.CSVEscaper), as all CSV that
// axero prints does; revoke reads the IDs, which are digits.
type csvAuditSink struct {
	w      *bufio.Writer
	cw     *csv.Writer
	header bool
}

func (s *csvAuditSink) emit(r audit.Row) error {
	if err := s.writeHeader(); err != nil {
		return err
	}
	return s.cw.Write(r.CSVRecord())
}

func (s *csvAuditSink) writeHeader() error {
	if s.header {
		return nil
	}
	s.header = true
	return s.cw.Write(audit.CSVHeader)
}

func (s *csvAuditSink) finish(complete bool) error {
	if complete {
		if err := s.writeHeader(); err != nil {
			return err
		}
	}
	s.cw.Flush()
	if err := s.cw.Error(); err != nil {
		return err
	}
	return s.w.Flush()
}

// jsonAuditSink writes a JSON array, one row object per line, so that the
// whole is one JSON document (what jq and `token revoke --from` read)
// while it is still written row by row.
type jsonAuditSink struct {
	w       *bufio.Writer
	started bool
}

func (s *jsonAuditSink) emit(r audit.Row) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	raw = textsafe.JSON(raw)
	sep := ",\n"
	if !s.started {
		s.started, sep = true, "[\n"
	}
	if _, err := s.w.WriteString(sep); err != nil {
		return err
	}
	_, err = s.w.Write(raw)
	return err
}

func (s *jsonAuditSink) finish(complete bool) error {
	switch {
	case s.started:
		if _, err := s.w.WriteString("\n]\n"); err != nil {
			return err
		}
	case complete:
		if _, err := s.w.WriteString("[]\n"); err != nil {
			return err
		}
	}
	return s.w.Flush()
}

// tsvAuditSink writes headerless tab-separated lines, as every piped
// table does: the columns of the CSV, cells escaped for a terminal.
type tsvAuditSink struct {
	w *bufio.Writer
}

func (s *tsvAuditSink) emit(r audit.Row) error {
	for i, cell := range auditCells(r, false, time.Time{}) {
		if i > 0 {
			if err := s.w.WriteByte('\t'); err != nil {
				return err
			}
		}
		if _, err := s.w.WriteString(textsafe.Terminal(cell)); err != nil {
			return err
		}
	}
	return s.w.WriteByte('\n')
}

func (s *tsvAuditSink) finish(bool) error { return s.w.Flush() }

// bufferedAuditSink holds the rows for the table on a terminal, YAML and
// --jq, and prints them sorted by user and token at the end.
type bufferedAuditSink struct {
	f    *cmdutil.Factory
	o    output.Options
	now  time.Time
	rows []audit.Row
}

func (s *bufferedAuditSink) emit(r audit.Row) error {
	s.rows = append(s.rows, r)
	return nil
}

func (s *bufferedAuditSink) finish(complete bool) error {
	if len(s.rows) == 0 && !complete {
		return nil
	}
	if len(s.rows) == 0 && s.o.EffectiveFormat() == output.FormatTable {
		_, err := fmt.Fprintln(s.f.IO.Out, "No tokens match.")
		return err
	}
	slices.SortFunc(s.rows, func(a, b audit.Row) int {
		if a.UserID != b.UserID {
			return compareInt(a.UserID, b.UserID)
		}
		return compareInt(a.TokenID, b.TokenID)
	})
	rows := s.rows
	if rows == nil {
		rows = []audit.Row{}
	}
	return output.Print(s.f.IO, s.o, rows, func(tty bool) output.TableData {
		td := output.TableData{
			Headers: []string{"USER ID", "USER", "TOKEN ID", "NAME", "TYPE", "CREATED BY", "CREATED", "LAST USED", "EXPIRES", "FINDINGS"},
			// A narrow terminal cuts names first, then leaves out what the
			// other columns or the findings already say; FINDINGS stays whole.
			Fit: output.Fit{
				Truncate: []string{"NAME", "USER", "CREATED BY"},
				Drop:     []string{"USER ID", "CREATED", "CREATED BY", "TYPE", "LAST USED"},
			},
		}
		for _, r := range rows {
			cells := auditCells(r, tty, s.now)
			if tty {
				cells[8] = output.Tint(s.f.IO, output.ExpiryTone(r.Expires, s.now), cells[8])
			}
			td.Rows = append(td.Rows, cells)
		}
		return td
	})
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// auditCells are a row's cells for the table and TSV: times relative on a
// terminal, RFC 3339 UTC otherwise; "never" for a token never used or
// never expiring; findings joined by commas.
func auditCells(r audit.Row, tty bool, now time.Time) []string {
	last := "never"
	if r.LastUsed != nil {
		last = output.FormatTime(*r.LastUsed, tty, now)
	}
	createdBy := r.CreatedBy
	if createdBy == "" && r.CreatedByUserID != 0 {
		createdBy = "UserID " + strconv.FormatInt(r.CreatedByUserID, 10)
	}
	findings := make([]string, len(r.Findings))
	for i, x := range r.Findings {
		findings[i] = string(x)
	}
	return []string{
		strconv.FormatInt(r.UserID, 10),
		r.UserName,
		strconv.FormatInt(r.TokenID, 10),
		r.Name,
		r.Type,
		createdBy,
		output.FormatTime(r.Created, tty, now),
		last,
		output.FormatExpiry(r.Expires, tty, now),
		strings.Join(findings, ","),
	}
}
