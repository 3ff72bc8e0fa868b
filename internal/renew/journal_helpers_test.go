package renew

import (
	"fmt"
	"os"

	"github.com/axero-cli/axero/internal/bulk"
)

// readJournalState reads what the journal at path says, refusing one
// with damaged lines.
func readJournalState(path string) (*journalState, error) {
	st := newJournalState()
	f, err := os.Open(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	js, err := bulk.ScanJournal(f, st.add)
	if err == nil && (js.Damaged > 0 || js.Header == nil) {
		err = fmt.Errorf("the journal has %d damaged lines (header %v)", js.Damaged, js.Header != nil)
	}
	return st, err
}
