package job

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// maxJournalLine bounds one journal line. A real record is a few hundred
// bytes: its user and name come from input fields of bounded length,
// which JSON may escape to six times their length. A longer line is
// damage, skipped without being held in memory, and encodeJournalLine
// never writes one.
const maxJournalLine = 64 << 10

// journalState is what a journal says, read without trusting it.
type journalState struct {
	// header is the first line when it is a sound header, else nil: the
	// file is then no journal that axero can vouch for.
	header *Record
	// earliest is the earliest time any sound record carries.
	earliest time.Time

	damaged      int   // complete lines that failed their checksum or did not parse
	firstDamaged int   // the first damaged line's number
	size         int64 // bytes up to the end of the last complete line
	total        int64 // bytes read, a torn last line included
}

// torn reports a last line without its newline: a process died while
// writing it (its create was never sent: intents are durable first), or
// the file was cut.
func (st *journalState) torn() bool { return st.total > st.size }

// scanJournal reads a journal without trusting it: damaged lines are
// counted and skipped, a torn last line is left out, and each sound
// record after the header is handed to each, in order. Its error is a
// read error.
func scanJournal(r io.Reader, each func(Record)) (*journalState, error) {
	st := &journalState{}
	br := bufio.NewReaderSize(r, 4096)
	var line []byte
	for lineNo := 1; ; lineNo++ {
		var tooLong bool
		var err error
		line, tooLong, err = readJournalLine(br, line[:0], &st.total)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the journal: %w", err)
		}
		st.size = st.total
		rec, ok := Record{}, false
		if !tooLong {
			rec, ok = decodeJournalLine(line)
		}
		if ok && lineNo == 1 {
			if validHeader(rec) {
				h := rec
				st.header = &h
			} else {
				ok = false
			}
		} else if ok && rec.Op == opHeader {
			ok = false // a header belongs on the first line only
		}
		if !ok {
			st.damaged++
			if st.firstDamaged == 0 {
				st.firstDamaged = lineNo
			}
			continue
		}
		if !rec.At.IsZero() && (st.earliest.IsZero() || rec.At.Before(st.earliest)) {
			st.earliest = rec.At
		}
		if rec.Op != opHeader && each != nil {
			each(rec)
		}
	}
	return st, nil
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

// validHeader reports a sound header: version 2 without sinks, or version
// 3 with between one and maxHeaderSinks of them.
func validHeader(rec Record) bool {
	if rec.Op != opHeader || !validRunID(rec.Run) || rec.Out == "" {
		return false
	}
	switch rec.V {
	case journalVersion:
		return len(rec.Sinks) == 0
	case journalVersionDelivers:
		return len(rec.Sinks) > 0 && len(rec.Sinks) <= maxHeaderSinks && !slices.Contains(rec.Sinks, "")
	}
	return false
}
