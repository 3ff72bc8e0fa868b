package output

import (
	"bytes"
	"encoding/csv"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/axero-cli/axero/internal/textsafe"
)

// TableData is what a command shows as a table: one header per column and
// one row of cells per record.
type TableData struct {
	Headers []string
	Rows    [][]string
}

// writeAligned renders an aligned, borderless table with its headers as
// given (tablewriter upper-cases and rewrites them by default).
//
// Cells go through terminalCell, so a name holding a line break or an
// escape sequence can neither shift the columns nor drive the terminal, and
// the padding after the last column is trimmed so that lines carry no
// trailing blanks.
func writeAligned(w io.Writer, t TableData) error {
	var buf bytes.Buffer
	table := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Lines:      tw.LinesNone,
				Separators: tw.SeparatorsNone,
			},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
		tablewriter.WithTrimSpace(tw.Off),
	)
	table.Header(t.Headers)
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = terminalCell(c)
		}
		if err := table.Append(cells); err != nil {
			return err
		}
	}
	if err := table.Render(); err != nil {
		return err
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line == "" {
			continue
		}
		out.WriteString(strings.TrimRight(line, " \n"))
		out.WriteByte('\n')
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// writeTSV writes one line per row, cells separated by tabs, with no
// header: the form `cut`, `awk` and `while read` expect. Cells go through
// terminalCell: a tab or line break inside a cell is written as \t or \n,
// so each record stays one line and its columns stay where they are.
func writeTSV(w io.Writer, t TableData) error {
	var b strings.Builder
	for _, row := range t.Rows {
		for i, cell := range row {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(terminalCell(cell))
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// terminalCell makes a cell safe to print on a terminal: every control
// character (C0, C1, DEL), bidi control and invalid byte is shown escaped,
// so that server text cannot move the cursor, retitle the window, clear
// the screen or reorder what the columns show. A
// cell that Color wrapped keeps its colour; only the text inside is escaped.
func terminalCell(s string) string {
	for _, code := range ansi {
		if len(s) >= len(code)+len(ansiReset) && strings.HasPrefix(s, code) && strings.HasSuffix(s, ansiReset) {
			return code + textsafe.Terminal(s[len(code):len(s)-len(ansiReset)]) + ansiReset
		}
	}
	return textsafe.Terminal(s)
}

// writeCSV writes a header row and the rows, quoted as RFC 4180 requires.
// Every row cell goes through textsafe.CSVCell, so that a spreadsheet
// cannot evaluate a server-sent name as a formula; the headers are the
// command's own and are written as they are. The whole goes through
// textsafe.CSVEscaper: CSV cannot carry a control character in a form that
// survives a terminal, so cells show them escaped, as in TSV, whether
// stdout is a terminal or not.
func writeCSV(w io.Writer, t TableData) error {
	esc := textsafe.NewCSVEscaper(w)
	cw := csv.NewWriter(esc)
	if err := cw.Write(t.Headers); err != nil {
		return err
	}
	cells := make([]string, 0, len(t.Headers))
	for _, row := range t.Rows {
		cells = cells[:0]
		for _, c := range row {
			cells = append(cells, textsafe.CSVCell(c))
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return esc.Flush()
}
