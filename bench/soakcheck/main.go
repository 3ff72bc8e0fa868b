// Command soakcheck checks the bulk invariant after a soak run, against the
// emulator's true state as `axero sandbox --state` saved it: every input
// user 1001..1000+n has exactly one active impersonation token, the one in
// the output whose secret hashes to it, or is in the failed file and has
// none; every other token the run minted is revoked.
//
// Usage: soakcheck -state FILE -out FILE [-failed FILE] -users N
package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/axero-cli/axero/internal/emulator"
)

const firstUserID = 1001

type record struct {
	UserID  int64  `json:"UserID"`
	TokenID int64  `json:"TokenID"`
	Token   string `json:"token"`
}

func main() {
	statePath := flag.String("state", "", "the sandbox's --state file, written after it stopped")
	outPath := flag.String("out", "", "the run's --out file (JSON Lines)")
	failedPath := flag.String("failed", "", "the run's failed file (default: OUT.failed.csv)")
	users := flag.Int("users", 0, "the number of input users, 1001..1000+N")
	flag.Parse()
	if *failedPath == "" {
		*failedPath = *outPath + ".failed.csv"
	}
	minted, failed, violations, err := check(*statePath, *outPath, *failedPath, *users)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soakcheck:", err)
		os.Exit(2)
	}
	fmt.Printf("invariant: %d users, %d with one delivered token, %d failed, %d violations\n", *users, minted, failed, len(violations))
	for i, v := range violations {
		if i == 20 {
			fmt.Printf("  ... and %d more\n", len(violations)-20)
			break
		}
		fmt.Println("  " + v)
	}
	if len(violations) > 0 {
		os.Exit(1)
	}
}

func check(statePath, outPath, failedPath string, n int) (minted, failed int, violations []string, err error) {
	bad := func(format string, a ...any) { violations = append(violations, fmt.Sprintf(format, a...)) }
	recorded, err := readOutput(outPath)
	if err != nil {
		return 0, 0, nil, err
	}
	failedUsers, err := readFailed(failedPath)
	if err != nil {
		return 0, 0, nil, err
	}
	srv, err := emulator.Start(emulator.Options{StateFile: statePath})
	if err != nil {
		return 0, 0, nil, fmt.Errorf("loading %s: %w", statePath, err)
	}
	// Close saves the state back to statePath; a failed save is worth
	// knowing even though the check itself is done.
	defer func() {
		if cerr := srv.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("saving %s: %w", statePath, cerr)
		}
	}()
	inRun := func(id int64) bool { return id >= firstUserID && id < firstUserID+int64(n) }
	active := map[int64]int{}
	for _, tok := range srv.Tokens() {
		if !tok.IsImpersonation || !inRun(tok.UserID) {
			continue
		}
		r, ok := recorded[tok.UserID]
		if ok && r.TokenID == tok.TokenID {
			if tok.Revoked {
				bad("user %d: the recorded token %d is revoked", tok.UserID, tok.TokenID)
			}
			if tok.Hash != emulator.HashSecret(r.Token) {
				bad("user %d: the secret in the output is not token %d's", tok.UserID, tok.TokenID)
			}
		} else if !tok.Revoked {
			bad("user %d: token %d is active but its secret is nowhere", tok.UserID, tok.TokenID)
		}
		if !tok.Revoked {
			active[tok.UserID]++
		}
	}
	for id := int64(firstUserID); inRun(id); id++ {
		_, rec := recorded[id]
		isFailed := failedUsers[strconv.FormatInt(id, 10)]
		switch {
		case rec && isFailed:
			bad("user %d is both in the output and in the failed file", id)
		case rec && active[id] != 1:
			bad("user %d has %d active tokens, want 1", id, active[id])
		case rec:
			minted++
		case !isFailed:
			bad("user %d is neither in the output nor in the failed file", id)
		case active[id] != 0:
			bad("failed user %d has %d active tokens", id, active[id])
		default:
			failed++
		}
	}
	return minted, failed, violations, nil
}

func readOutput(path string) (map[int64]record, error) {
	f, err := os.Open(path) //nolint:gosec // the output file the user names with -out
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	out := map[int64]record{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		if _, dup := out[r.UserID]; dup {
			return nil, fmt.Errorf("%s: user %d has two records", path, r.UserID)
		}
		out[r.UserID] = r
	}
	return out, sc.Err()
}

// readFailed returns the user column of the failed file; no file means no
// failure.
func readFailed(path string) (map[string]bool, error) {
	out := map[string]bool{}
	f, err := os.Open(path) //nolint:gosec // the failed file the user names with -failed
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	col := -1
	for i, h := range header {
		if h == "user" {
			col = i
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("%s has no user column", path)
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if col < len(rec) {
			// The failed file may neutralise a cell for spreadsheets with a
			// leading quote; a UserID never needs it.
			out[rec[col]] = true
		}
	}
}
