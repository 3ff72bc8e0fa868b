#!/usr/bin/env bash
# Benchmark of `axero token audit` and `axero token revoke --from`, driving
# the real binary against `axero sandbox --history` on loopback:
#
#   1. audit: every token of USERS users (about 5 each) as CSV, 20 ms
#      latency per request, --concurrency 16. Bound: (user pages + users)
#      requests / 16 x 20 ms (one token page per user; pages of 100 users).
#      Targets: within 1.25x the bound; peak RSS < 64 MiB.
#   2. revoke --from: one token of each user, taken from that CSV, with
#      --yes. Bound: 2 requests per row (list the owner's tokens, delete) /
#      16 x 20 ms. Target: within 1.25x the bound.
#
# Wall time and peak RSS come from GNU time (/usr/bin/time -v). Both runs
# are checked: the audit must list every user, the revoke must revoke
# every row.
#
# Usage: bench/lifecycle.sh [USERS]   (default 10000)
# Needs: go, curl, GNU time (apt-get install time).
set -euo pipefail

USERS=${1:-10000}
LATENCY=${LATENCY:-20ms}
CONCURRENCY=${CONCURRENCY:-16}

. "$(dirname "$0")/lib.sh"

echo "# starting axero sandbox --users $USERS --history --latency $LATENCY"
start_sandbox --users "$USERS" --history --history-seed 1 --latency "$LATENCY"
grep '^# History' "$WORK/sandbox.out" || true


LATENCY_S=$(awk -v l="$LATENCY" 'BEGIN {sub(/ms$/,"",l); print l/1000}')
SITE_USERS=$(curl -s -H "Authorization: Bearer $AXERO_TOKEN" "$AXERO_URL/api/users?PageSize=1" | sed -n 's/.*"TotalRecords": *\([0-9]*\).*/\1/p')
PAGES=$(( (SITE_USERS + 99) / 100 ))

echo "# 1. audit: every token of $SITE_USERS users, --concurrency $CONCURRENCY"
echo "\$ axero token audit --concurrency $CONCURRENCY -o csv > inventory.csv"
timed audit "$AXERO" token audit --concurrency "$CONCURRENCY" -o csv >"$WORK/inventory.csv"
AUDIT_WALL=$WALL AUDIT_RSS=$RSS_MIB
AUDIT_ROWS=$(($(wc -l <"$WORK/inventory.csv") - 1))
AUDIT_USERS=$(awk -F, 'NR > 1 {u[$1]} END {print length(u)}' "$WORK/inventory.csv")
AUDIT_BOUND=$(awk -v n="$((PAGES + SITE_USERS))" -v l="$LATENCY_S" -v c="$CONCURRENCY" 'BEGIN {printf "%.2f", n*l/c}')

# One live token of each generated user (UserID > 1000), the first the
# audit listed that has not expired (an expired one needs no delete).
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
awk -F, -v now="$NOW" 'NR == 1 || ($1 > 1000 && ($10 == "never" || $10 > now) && !seen[$1]++)' "$WORK/inventory.csv" >"$WORK/revoke.csv"
ROWS=$(($(wc -l <"$WORK/revoke.csv") - 1))
echo "# 2. revoke --from: $ROWS tokens of $ROWS users, --concurrency $CONCURRENCY"
echo "\$ axero token revoke --from revoke.csv --yes --concurrency $CONCURRENCY"
timed revoke "$AXERO" token revoke --from "$WORK/revoke.csv" --yes --concurrency "$CONCURRENCY" 2>"$WORK/revoke.err"
REVOKE_WALL=$WALL REVOKE_RSS=$RSS_MIB
tail -1 "$WORK/revoke.err"
REVOKED=$(sed -n 's/^revoked \([0-9]*\),.*/\1/p' "$WORK/revoke.err")
REVOKE_BOUND=$(awk -v n="$ROWS" -v l="$LATENCY_S" -v c="$CONCURRENCY" 'BEGIN {printf "%.2f", 2*n*l/c}')

echo
echo "## results ($(nproc) CPUs, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg))"
awk -v users="$SITE_USERS" -v ausers="$AUDIT_USERS" -v rows="$AUDIT_ROWS" -v pages="$PAGES" -v wall="$AUDIT_WALL" -v bound="$AUDIT_BOUND" -v rss="$AUDIT_RSS" \
	-v rrows="$ROWS" -v revoked="$REVOKED" -v rwall="$REVOKE_WALL" -v rbound="$REVOKE_BOUND" -v rrss="$REVOKE_RSS" 'BEGIN {
	printf "audit %d users (%d pages): %d tokens of %d users in %.2f s (bound %.2f s, %.2fx; target <= 1.25x), peak RSS %.1f MiB (target < 64)\n", users, pages, rows, ausers, wall, bound, wall/bound, rss
	printf "revoke --from %d rows: %d revoked in %.2f s (bound %.2f s, %.2fx; target <= 1.25x), peak RSS %.1f MiB\n", rrows, revoked, rwall, rbound, rwall/rbound, rrss
}'
