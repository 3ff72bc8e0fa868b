package output

import (
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// Fit names, by header, the columns of a table that may give way when the
// table is wider than the terminal, the way gh's tables do. Columns it
// does not name keep their full width.
type Fit struct {
	// Truncate lists columns of free text (names, messages) that may be
	// cut short with an ellipsis: the widest is cut first, and none below
	// minCutWidth columns (or its header's width).
	Truncate []string
	// Drop lists columns that may be left out, the least important
	// first, when cutting is not enough.
	Drop []string
	// Wrap lists columns of prose (a status, a problem and what to do
	// about it) that are wrapped onto more lines rather than cut, within
	// their column, down to minWrapWidth columns, once every Drop column
	// is left out.
	Wrap []string
}

// minCutWidth is the narrowest a cut column gets: enough to tell most
// names apart.
const minCutWidth = 12

// minWrapWidth is the narrowest a wrapped column gets.
const minWrapWidth = 24

// columnGap separates the columns of an aligned table.
const columnGap = "  "

// ellipsis ends a cut cell.
const ellipsis = "…"

// displayWidth measures what a terminal shows: wide (East Asian)
// characters take two columns, combining marks none. Ambiguous-width
// characters count as one, whatever the locale, so that a table is laid
// out the same everywhere.
var displayWidth = &runewidth.Condition{EastAsianWidth: false}

// fitColumns decides which columns a table keeps and how wide each is, so
// that its lines fit within limit columns (0: no limit). natural is each
// column's widest cell, header included. It first narrows the Truncate
// columns, widest first; when they are all as narrow as they may get, it
// leaves out the Drop columns one by one, least important first, and
// fits again (a column left out gives the others back their room); with
// every Drop column gone, the Wrap columns narrow too. A table that cannot
// fit even then is shown at its narrowest, and the terminal wraps it.
func fitColumns(headers []string, headerWidths, natural []int, fit Fit, limit int) (keep []bool, widths []int) {
	index := make(map[string]int, len(headers))
	for i, h := range headers {
		index[h] = i
	}
	columns := func(names []string) []int {
		var out []int
		for _, n := range names {
			if i, ok := index[n]; ok {
				out = append(out, i)
			}
		}
		return out
	}
	cut, drop := columns(fit.Truncate), columns(fit.Drop)
	floors := make([]int, len(natural))
	for _, i := range cut {
		floors[i] = max(headerWidths[i], min(natural[i], minCutWidth))
	}
	// A wrapped column gives way like a cut one, but only once no column
	// is left to leave out: a row on two lines is harder to scan than a
	// row without a minor column.
	wrap := columns(fit.Wrap)
	for _, i := range wrap {
		floors[i] = max(headerWidths[i], min(natural[i], minWrapWidth))
	}
	cutOrWrap := append(append([]int(nil), wrap...), cut...)

	for dropped := 0; ; dropped++ {
		keep = make([]bool, len(natural))
		for i := range keep {
			keep[i] = true
		}
		for _, i := range drop[:dropped] {
			keep[i] = false
		}
		widths = append([]int(nil), natural...)
		if limit <= 0 {
			return keep, widths
		}
		excess := -limit
		shown := 0
		for i, w := range widths {
			if keep[i] {
				excess += w
				shown++
			}
		}
		if shown > 1 {
			excess += len(columnGap) * (shown - 1)
		}
		shrinkable := cut
		if dropped == len(drop) {
			shrinkable = cutOrWrap
		}
		for excess > 0 {
			// Narrow the widest column that may still give way by one.
			widest := -1
			for _, i := range shrinkable {
				if keep[i] && widths[i] > floors[i] && (widest < 0 || widths[i] > widths[widest]) {
					widest = i
				}
			}
			if widest < 0 {
				break
			}
			widths[widest]--
			excess--
		}
		if excess <= 0 || dropped == len(drop) {
			return keep, widths
		}
	}
}

// WrapText breaks s into lines of at most width columns, at spaces where
// it can (a word longer than a line is split), for prose on a terminal:
// a wrapped table cell, a doctor's detail. A width of 0 or less leaves s
// on one line.
func WrapText(s string, width int) []string {
	if width <= 0 || displayWidth.StringWidth(s) <= width {
		return []string{s}
	}
	var lines []string
	line, lineWidth := "", 0
	for _, word := range strings.Fields(s) {
		ww := displayWidth.StringWidth(word)
		switch {
		case lineWidth == 0:
		case lineWidth+1+ww <= width:
			line, lineWidth = line+" "+word, lineWidth+1+ww
			continue
		default:
			lines = append(lines, line)
		}
		for ww > width {
			head := displayWidth.Truncate(word, width, "")
			if head == "" {
				// A character wider than the whole line.
				_, size := utf8.DecodeRuneInString(word)
				head = word[:size]
			}
			lines = append(lines, head)
			word = word[len(head):]
			ww = displayWidth.StringWidth(word)
		}
		line, lineWidth = word, ww
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}
