package tokenfile

import (
	"encoding/csv"
	"io"

	"github.com/axero-cli/axero/internal/textsafe"
)

// CSVWriter writes CSV rows whose every cell is neutralised for
// spreadsheets (textsafe.CSVCell), flushing each row: a dry run's plan,
// whose names come from the server, and the failed files.
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
	if err := c.w.Write(textsafe.CSVRow(append([]string(nil), cells...))); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}
