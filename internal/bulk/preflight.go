package bulk

import "os"

// CheckOutPath refuses, before any request, an --out that a run would
// refuse later, by the same rules (safefile.go): a symbolic link,
// something that is not a regular file, an existing output without
// --resume, an output others can read with --resume, and a journal or
// failed file that is not a plain file of ours. It follows no link.
func CheckOutPath(out string, resume bool) error {
	what := "--out " + out
	if fi, err := os.Lstat(out); err == nil && fi.IsDir() {
		return &NotOursError{What: what, Why: "is a directory"}
	}
	fi, err := checkExisting(out, what)
	if err != nil {
		return err
	}
	if fi != nil {
		if !resume {
			return &ExistsError{Path: out}
		}
		if err := checkPrivate(fi, what); err != nil {
			return err
		}
	}
	for _, side := range []struct{ path, what string }{
		{JournalPath(out), "the journal " + JournalPath(out)},
		{FailedPath(out), "the failed file " + FailedPath(out)},
	} {
		if _, err := checkExisting(side.path, side.what); err != nil {
			return err
		}
	}
	return nil
}
