package token

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/axero-cli/axero/internal/bulk"
)

// bulkProgress counts row outcomes and, on a terminal, draws them as a
// progress bar on stderr: done of total, minted, failed, rate and ETA.
type bulkProgress struct {
	minted, failed, skipped, planned atomic.Int64

	p   *mpb.Progress
	bar *mpb.Bar
}

// newBulkProgress starts a bar on w when show is set; total may be 0 when
// the number of rows is not known (input from a pipe).
func newBulkProgress(w io.Writer, show bool, total int64) *bulkProgress {
	bp := &bulkProgress{}
	if !show {
		return bp
	}
	bp.p, bp.bar = newProgressBar(w, total, "rows", func() string {
		return fmt.Sprintf("minted %d, failed %d", bp.minted.Load(), bp.failed.Load())
	})
	return bp
}

// newProgressBar starts a bar on w of total items (0 while unknown),
// counted in unit, with status after the counters, then the rate and the
// ETA. The caller decided that w is a terminal (AXERO_FORCE_TTY=1
// included), so the bar is drawn even where mpb would not detect one.
func newProgressBar(w io.Writer, total int64, unit string, status func() string) (*mpb.Progress, *mpb.Bar) {
	p := mpb.New(mpb.WithOutput(w), mpb.WithAutoRefresh(), mpb.WithWidth(100), mpb.WithRefreshRate(150*time.Millisecond))
	bar := p.AddBar(total,
		mpb.PrependDecorators(decor.CountersNoUnit("%d / %d "+unit, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(
			decor.Any(func(decor.Statistics) string { return status() }, decor.WCSyncSpaceR),
			decor.AverageSpeed(nil, " %.0f/s", decor.WCSyncSpace),
			decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO, decor.WCSyncSpace), ""),
		),
	)
	return p, bar
}

// event is the engine's callback for each recorded row.
func (bp *bulkProgress) event(ev bulk.Event) {
	switch ev {
	case bulk.EventMinted:
		bp.minted.Add(1)
	case bulk.EventFailed:
		bp.failed.Add(1)
	case bulk.EventSkipped:
		bp.skipped.Add(1)
	case bulk.EventPlanned:
		bp.planned.Add(1)
	}
	if bp.bar != nil {
		bp.bar.Increment()
	}
}

// stop completes or abandons the bar and waits until it is drawn for the
// last time, so that the summary line comes after it.
func (bp *bulkProgress) stop() {
	if bp.p == nil {
		return
	}
	bp.bar.SetTotal(-1, true)
	bp.p.Wait()
}

// countRows estimates the data rows of a regular file for the progress
// bar's total, by counting its non-blank lines less the header. It reads
// the file once more, quickly, and is never used for anything but display.
func countRows(path string) int64 {
	f, err := os.Open(path) //nolint:gosec // the input file the user names with --from, read again only to count rows
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	var n int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			n++
		}
	}
	if n > 0 {
		n-- // the header
	}
	return n
}
