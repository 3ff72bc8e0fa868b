package token

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTerm records what is written to a terminal, from the display and
// from the terminal itself (the ^C it echoes), in order.
type fakeTerm struct {
	mu  sync.Mutex
	out bytes.Buffer
}

func (f *fakeTerm) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.out.Write(p)
}

// screen replays what was written on a terminal of width columns, as a
// VT100 does: carriage return, newline (the terminal driver adds the
// return), erase to the end of the line, and a line that wraps when a
// character is written past its last column. It returns the rows, their
// trailing blanks trimmed.
func (f *fakeTerm) screen(width int) []string {
	f.mu.Lock()
	data := f.out.String()
	f.mu.Unlock()
	rows := [][]rune{nil}
	row, col, pendingWrap := 0, 0, false
	put := func(r rune) {
		if pendingWrap {
			row, col, pendingWrap = row+1, 0, false
			if row == len(rows) {
				rows = append(rows, nil)
			}
		}
		for len(rows[row]) <= col {
			rows[row] = append(rows[row], ' ')
		}
		rows[row][col] = r
		if col == width-1 {
			pendingWrap = true
		} else {
			col++
		}
	}
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case c == '\r':
			col, pendingWrap = 0, false
		case c == '\n':
			row, col, pendingWrap = row+1, 0, false
			if row == len(rows) {
				rows = append(rows, nil)
			}
		case strings.HasPrefix(data[i:], "\x1b[K"):
			if col < len(rows[row]) {
				rows[row] = rows[row][:col]
			}
			i += 2
		default:
			put(rune(c))
		}
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = strings.TrimRight(string(r), " ")
	}
	return out
}

func newTestProgress(term *fakeTerm, width int, limit int) *progress {
	return newProgress(term, true, func() int { return width },
		func() (int, bool) { return limit, true }, func() int { return 3 })
}

func mintWords(good, bad int64) string { return fmt.Sprintf("minted %d, failed %d", good, bad) }

const stoppingWords = stoppingMint + " (Ctrl-C again to see them)."

// The screens of an interrupted run at 80 and 120 columns: each message
// printed whole above the status line, the ^C the terminal echoes wiped,
// no line wider than the terminal, and the last line saying where the run
// stopped, with its true total.
func TestStatusLineScreenOfAnInterruptedRun(t *testing.T) {
	t.Parallel()
	for _, width := range []int{80, 120} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			t.Parallel()
			term := &fakeTerm{}
			p := newTestProgress(term, width, 24)
			p.start(1054, "rows", mintWords)
			warn := p.writer(term)
			for range 200 {
				p.Step(1, 0)
			}
			p.refresh()
			fmt.Fprintln(warn, "warning: a line written to stderr during the run")
			p.Step(0, 1)
			p.refresh()
			_, _ = term.Write([]byte("^C")) // the terminal's echo of Ctrl-C
			p.stopping()
			p.Println(stoppingWords)
			p.Step(1, 0)
			p.refresh()
			_, _ = term.Write([]byte("^C"))
			p.Println("Still waiting for 2 request(s) in flight: minting for user0201; minting for user0202.")
			p.finish(true)

			rows := term.screen(width)
			text := strings.Join(rows, "\n")
			joined := strings.Join(rows, "")
			for _, r := range rows {
				if strings.Contains(r, "^C") {
					t.Errorf("the echoed ^C is left on the screen:\n%s", text)
				}
				if strings.Count(r, "rows") > 1 {
					t.Errorf("a row holds two status lines' debris: %q", r)
				}
			}
			// A message longer than the terminal wraps, whole, onto rows
			// of its own.
			if !strings.Contains(joined, stoppingWords) {
				t.Errorf("the stopping message is not whole on screen:\n%s", text)
			}
			want := []string{
				"warning: a line written to stderr during the run",
				"Still waiting for 2 request(s) in flight: minting for user0201; minting for user0202.",
			}
			for _, w := range want {
				if !strings.Contains(joined, w) {
					t.Errorf("the screen lacks %q:\n%s", w, text)
				}
			}
			last := rows[len(rows)-2] // the status line, then the cursor's empty row
			if !strings.HasPrefix(last, "stopped at 202 / 1054 rows [") || !strings.Contains(last, "minted 201, failed 1") || strings.Contains(last, "ETA") {
				t.Errorf("the last status line reads %q, want where the run stopped, of 1054, without an ETA", last)
			}
			if rows[len(rows)-1] != "" {
				t.Errorf("the status line was not ended: the next output would share its row: %q", rows[len(rows)-1])
			}
		})
	}
}

// Without a known total the status line counts and shows a rate: no bar,
// no total and no ETA, even at the end.
func TestStatusLineWithoutATotal(t *testing.T) {
	t.Parallel()
	term := &fakeTerm{}
	p := newTestProgress(term, 100, 8)
	p.start(0, "users", mintWords)
	p.samples.add(p.now().Add(-2*time.Second), 0)
	for range 184 {
		p.Step(1, 0)
	}
	p.refresh()
	p.finish(false)
	for _, r := range term.screen(100) {
		if strings.ContainsAny(r, "[") || strings.Contains(r, " / ") || strings.Contains(r, "ETA") || strings.Contains(r, "-") {
			t.Errorf("a status line without a total shows %q", r)
		}
	}
	if got := term.screen(100)[0]; !strings.HasPrefix(got, "184 users: minted 184, failed 0") || !strings.HasSuffix(got, "/s") {
		t.Errorf("status line %q, want the count, the words and a rate", got)
	}
}

