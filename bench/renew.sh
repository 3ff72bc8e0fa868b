#!/usr/bin/env bash
# Benchmark of `axero token rotate --from`, against `axero sandbox` on
# loopback: 10,000 impersonation tokens (minted first by create-for-user)
# renewed at 20 ms latency per request with --concurrency 16. Each record
# costs three requests (list the user's tokens, mint, revoke the old one),
# so the lower bound is 3 x 10,000 x 20 ms / 16 = 37.5 s; the target is
# 1.3x that. Prints the wall time, its ratio to the bound, peak RSS (GNU
# time) and the load average.
#
# Usage: bench/renew.sh [RECORDS]   (default 10000)
# Needs: go, GNU time (/usr/bin/time; apt-get install time).
set -euo pipefail

RECORDS=${1:-10000}
LATENCY=${LATENCY:-20ms}
CONCURRENCY=${CONCURRENCY:-16}

. "$(dirname "$0")/lib.sh"

start_sandbox --users "$RECORDS" --latency "$LATENCY"

echo "# seeding: $RECORDS tokens with create-for-user"
{ echo user; seq 1001 $((1000 + RECORDS)); } >"$WORK/users.csv"
"$AXERO" token create-for-user --from "$WORK/users.csv" --out "$WORK/old.jsonl" --name bench --expires 90d --concurrency "$CONCURRENCY"

echo "# renewing $RECORDS records, latency $LATENCY, --concurrency $CONCURRENCY"
echo "\$ axero token rotate --from old.jsonl --out new.jsonl --concurrency $CONCURRENCY"
/usr/bin/time -v -o "$WORK/time" "$AXERO" token rotate --from "$WORK/old.jsonl" --out "$WORK/new.jsonl" --concurrency "$CONCURRENCY"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)
WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$WORK/time")
RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time")
RENEWED=$(wc -l <"$WORK/new.jsonl")
LATENCY_S=$(awk -v l="$LATENCY" 'BEGIN {sub(/ms$/,"",l); print l/1000}')
BOUND=$(awk -v n="$RECORDS" -v l="$LATENCY_S" -v c="$CONCURRENCY" 'BEGIN {printf "%.2f", 3*n*l/c}')

echo
echo "records renewed:   $RENEWED of $RECORDS"
echo "wall time:         ${WALL} s"
echo "bound:             ${BOUND} s (3 requests x $RECORDS x $LATENCY / $CONCURRENCY)"
awk -v w="$WALL" -v b="$BOUND" 'BEGIN {printf "ratio to bound:    %.2fx (target 1.3x)\n", w/b}'
awk -v k="$RSS_KB" 'BEGIN {printf "peak RSS:          %.1f MiB\n", k/1024}'
echo "load average:      $LOAD (1, 5, 15 min; $(nproc) CPUs)"
