package bulk

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"
)

// maxJournalLine bounds one journal line. A real record is a few hundred
// bytes: its user and name come from input fields of at most maxField
// bytes, which JSON may escape to six times their length. A longer line
// is damage, skipped without being held in memory, and encodeJournalLine
// never writes one.
const maxJournalLine = 64 << 10

// maxNamesPerUser bounds the distinct token names remembered per user.
const maxNamesPerUser = 8

// JournalState is what a journal says, read without trusting it.
type JournalState struct {
	// Header is the first line when it is a sound header, else nil: the
	// file is then no journal that axero can vouch for.
	Header *JournalRecord
	// Pending are the intents that no later record settles, in journal
	// order: the creates whose outcome a crashed run never learned.
	Pending []pendingIntent
	// Names are the token names each user's intents were for, so that a
	// recheck finds tokens minted under a name this run would not render
	// (a template with the date, a run that spans midnight).
	Names map[int64][]string
	// Earliest is the earliest time any sound record carries.
	Earliest time.Time
	// RecheckSince is set once a run found the journal untrustworthy:
	// every later run checks each user's tokens created since then.
	RecheckSince time.Time

	Lines        int   // complete lines
	Damaged      int   // complete lines that failed their checksum or did not parse
	FirstDamaged int   // the first damaged line's number
	Size         int64 // bytes up to the end of the last complete line
	Total        int64 // bytes read, a torn last line included
}

// Torn reports a last line without its newline: a process died while
// writing it (its create was never sent: intents are durable first), or
// the file was cut.
func (st *JournalState) Torn() bool { return st.Total > st.Size }

// ReadJournal reads a journal without trusting it: damaged lines are
// counted and skipped, a torn last line is left out, and what it keeps
// grows only with sound, checksummed records. Its error is a read error.
func ReadJournal(r io.Reader) (*JournalState, error) { return ScanJournal(r, nil) }

// ScanJournal is ReadJournal that also hands each sound record after the
// header to each, in order, when each is set: how another bulk operation
// (a renewal) reads back the records of its own that it journals.
func ScanJournal(r io.Reader, each func(JournalRecord)) (*JournalState, error) {
	st := &JournalState{Names: map[int64][]string{}}
	pending := map[int64]*pendingIntent{}
	var order []int64
	br := bufio.NewReaderSize(r, 4096)
	var line []byte
	for lineNo := 1; ; lineNo++ {
		var tooLong bool
		var err error
		line, tooLong, err = readJournalLine(br, line[:0], &st.Total)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the journal: %w", err)
		}
		st.Lines++
		st.Size = st.Total
		rec, ok := JournalRecord{}, false
		if !tooLong {
			rec, ok = decodeJournalLine(line)
		}
		if ok && lineNo == 1 {
			if rec.Op == opHeader && rec.V == journalVersion && validRunID(rec.Run) && rec.Out != "" {
				h := rec
				st.Header = &h
			} else {
				ok = false
			}
		} else if ok && rec.Op == opHeader {
			ok = false // a header belongs on the first line only
		}
		if !ok {
			st.Damaged++
			if st.FirstDamaged == 0 {
				st.FirstDamaged = lineNo
			}
			continue
		}
		if each != nil && rec.Op != opHeader {
			each(rec)
		}
		if !rec.At.IsZero() && (st.Earliest.IsZero() || rec.At.Before(st.Earliest)) {
			st.Earliest = rec.At
		}
		switch rec.Op {
		case opIntent:
			st.addName(rec.UserID, rec.Name)
			if p, ok := pending[rec.UserID]; ok && p.Name == rec.Name {
				// A retry of an unsettled attempt: keep the earliest time so
				// that reconciliation covers both.
				continue
			}
			if _, ok := pending[rec.UserID]; !ok {
				order = append(order, rec.UserID)
			}
			pending[rec.UserID] = &pendingIntent{User: rec.User, UserID: rec.UserID, Name: rec.Name, At: rec.At}
		case opDone, opFailed, opReconciled:
			delete(pending, rec.UserID)
		case opRecheck:
			if st.RecheckSince.IsZero() || rec.At.Before(st.RecheckSince) {
				st.RecheckSince = rec.At
			}
		}
	}
	st.Pending = make([]pendingIntent, 0, len(pending))
	for _, id := range order {
		if p, ok := pending[id]; ok {
			st.Pending = append(st.Pending, *p)
			delete(pending, id) // a user re-added later appears once
		}
	}
	return st, nil
}

func (st *JournalState) addName(userID int64, name string) {
	names := st.Names[userID]
	if len(names) >= maxNamesPerUser {
		return
	}
	for _, n := range names {
		if n == name {
			return
		}
	}
	st.Names[userID] = append(names, name)
}

// readJournalLine appends the next line, without its newline, to buf. A
// line longer than maxJournalLine is consumed but not kept (tooLong). A
// last line without a newline returns io.EOF, and total counts its bytes.
func readJournalLine(br *bufio.Reader, buf []byte, total *int64) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		*total += int64(len(chunk))
		if !tooLong {
			if len(buf)+len(chunk) > maxJournalLine+1 {
				tooLong, buf = true, buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch {
		case err == nil:
			if !tooLong {
				buf = buf[:len(buf)-1]
			}
			return buf, tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return buf, tooLong, err
		}
	}
}
