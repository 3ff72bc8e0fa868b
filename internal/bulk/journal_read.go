package bulk

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// ReadJournal calls each for every complete record of the journal at path,
// in order. A missing journal has none. A torn last line (the process died
// while writing it) is skipped: the write it announced never happened,
// since intents are durable before their request is sent. Other
// operations than this package's (a renewal's, say) are passed through as
// they are, so that every bulk operation can keep its journal with
// Journal and read it back here.
func ReadJournal(path string, each func(JournalRecord) error) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the journal: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return nil // a last line without a newline is torn
		}
		if err != nil {
			return fmt.Errorf("reading the journal: %w", err)
		}
		var rec JournalRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			return fmt.Errorf("the journal %s is damaged at line %d", path, lineNo)
		}
		if err := each(rec); err != nil {
			return err
		}
	}
}
