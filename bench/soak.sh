#!/usr/bin/env bash
# Soak benchmark of `axero token create-for-user --from` against `axero
# sandbox` with faults: USERS users given by UserID, with DROP of the
# creates committed and then dropped before the answer, RATE503 of the
# requests answered 503 and RATE500 answered 500 before acting. It reports
# the client's wall time and peak RSS (GNU time), RSS sampled from /proc
# across the run (memory must stay flat: compare a 5,000 and a 50,000 run),
# and checks the bulk invariant against the sandbox's saved state with
# bench/soakcheck: every input user has exactly one active token, whose
# secret is in the output, or is in the failed file with none.
#
# Usage: bench/soak.sh [USERS]        (default 50000)
#   DROP=0.05 RATE503=0.05 RATE500=0.02 CONCURRENCY=16 LATENCY=0s
#   RETRY_AFTER=1s (what the sandbox sends with a 429 or 503; the client
#   pauses every request of the site that long, so with 5% 503s the pauses
#   dominate the wall time; RETRY_AFTER=0 sends none, and the client backs
#   off each request on its own)
# Needs: go, GNU time (/usr/bin/time; apt-get install time).
set -euo pipefail

USERS=${1:-50000}
DROP=${DROP:-0.05}
RATE503=${RATE503:-0.05}
RATE500=${RATE500:-0.02}
CONCURRENCY=${CONCURRENCY:-16}
LATENCY=${LATENCY:-0s}
RETRY_AFTER=${RETRY_AFTER:-1s}

. "$(dirname "$0")/lib.sh"
echo "# building soakcheck"
(cd "$ROOT" && go build -o "$WORK/soakcheck" ./bench/soakcheck)

echo "# sandbox: $USERS users, drop-after-mint $DROP, 503 $RATE503, 500 $RATE500, retry-after $RETRY_AFTER"
start_sandbox --users "$USERS" --latency "$LATENCY" --state "$WORK/state.json" \
	--drop-after-mint "$DROP" --fail-rate "$RATE503" --fail-rate-500 "$RATE500" --retry-after "$RETRY_AFTER"

{ echo user; seq 1001 $((1000 + USERS)); } >"$WORK/users.csv"

# sample PID: VmRSS in KiB every half second, with the seconds elapsed.
sample() {
	local start=$SECONDS
	while [ -r "/proc/$1/status" ]; do
		awk -v t=$((SECONDS - start)) '/^VmRSS:/ {print t, $2}' "/proc/$1/status" 2>/dev/null || true
		sleep 0.5
	done
}

echo "\$ axero token create-for-user --from users.csv --out out.jsonl --name soak --expires 30d --concurrency $CONCURRENCY"
/usr/bin/time -v -o "$WORK/time.txt" "$AXERO" token create-for-user --from "$WORK/users.csv" --out "$WORK/out.jsonl" \
	--name soak --expires 30d --concurrency "$CONCURRENCY" >"$WORK/run.out" 2>"$WORK/run.err" &
TIME_PID=$!
CLIENT_PID= SAMPLER_PID=
for _ in $(seq 1 100); do
	CLIENT_PID=$(pgrep -P "$TIME_PID" || true)
	[ -n "$CLIENT_PID" ] && break
	sleep 0.05
done
if [ -n "$CLIENT_PID" ]; then
	sample "$CLIENT_PID" >"$WORK/rss.txt" &
	SAMPLER_PID=$!
	BENCH_PIDS=$SAMPLER_PID
fi
set +e
wait "$TIME_PID"
STATUS=$?
set -e
[ -z "${SAMPLER_PID:-}" ] || { wait "$SAMPLER_PID" 2>/dev/null || true; BENCH_PIDS=; }
# 0: all minted; 5: a partial failure, the failed users in the failed file.
if [ "$STATUS" -ne 0 ] && [ "$STATUS" -ne 5 ]; then
	echo "soak: create-for-user exited $STATUS:" >&2
	tail -n 20 "$WORK/run.err" >&2
	exit 1
fi

kill -INT "$SANDBOX_PID"
wait "$SANDBOX_PID" 2>/dev/null || true
SANDBOX_PID=

WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$WORK/time.txt")
RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
# RSS over the run: the median of the first and of the last quarter of the
# samples; flat memory means they are close whatever USERS is.
RSS_TREND=$(awk '{r[NR]=$2} END {
	if (NR < 4) { print "too few samples"; exit }
	q=int(NR/4); a=0; b=0
	for (i=1;i<=q;i++) a+=r[i]; for (i=NR-q+1;i<=NR;i++) b+=r[i]
	printf "%.1f MiB in the first quarter, %.1f MiB in the last (%d samples)", a/q/1024, b/q/1024, NR
}' "$WORK/rss.txt" 2>/dev/null || echo "no samples")

echo
echo "## results ($(nproc) CPUs, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg))"
awk -v n="$USERS" -v w="$WALL" -v k="$RSS_KB" -v s="$STATUS" 'BEGIN {
	printf "soak %d users: exit %d in %.1f s (%.0f users/s), peak RSS %.1f MiB\n", n, s, w, n/w, k/1024 }'
echo "rss over the run: $RSS_TREND"
"$WORK/soakcheck" -state "$WORK/state.json" -out "$WORK/out.jsonl" -users "$USERS"
