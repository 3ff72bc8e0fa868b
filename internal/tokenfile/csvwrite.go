package tokenfile

import (
	"encoding/csv"
	"io"

	"github.com/axero-cli/axero/internal/textsafe"
)

// CSVWriter writes CSV rows whose every cell is neutralised for
// spreadsheets (textsafe.CSVCell): a dry run's plan, whose names come from
// the server, and the failed files. Rows are buffered (a few kilobytes)
// until Flush.
type CSVWriter struct{ w *csv.Writer }

// NewCSVWriter writes header, then rows, to w. A nil w gives a nil
// writer, which writes nothing.
func NewCSVWriter(w io.Writer, header ...string) (*CSVWriter, error) {
	if w == nil {
		return nil, nil
	}
	c := &CSVWriter{w: csv.NewWriter(w)}
	return c, c.Row(header...)
}

// Row writes one row.
func (c *CSVWriter) Row(cells ...string) error {
	if c == nil {
		return nil
	}
	return c.w.Write(textsafe.CSVRow(append([]string(nil), cells...)))
}

// Flush writes out the rows buffered.
func (c *CSVWriter) Flush() error {
	if c == nil {
		return nil
	}
	c.w.Flush()
	return c.w.Error()
}
