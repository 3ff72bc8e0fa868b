package limit

import "time"

// params are the update rule's constants. They are fixed: a user sets only
// the maximum and, if ever, the starting limit.
type params struct {
	min, max, initial int
	// roundMin is the fewest samples a round is judged by, so that a low
	// limit is not moved by one or two requests.
	roundMin int
	// A round whose queue estimate is below clearBelow (or clearShare of
	// the limit, whichever is larger) shows no queueing; at or above
	// queuedAt (or queuedShare of the limit) it shows queueing; in
	// between the limit holds. The shares keep a large limit's estimate,
	// which noise moves more, from passing for a queue.
	clearBelow, queuedAt    float64
	clearShare, queuedShare float64
	// A round's mean latency over the baseline counts only past its
	// noise: roundZ standard errors of the round's mean plus baseZ of the
	// baseline's (both from the round's spread of latencies). The
	// baseline is the lowest of many noisy means, so it sits up to about
	// three of its standard errors below the truth; baseZ covers that.
	roundZ, baseZ float64
	// The limits last seen with and without queueing are trusted for
	// boundTTL or boundRounds rounds, whichever is longer: after that the
	// limit probes above the knee again, so it follows a site that got
	// faster, and on a slow site probing stays a small share of the time.
	boundTTL    time.Duration
	boundRounds int
	// pausedBoundTTL is how long a limit refused with a Retry-After is
	// not probed again: a cap on requests in flight shows nothing before
	// it refuses, and each refusal pauses the whole run.
	pausedBoundTTL time.Duration
	// baselineWindow is how long the best round's latency is remembered.
	baselineWindow time.Duration
	// confirmBelow: a round whose mean latency shows a queue but is under
	// this multiple of the baseline moves the limit only when the next
	// round shows a queue too; a larger one moves it at once.
	confirmBelow float64
	// slowerRatio: when deep latency cuts (each by at least a quarter)
	// leave the mean latency at least this share of what it was before,
	// twice in a row, the site got slower; it does not queue our
	// requests. Once is not enough: the round that decided a cut may
	// have caught the limit's rise half done.
	slowerRatio float64
	// rateWindow is how far back the rate the site let through, and the
	// share it refused, are measured when it refuses a request.
	rateWindow time.Duration
	// A 503, 504 or unanswered request halves the limit under a ceiling
	// only when at least strongCount, and clearly more than strongShare,
	// of the answers in the rate window were refusals; a rarer one is a
	// fault more likely than an overload: it halves the limit without a
	// ceiling if it names a Retry-After, else takes it down by gentleCut.
	strongCount            int
	strongShare, gentleCut float64
	// refusalDoubling is how fast the ceiling set by a refusal rises
	// again once the site's pause is over: it doubles this often.
	refusalDoubling time.Duration
}

func defaultParams() params {
	return params{
		min:             1,
		max:             DefaultMaxConcurrency,
		initial:         DefaultInitialConcurrency,
		roundMin:        8,
		clearBelow:      0.8,
		queuedAt:        1.2,
		clearShare:      0.02,
		queuedShare:     0.03,
		roundZ:          2.5,
		baseZ:           4,
		boundTTL:        2 * time.Second,
		boundRounds:     16,
		pausedBoundTTL:  20 * time.Second,
		baselineWindow:  30 * time.Second,
		confirmBelow:    2,
		slowerRatio:     0.95,
		rateWindow:      2 * time.Second,
		strongCount:     3,
		strongShare:     0.1,
		gentleCut:       0.9,
		refusalDoubling: 2 * time.Second,
	}
}
