package output

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/axero-cli/axero/internal/textsafe"
)

// TableData is what a command shows as a table: one header per column and
// one row of cells per record, and how the table may give way on a
// terminal too narrow for it.
type TableData struct {
	Headers []string
	Rows    [][]string
	Fit     Fit
}

// writeAligned renders an aligned, borderless table, headers as given,
// columns two spaces apart, within width columns (0: no limit; see
// fitColumns for how a wide table gives way).
//
// Cells go through terminalCell, so a name holding a line break or an
// escape sequence can neither shift the columns nor drive the terminal.
// Widths are counted in what the terminal shows: wide characters take
// two columns, and the colour a command gave a cell (Color) takes none.
// Lines carry no trailing blanks.
func writeAligned(w io.Writer, t TableData, width int) error {
	var b strings.Builder
	for _, line := range alignedLines(t, width) {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// TableLines is the aligned table as lines, the header first, fitted to
// width (0: no limit), without colour: what a picker shows as its
// choices, each row one line.
func TableLines(t TableData, width int) []string {
	// One line per row: what would wrap is cut instead.
	fit := Fit{Truncate: append(append([]string(nil), t.Fit.Wrap...), t.Fit.Truncate...), Drop: t.Fit.Drop}
	plain := TableData{Headers: t.Headers, Fit: fit, Rows: make([][]string, len(t.Rows))}
	for i, row := range t.Rows {
		plain.Rows[i] = make([]string, len(row))
		for j, c := range row {
			_, plain.Rows[i][j] = splitColor(c)
		}
	}
	return alignedLines(plain, width)
}

// alignedLines lays the table out: every cell escaped and measured, the
// columns fitted to width, each cell cut or padded to its column.
func alignedLines(t TableData, width int) []string {
	n := len(t.Headers)
	for _, row := range t.Rows {
		n = max(n, len(row))
	}
	type cell struct {
		color, text string
		width       int
	}
	grid := make([][]cell, 0, len(t.Rows)+1)
	natural := make([]int, n)
	add := func(row []string) {
		cells := make([]cell, n)
		for i, raw := range row {
			code, inner := splitColor(raw)
			text := textsafe.Terminal(inner)
			cells[i] = cell{color: code, text: text, width: displayWidth.StringWidth(text)}
			natural[i] = max(natural[i], cells[i].width)
		}
		grid = append(grid, cells)
	}
	add(t.Headers)
	for _, row := range t.Rows {
		add(row)
	}
	headerWidths := make([]int, n)
	for i := range t.Headers {
		headerWidths[i] = grid[0][i].width
	}
	keep, widths := fitColumns(t.Headers, headerWidths, natural, t.Fit, width)
	wrapped := make([]bool, n)
	for _, h := range t.Fit.Wrap {
		for i := range t.Headers {
			if t.Headers[i] == h {
				wrapped[i] = true
			}
		}
	}

	rows := make([][]string, 0, len(grid))
	for _, cells := range grid {
		// A wrapped cell too wide for its column becomes several lines;
		// the row's other cells stay on its first.
		parts := make([][]string, n)
		height := 1
		for i, c := range cells {
			if keep[i] && wrapped[i] && c.width > widths[i] {
				parts[i] = WrapText(c.text, widths[i])
				height = max(height, len(parts[i]))
			}
		}
		for l := 0; l < height; l++ {
			row := make([]string, 0, n)
			for i, c := range cells {
				if !keep[i] {
					continue
				}
				text := c.text
				switch {
				case parts[i] != nil && l < len(parts[i]):
					text = parts[i][l]
				case l > 0:
					text = ""
				}
				if displayWidth.StringWidth(text) > widths[i] {
					text = displayWidth.Truncate(text, widths[i], ellipsis)
				}
				if c.color != "" && text != "" {
					text = c.color + text + ansiReset
				}
				row = append(row, text)
			}
			rows = append(rows, row)
		}
	}
	return renderGrid(rows)
}

// splitColor separates the colour Color wrapped a cell in from its text.
func splitColor(s string) (code, inner string) {
	for _, code := range ansi {
		if len(s) >= len(code)+len(ansiReset) && strings.HasPrefix(s, code) && strings.HasSuffix(s, ansiReset) {
			return code, s[len(code) : len(s)-len(ansiReset)]
		}
	}
	return "", s
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
// the screen or reorder what the columns show. A cell that Color wrapped
// keeps its colour; only the text inside is escaped.
func terminalCell(s string) string {
	if code, inner := splitColor(s); code != "" {
		return code + textsafe.Terminal(inner) + ansiReset
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