// A run that ends normally shows every item done, even when the total
// counted beforehand was off (a file whose rows were estimated).
func TestStatusLineOfACompleteRun(t *testing.T) {
	t.Parallel()
	term := &fakeTerm{}
	p := newTestProgress(term, 80, 8)
	p.start(5, "rows", mintWords)
	for range 4 {
		p.Step(1, 0)
	}
	p.finish(false)
	rows := term.screen(80)
	if last := rows[len(rows)-2]; !strings.HasPrefix(last, "4 / 4 rows [==============================] minted 4, failed 0") {
		t.Errorf("the last status line reads %q", last)
	}
}

// Lines written while the status line shows are held until they end, and
// each is printed whole above it; once the run is over, writes pass
// straight through.
func TestWritesAboveTheStatusLineAreWholeLines(t *testing.T) {
	t.Parallel()
	term := &fakeTerm{}
	p := newTestProgress(term, 80, 8)
	w := p.writer(term)
	fmt.Fprint(w, "before ")
	fmt.Fprintln(w, "the run")
	p.start(10, "rows", mintWords)
	fmt.Fprint(w, "user,UserID,")
	fmt.Fprint(w, "name\nuser0001,1001,")
	p.refresh()
	fmt.Fprintln(w, "x")
	p.finish(true)
	fmt.Fprintln(w, "after the run")
	rows := term.screen(80)
	want := []string{"before the run", "user,UserID,name", "user0001,1001,x"}
	for i, w := range want {
		if rows[i] != w {
			t.Fatalf("row %d is %q, want %q:\n%s", i, rows[i], w, strings.Join(rows, "\n"))
		}
	}
	if !strings.HasPrefix(rows[3], "stopped at 0 / 10 rows") || rows[4] != "after the run" {
		t.Errorf("rows after the plan:\n%s", strings.Join(rows[3:], "\n"))
	}
}

// Each line fits the terminal with room for the ^C it may echo, however
// narrow, dropping the least useful parts first.
func TestStatusLineFitsTheTerminal(t *testing.T) {
	t.Parallel()
	full := statusLine{done: 123456, total: 1000000, unit: "records", status: "renewed 123000, failed 456", limit: 48, auto: true, rate: 1234.5}
	for _, width := range []int{4, 20, 40, 60, 80, 100, 120, 200} {
		for _, s := range []statusLine{full, {done: 7, unit: "users", status: "reported 7, failed 0", limit: 8, rate: 3.25}} {
			got := render(s, width)
			if len(got) > max(width-3, 1) {
				t.Errorf("at %d columns the line is %d wide: %q", width, len(got), got)
			}
		}
	}
	if got := render(full, 200); !strings.Contains(got, "limit 48 (auto)") || !strings.Contains(got, "1234/s") || !strings.Contains(got, "ETA 11m50s") {
		t.Errorf("at 200 columns: %q, want the limit, the rate and the ETA", got)
	}
	// At 80 columns the bar shrinks and the limit's word for auto goes
	// before anything is dropped.
	run := statusLine{done: 412, total: 1500, unit: "rows", status: "minted 410, failed 2", limit: 24, auto: true, rate: 350}
	if got, want := render(run, 80), "412 / 1500 rows [==>       ] minted 410, failed 2  limit 24  350/s  ETA 3s"; got != want {
		t.Errorf("at 80 columns:\n got %q\nwant %q", got, want)
	}
	if got, want := render(run, 120), "412 / 1500 rows [========>                     ] minted 410, failed 2  limit 24 (auto)  350/s  ETA 3s"; got != want {
		t.Errorf("at 120 columns:\n got %q\nwant %q", got, want)
	}
	if got := render(full, 40); !strings.HasPrefix(got, "123456 / 1000000 records") {
		t.Errorf("at 40 columns: %q, want the count first", got)
	}
}

func TestFormatETA(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		4 * time.Second:                       "4s",
		59*time.Second + 600*time.Millisecond: "1m00s",
		125 * time.Second:                     "2m05s",
		3*time.Hour + 7*time.Minute:           "3h07m",
	} {
		if got := formatETA(d); got != want {
			t.Errorf("formatETA(%v) = %q, want %q", d, got, want)
		}
	}
}

// A run that fails before doing anything shows no status line, and a line
// still open when the run ends is printed, ended, above the last one.
func TestStatusLineOfARunThatDidNothingAndOpenLines(t *testing.T) {
	t.Parallel()
	term := &fakeTerm{}
	p := newTestProgress(term, 80, 8)
	w := p.writer(term)
	p.start(10, "rows", mintWords)
	p.finish(false)
	fmt.Fprintln(w, "axero: --out out.jsonl already exists")
	if rows := term.screen(80); rows[0] != "axero: --out out.jsonl already exists" || rows[1] != "" {
		t.Errorf("a run that did nothing drew:\n%s", strings.Join(rows, "\n"))
	}

	term = &fakeTerm{}
	p = newTestProgress(term, 80, 8)
	w = p.writer(term)
	p.start(10, "rows", mintWords)
	p.Step(1, 0)
	fmt.Fprint(w, "no end of line")
	p.finish(false)
	rows := term.screen(80)
	if rows[0] != "no end of line" || !strings.HasPrefix(rows[1], "1 / 1 rows [") {
		t.Errorf("an open line at the end of the run:\n%s", strings.Join(rows, "\n"))
	}
}
