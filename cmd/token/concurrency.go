package token

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/limit"
)

// How many requests a bulk command has in flight: --concurrency auto (the
// default) lets an adaptive limit find the site's pace and follow it as it
// moves, up to --max-concurrency; --concurrency N holds it at N whatever
// the site does.

// maxConcurrency bounds --concurrency and --max-concurrency: more
// requests in flight than this only queue behind the server's own limits.
const maxConcurrency = limit.DefaultMaxConcurrency

// autoConcurrency is the value of a Concurrency field that means auto.
const autoConcurrency = 0

// concurrencyValue is --concurrency as a flag: "auto", kept as
// autoConcurrency, or a number from 1 to maxConcurrency.
type concurrencyValue struct{ n *int }

func (v concurrencyValue) String() string {
	if v.n == nil || *v.n == autoConcurrency {
		return "auto"
	}
	return strconv.Itoa(*v.n)
}

func (v concurrencyValue) Set(s string) error {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "auto") {
		*v.n = autoConcurrency
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxConcurrency {
		return errConcurrencyRange
	}
	*v.n = n
	return nil
}

func (concurrencyValue) Type() string { return "auto|N" }

var errConcurrencyRange = fmt.Errorf("want auto or a number between 1 and %d", maxConcurrency)

// addConcurrencyFlag binds --concurrency (into n: autoConcurrency or a
// fixed number; auto by default) and --max-concurrency (into maxN), the
// bound on requests in flight whatever a command does per row.
func addConcurrencyFlag(c *cobra.Command, n, maxN *int, withFrom bool) {
	*n, *maxN = autoConcurrency, maxConcurrency
	prefix, autoPrefix := "", "with --concurrency auto: "
	if withFrom {
		prefix, autoPrefix = "with --from: ", "with --from and --concurrency auto: "
	}
	c.Flags().Var(concurrencyValue{n}, "concurrency", prefix+"how many requests to have in flight at once: auto finds the site's pace and follows it, a number holds it there")
	c.Flags().IntVar(maxN, "max-concurrency", maxConcurrency, autoPrefix+"the most requests to have in flight at once")
}

// checkConcurrency refuses a --concurrency or --max-concurrency out of
// range, and --max-concurrency beside a fixed --concurrency, which it
// would not change.
func checkConcurrency(c *cobra.Command, n, maxN int) error {
	switch {
	case n != autoConcurrency && (n < 1 || n > maxConcurrency):
		return cmdutil.FlagErrorf("--concurrency must be auto or between 1 and %d", maxConcurrency)
	case maxN < 1 || maxN > maxConcurrency:
		return cmdutil.FlagErrorf("--max-concurrency must be between 1 and %d", maxConcurrency)
	case n != autoConcurrency && c.Flags().Changed("max-concurrency"):
		return cmdutil.FlagErrorf("--max-concurrency works only with --concurrency auto: --concurrency %d is fixed", n)
	}
	return nil
}

// newLimiter is the limiter of a bulk run: a fixed one for --concurrency
// N, else an adaptive one that starts at the fixed default of old (so that
// a short run is never slower than it was) and grows up to maxN. observe
// hears each change of the adaptive limit.
func newLimiter(n, maxN int, observe limit.Observer) limit.Limiter {
	if n != autoConcurrency {
		return limit.NewFixed(n)
	}
	return limit.NewAdaptive(limit.WithMax(maxN), limit.WithObserver(observe))
}

// limiterBound is the most requests the limiter of n and maxN may ever
// have in flight: what the pool of workers and of connections is sized
// for.
func limiterBound(n, maxN int) int {
	if n != autoConcurrency {
		return n
	}
	return maxN
}
