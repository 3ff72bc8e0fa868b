#!/usr/bin/env bash
# Benchmark of `--concurrency auto` against fixed concurrencies, with
# `axero token create-for-user --from` (one create per user) against
# `axero sandbox` on loopback, 20 ms per request, on three site models:
#
#   capacity 4      4 requests at once at full speed; past that each request
#                   slows by 2 x excess / 4 of its latency (--capacity 4)
#   capacity 48     the same with 48 (--capacity 48)
#   rate limit 200  no capacity limit, but 429 + Retry-After: 1 beyond 200
#                   requests a second (--rate-limit 200)
#
# For each model: every fixed concurrency of FIXED and auto on USERS users:
# wall time, users a second, and the requests the site refused (429/503, from
# GET /_emulator/stats); auto's ratio to the best fixed one (target >= 0.9x)
# and its refused share (target <= 1%). Then 50 users, SMALL_RUNS times each,
# with auto and with --concurrency 8 (the default before auto): the median
# wall times (target: auto not slower).
#
# Last, the capacity of a site drops from 48 to 8 (PUT /_emulator/site) when
# half of DROP_USERS users are minted: the limit over time, read from the
# LIMIT lines of --debug, and how long after the drop the limit came down to
# the new capacity (target: a few seconds).
#
# Every run starts against an idle site: the script waits IDLE seconds
# between runs, so that the rate limit's window (one second's worth of
# requests) is full again, as it would be for a run started on its own.
#
# Usage: bench/concurrency.sh [USERS]   (default 3000)
# Environment: FIXED ("2 4 8 16 32 48 64"), SMALL_RUNS (10), DROP_USERS
# (6000), LATENCY (20ms), IDLE (1.5).
# Needs: go, curl, GNU time (/usr/bin/time; apt-get install time).
set -euo pipefail

USERS=${1:-3000}
FIXED=${FIXED:-"2 4 8 16 32 48 64"}
SMALL=50
SMALL_RUNS=${SMALL_RUNS:-10}
DROP_USERS=${DROP_USERS:-6000}
LATENCY=${LATENCY:-20ms}
IDLE=${IDLE:-1.5}

. "$(dirname "$0")/lib.sh"

stop_sandbox() {
	kill "$SANDBOX_PID" 2>/dev/null || true
	wait "$SANDBOX_PID" 2>/dev/null || true
	SANDBOX_PID=
}

# site_stat NAME: one number of GET /_emulator/stats.
site_stat() {
	curl -s "$AXERO_URL/_emulator/stats" | sed -n "s/^ *\"$1\": \([0-9.]*\).*/\1/p"
}

now() { date +%s.%N; }

# mint LABEL CONCURRENCY FILE [FLAGS...]: mints for the users of FILE into a
# new output, from an idle site with zeroed stats; sets WALL (seconds),
# MINTED, REQUESTS and REFUSED (429 and 503).
RUN=0
mint() {
	local label=$1 conc=$2 file=$3
	shift 3
	RUN=$((RUN + 1))
	sleep "$IDLE"
	curl -s -X DELETE "$AXERO_URL/_emulator/stats" >/dev/null
	local out="$WORK/out.$RUN.jsonl" start end
	start=$(now)
	"$AXERO" token create-for-user --from "$file" --out "$out" --name "bench-$label-$RUN" --expires 30d --concurrency "$conc" "$@" 2>"$WORK/err.$RUN" || {
		echo "bench: the run of $label failed:" >&2
		tail -3 "$WORK/err.$RUN" >&2
		exit 1
	}
	end=$(now)
	WALL=$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.3f", e-s}')
	MINTED=$(wc -l <"$out")
	REQUESTS=$(site_stat requests)
	REFUSED=$(($(site_stat answered_429) + $(site_stat answered_503)))
	rm -f "$out"*
}

users_csv() {
	{ echo user; seq 1001 $((1000 + $1)); } >"$2"
}

users_csv "$USERS" "$WORK/users.csv"
users_csv "$SMALL" "$WORK/small.csv"
users_csv "$DROP_USERS" "$WORK/drop.csv"
SANDBOX_USERS=$((USERS > DROP_USERS ? USERS : DROP_USERS))

echo "# $(nproc) CPUs, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "\$ axero token create-for-user --from users.csv --out out.jsonl --name bench --expires 30d --concurrency C   # $USERS users, $LATENCY per request"

