package output

import (
	"bytes"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// renderGrid lays out rows that alignedLines has already escaped, cut and
// fitted (the first row is the header) with tablewriter: borderless, left
// aligned, the headers as given, columns two spaces apart, nothing
// wrapped or rewritten, and no trailing blanks on a line.
func renderGrid(rows [][]string) []string {
	if len(rows) == 0 {
		return nil
	}
	var buf bytes.Buffer
	table := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders:  tw.BorderNone,
			Symbols:  tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{Lines: tw.LinesNone, Separators: tw.SeparatorsNone},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: columnGap, Overwrite: true}),
		tablewriter.WithTrimSpace(tw.Off),
	)
	table.Header(anySlice(rows[0]))
	for _, row := range rows[1:] {
		if err := table.Append(anySlice(row)); err != nil {
			return plainGrid(rows)
		}
	}
	if err := table.Render(); err != nil {
		return plainGrid(rows)
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(dropStrayResets(l), " ")
	}
	return lines
}

// dropStrayResets removes the colour resets tablewriter writes after a
// coloured cell's padding, where no colour is open: harmless on a screen,
// but noise in every captured line.
func dropStrayResets(line string) string {
	if !strings.Contains(line, ansiReset) {
		return line
	}
	var b strings.Builder
	open := false
	for len(line) > 0 {
		i := strings.IndexByte(line, 0x1b)
		if i < 0 {
			b.WriteString(line)
			break
		}
		b.WriteString(line[:i])
		line = line[i:]
		end := strings.IndexByte(line, 'm')
		if !strings.HasPrefix(line, "\x1b[") || end < 0 {
			b.WriteByte(line[0])
			line = line[1:]
			continue
		}
		seq := line[:end+1]
		line = line[end+1:]
		if seq == ansiReset {
			if !open {
				continue
			}
			open = false
		} else {
			open = true
		}
		b.WriteString(seq)
	}
	return b.String()
}

func anySlice(row []string) []any {
	out := make([]any, len(row))
	for i, c := range row {
		out[i] = c
	}
	return out
}

// plainGrid is the grid joined by the column gap, for the renderer's
// failure, which never happens with cells already laid out.
func plainGrid(rows [][]string) []string {
	lines := make([]string, len(rows))
	for i, row := range rows {
		lines[i] = strings.TrimRight(strings.Join(row, columnGap), " ")
	}
	return lines
}
