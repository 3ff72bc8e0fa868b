#!/usr/bin/env bash
# Benchmark of `axero token create-for-user --from`, against `axero sandbox`
# on loopback:
#
#   1. 10,000 users given by UserID, 20 ms latency per request, --concurrency
#      16: wall time and peak RSS (from /usr/bin/time -v). The lower bound is
#      10,000 creates x 20 ms / 16 = 12.5 s; the target is 1.25x that.
#   2. The baseline a user would otherwise write: a sequential shell loop
#      calling curl once per user, on a sample of users, extrapolated to
#      10,000. Target: axero at least 10x faster.
#   3. 100,000 rows with --dry-run (every user looked up, every row checked)
#      at zero latency: peak RSS. Target: under 64 MiB, like case 1.
#
# Usage: bench/bulk.sh [USERS] [SAMPLE] [DRYRUN_ROWS]   (defaults 10000 200 100000)
# Needs: go, curl, GNU time (/usr/bin/time; apt-get install time).
set -euo pipefail

USERS=${1:-10000}
SAMPLE=${2:-200}
DRYRUN_ROWS=${3:-100000}
LATENCY=${LATENCY:-20ms}
CONCURRENCY=${CONCURRENCY:-16}

. "$(dirname "$0")/lib.sh"


stop_sandbox() {
	kill "$SANDBOX_PID" 2>/dev/null || true
	wait "$SANDBOX_PID" 2>/dev/null || true
	SANDBOX_PID=
}

# users_csv FIRST COUNT FILE
users_csv() {
	{ echo user; seq "$1" $(($1 + $2 - 1)); } >"$3"
}


echo "# 1. $USERS users by UserID, latency $LATENCY, --concurrency $CONCURRENCY"
start_sandbox --users "$USERS" --latency "$LATENCY"
users_csv 1001 "$USERS" "$WORK/users.csv"
CMD=("$AXERO" token create-for-user --from "$WORK/users.csv" --out "$WORK/out.jsonl" --name bench --expires 30d --concurrency "$CONCURRENCY")
echo "\$ axero token create-for-user --from users.csv --out out.jsonl --name bench --expires 30d --concurrency $CONCURRENCY"
timed mint "${CMD[@]}"
MINT_WALL=$WALL MINT_RSS=$RSS_MIB
MINTED=$(wc -l <"$WORK/out.jsonl")
LATENCY_S=$(awk -v l="$LATENCY" 'BEGIN {sub(/ms$/,"",l); print l/1000}')
BOUND=$(awk -v n="$USERS" -v l="$LATENCY_S" -v c="$CONCURRENCY" 'BEGIN {printf "%.2f", n*l/c}')

echo "# 2. baseline: a sequential curl loop over $SAMPLE users"
printf 'Authorization: Bearer %s\nContent-Type: application/json\n' "$AXERO_TOKEN" >"$WORK/headers"
curl_loop() {
	for id in $(seq 1001 $((1000 + SAMPLE))); do
		curl -sS -X POST -H @"$WORK/headers" -d '{"Name":"curl-baseline","ExpiresInMinutes":43200}' \
			"$AXERO_URL/api/users/$id/bearertokens" >>"$WORK/curl.out"
		echo >>"$WORK/curl.out"
	done
}
START=$(date +%s.%N)
curl_loop
END=$(date +%s.%N)
CURL_SAMPLE=$(awk -v s="$START" -v e="$END" 'BEGIN {printf "%.2f", e-s}')
CURL_EXTRA=$(awk -v t="$CURL_SAMPLE" -v s="$SAMPLE" -v n="$USERS" 'BEGIN {printf "%.1f", t/s*n}')
stop_sandbox

echo "# 3. $DRYRUN_ROWS rows, --dry-run, zero latency"
start_sandbox --users "$DRYRUN_ROWS" --latency 0s
users_csv 1001 "$DRYRUN_ROWS" "$WORK/many.csv"
echo "\$ axero token create-for-user --from many.csv --dry-run --concurrency $CONCURRENCY > plan.csv"
timed dryrun "$AXERO" token create-for-user --from "$WORK/many.csv" --dry-run --concurrency "$CONCURRENCY" >"$WORK/plan.csv"
DRY_WALL=$WALL DRY_RSS=$RSS_MIB
PLANNED=$(($(wc -l <"$WORK/plan.csv") - 1))
stop_sandbox

echo
echo "## results ($(nproc) CPUs, $(uname -sr))"
awk -v users="$USERS" -v minted="$MINTED" -v wall="$MINT_WALL" -v bound="$BOUND" -v rss="$MINT_RSS" \
	-v sample="$SAMPLE" -v cs="$CURL_SAMPLE" -v ce="$CURL_EXTRA" \
	-v rows="$DRYRUN_ROWS" -v planned="$PLANNED" -v dwall="$DRY_WALL" -v drss="$DRY_RSS" 'BEGIN {
	printf "mint %d users:     %d minted in %.2f s (bound %.2f s, %.2fx the bound; target <= 1.25x), peak RSS %.1f MiB (target < 64)\n", users, minted, wall, bound, wall/bound, rss
	printf "curl loop:         %d users in %.2f s, extrapolated to %d users: %.1f s; axero is %.1fx faster (target >= 10x)\n", sample, cs, users, ce, ce/wall
	printf "dry run %d rows: %d planned in %.2f s, peak RSS %.1f MiB (target < 64)\n", rows, planned, dwall, drss
}'