SUMMARY=()
sweep() {
	local name=$1
	shift
	start_sandbox --users "$SANDBOX_USERS" --latency "$LATENCY" "$@"
	echo
	echo "## $name (axero sandbox --latency $LATENCY $*)"
	echo
	echo "| concurrency | wall s | users/s | requests | refused (429/503) | refused share |"
	echo "| --- | --- | --- | --- | --- | --- |"
	local best=0 bestc= c rate share
	for c in $FIXED auto; do
		mint "$c" "$c" "$WORK/users.csv"
		if [ "$MINTED" -ne "$USERS" ]; then
			echo "bench: --concurrency $c minted $MINTED of $USERS" >&2
			exit 1
		fi
		rate=$(awk -v n="$MINTED" -v w="$WALL" 'BEGIN {printf "%.0f", n/w}')
		share=$(awk -v r="$REFUSED" -v q="$REQUESTS" 'BEGIN {printf "%.2f", 100*r/q}')
		echo "| $c | $WALL | $rate | $REQUESTS | $REFUSED | $share% |"
		if [ "$c" != auto ] && [ "$rate" -gt "$best" ]; then best=$rate bestc=$c; fi
	done
	local ratio verdict
	ratio=$(awk -v a="$rate" -v b="$best" 'BEGIN {printf "%.2f", a/b}')
	verdict=$(awk -v r="$ratio" -v s="$share" 'BEGIN {print (r >= 0.9 && s <= 1) ? "met" : "MISSED"}')
	echo
	echo "auto: ${ratio}x the best fixed (c=$bestc, $best users/s), refused $share% (targets >= 0.9x, <= 1%: $verdict)"

	local small_auto=() small_fixed=() i
	for i in $(seq 1 "$SMALL_RUNS"); do
		mint small-auto auto "$WORK/small.csv"
		small_auto+=("$WALL")
		mint small-8 8 "$WORK/small.csv"
		small_fixed+=("$WALL")
	done
	local ma mf
	ma=$(printf '%s\n' "${small_auto[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
	mf=$(printf '%s\n' "${small_fixed[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
	echo "$SMALL users, median of $SMALL_RUNS: auto ${ma} s, --concurrency 8 ${mf} s ($(awk -v a="$ma" -v f="$mf" 'BEGIN {printf "%.2f", a/f}')x)"
	SUMMARY+=("$name: auto ${ratio}x the best fixed (c=$bestc), refused $share%; $SMALL users: auto ${ma} s, c=8 ${mf} s")
	stop_sandbox
}

sweep "capacity 4" --capacity 4
sweep "capacity 48" --capacity 48
sweep "rate limit 200/s" --rate-limit 200

echo
echo "## capacity 48 -> 8 halfway through $DROP_USERS users, --concurrency auto"
start_sandbox --users "$SANDBOX_USERS" --latency "$LATENCY" --capacity 48
sleep "$IDLE"
curl -s -X DELETE "$AXERO_URL/_emulator/stats" >/dev/null
out="$WORK/drop.jsonl"
half=$((DROP_USERS / 2))
start=$(now)
"$AXERO" token create-for-user --from "$WORK/drop.csv" --out "$out" --name bench-drop --expires 30d --debug 2>"$WORK/drop.err" &
RUN_PID=$!
BENCH_PIDS="$RUN_PID"
while kill -0 "$RUN_PID" 2>/dev/null; do
	if [ -f "$out" ] && [ "$(wc -l <"$out")" -ge "$half" ]; then
		curl -s -X PUT -d '{"capacity": 8}' "$AXERO_URL/_emulator/site" >/dev/null
		break
	fi
	sleep 0.01
done
dropped=$(now)
wait "$RUN_PID"
end=$(now)
BENCH_PIDS=
stop_sandbox
DROP_AT=$(awk -v s="$start" -v d="$dropped" 'BEGIN {printf "%.2f", d-s}')
echo "\$ axero token create-for-user --from users.csv --out out.jsonl --name bench --expires 30d --debug   # capacity PUT to 8 after $half rows"
echo "$(wc -l <"$out") minted in $(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.2f", e-s}') s; the capacity dropped to 8 at ${DROP_AT} s"
echo
echo "the limit every 0.25 s (from the LIMIT lines of --debug):"
grep '^LIMIT' "$WORK/drop.err" | sed 's/^LIMIT +\([0-9.]*\)s concurrency limit [0-9]* -> \([0-9]*\):.*/\1 \2/' >"$WORK/limits"
awk -v end="$(awk -v s="$start" -v e="$end" 'BEGIN {print e-s}')" -v drop="$DROP_AT" '
	{ t[NR] = $1; l[NR] = $2 }
	END {
		cur = 8; j = 1; line = ""
		for (s = 0; s <= end + 0.001; s += 0.25) {
			while (j <= NR && t[j] <= s) { cur = l[j]; j++ }
			line = line sprintf("%.2fs:%d ", s, cur)
		}
		print line
		# When the limit first came down to 1.5x the new capacity after
		# the drop, and how long it spent above that afterwards (probing
		# whether the capacity came back).
		cur = 8; follow = -1; above = 0; since = -1
		for (i = 1; i <= NR; i++) {
			if (t[i] < drop) continue
			if (follow < 0) {
				if (l[i] <= 12) follow = t[i]
				continue
			}
			if (l[i] > 12 && since < 0) since = t[i]
			if (l[i] <= 12 && since >= 0) { above += t[i] - since; since = -1 }
		}
		if (since >= 0) above += end - since
		if (follow < 0) print "the limit never came down to 12 or less"
		else printf "the limit came down to 12 or less %.2f s after the drop (at %.2f s); after that it spent %.2f s of %.2f s above 12, probing\n", follow - drop, follow, above, end - follow
	}' "$WORK/limits"
echo
echo "its changes after the drop:"
grep '^LIMIT' "$WORK/drop.err" | awk -v drop="$DROP_AT" '{t=$2; sub(/^\+/,"",t); sub(/s$/,"",t); if (t+0 >= drop - 0.05) print "  " $0}' | head -12

echo
echo "## summary"
printf '%s\n' "${SUMMARY[@]}"
