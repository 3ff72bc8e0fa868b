package job

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/axero-cli/axero/internal/safefile"
)

// The sinks of a run that delivers each token (--to) are fixed when the
// output's first run starts: the journal's header names them (and the
// lock file how many there are), and every resume delivers to exactly
// those, so that a token minted by one run is never left behind by a
// later run that forgot a sink, and no sink is added to tokens that an
// earlier run already finished.

// SinksError is a resume whose sinks are not the earlier run's. It is the
// caller's to fix.
type SinksError struct {
	Out      string
	Recorded []string // the header's; none when the run delivers nowhere
	Given    []string
	// Unknown: the journal is gone, and the lock file says the run
	// delivered to sinks, so only the user can say which.
	Unknown bool
}

func (e *SinksError) Error() string {
	switch {
	case e.Unknown:
		return fmt.Sprintf("the journal of --out %s is missing, and its run delivered each token to sinks: give the same --to and --sinks again with --resume", e.Out)
	case len(e.Recorded) == 0:
		return fmt.Sprintf("the run of --out %s delivers its tokens to --out only: --resume cannot add --to or --sinks to it", e.Out)
	}
	return fmt.Sprintf("--resume delivers to the sinks the run of --out %s records (%s); leave out --to and --sinks, or give exactly those", e.Out, strings.Join(e.Recorded, ", "))
}

// Usage reports that the command line is to be fixed (exit 2).
func (e *SinksError) Usage() bool { return true }

// Earlier is what the files of an earlier run of an output say about its
// sinks, read before a resume takes the lock.
type Earlier struct {
	// Known: the journal's header was read; Sinks are its sink templates
	// (none for a run that delivers nowhere).
	Known bool
	Sinks []string
	// Delivering: with no journal to read, the lock file says the run
	// delivered to sinks.
	Delivering bool
}

// EarlierSinks reads what the earlier run of out recorded about its
// sinks. Nothing there (no earlier run) is an Earlier with nothing known.
func EarlierSinks(out string) (Earlier, error) {
	var e Earlier
	f, err := safefile.OpenExisting(JournalPath(out), os.O_RDONLY, true)
	if err != nil {
		return e, err
	}
	if f != nil {
		var total int64
		line, tooLong, rerr := readJournalLine(bufio.NewReaderSize(f, 4096), nil, &total)
		_ = f.Close()
		if rerr == nil && !tooLong {
			if h, ok := decodeJournalLine(line); ok && validHeader(h) {
				return Earlier{Known: true, Sinks: h.Sinks}, nil
			}
		}
	}
	lf, err := safefile.OpenExisting(LockPath(out), os.O_RDONLY, false)
	if err != nil || lf == nil {
		return e, err
	}
	defer func() { _ = lf.Close() }()
	info, _ := readLockInfo(lf)
	e.Delivering = info.Sinks > 0
	return e, nil
}

// ResumeSinks are the sinks a resume of out delivers to, given those of
// the command line: the earlier run's when none are given, else the given
// ones, which must be the earlier run's. A *SinksError says what is
// wrong.
func (e Earlier) ResumeSinks(out string, given []string) ([]string, error) {
	switch {
	case e.Known && len(given) == 0:
		return e.Sinks, nil
	case e.Known && !slices.Equal(e.Sinks, given):
		return nil, &SinksError{Out: out, Recorded: e.Sinks, Given: given}
	case !e.Known && e.Delivering && len(given) == 0:
		return nil, &SinksError{Out: out, Unknown: true}
	}
	return given, nil
}
