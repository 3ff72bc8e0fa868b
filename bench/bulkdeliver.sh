#!/usr/bin/env bash
# What delivering every token to a sink of its own costs a bulk run, with
# the real binary against `axero sandbox --sinks` on loopback (the Axero
# emulator with LATENCY per request, the Vault emulator beside it with
# SINK_LATENCY per request, both 20ms by default):
#
#   1. create-for-user --from (USERS users, by user name), without --to;
#   2. the same with --to 'vault:secret/axero/{{.UserName}}#token';
#   3. rotate --from the output of 1, without --to;
#   4. rotate --from the output of 2, with the same --to.
#
# Each run's wall time and peak RSS come from /usr/bin/time -v; each run
# with --to is checked afterwards: every user's Vault entry holds the
# token of its record.
#
# Usage: bench/bulkdeliver.sh [USERS]   (default 1000)
# Needs: go, curl, jq, GNU time (apt-get install time).
set -euo pipefail

USERS=${1:-1000}
LATENCY=${LATENCY:-20ms}
SINK_LATENCY=${SINK_LATENCY:-20ms}
CONCURRENCY=${CONCURRENCY:-16}
TO='vault:secret/axero/{{.UserName}}#token'

. "$(dirname "$0")/lib.sh"

echo "# starting axero sandbox --sinks --sink-latency $SINK_LATENCY --users $USERS --latency $LATENCY"
start_sandbox --sinks --sink-latency "$SINK_LATENCY" --users "$USERS" --latency "$LATENCY"
for _ in $(seq 1 100); do
	grep -q '^export VAULT_TOKEN=' "$WORK/sandbox.out" && break
	sleep 0.1
done
eval "$(grep -E '^export (VAULT_ADDR|VAULT_TOKEN)=' "$WORK/sandbox.out")"

{
	echo user
	for i in $(seq 1 "$USERS"); do printf 'user%04d\n' "$i"; done
} >"$WORK/users.csv"

# checkvault FILE: every record's user has its token in Vault.
checkvault() {
	local bad=0 name token held
	while IFS=$'\t' read -r name token; do
		held=$(curl -sS -H "X-Vault-Token: $VAULT_TOKEN" "$VAULT_ADDR/v1/secret/data/axero/$name" | jq -r '.data.data.token')
		[ "$held" = "$token" ] || bad=$((bad + 1))
	done < <(jq -r '[.user, .token] | @tsv' "$1")
	if [ "$bad" != 0 ]; then
		echo "bench: $bad users of $1 do not have their token in Vault" >&2
		exit 1
	fi
}

run() { # LABEL ARGS...
	local label=$1
	shift
	echo "\$ axero $*"
	timed "$label" "$AXERO" "$@"
	printf -v "WALL_$label" '%s' "$WALL"
	printf -v "RSS_$label" '%s' "$RSS_MIB"
}

cd "$WORK"
run mint token create-for-user --from users.csv --out plain.jsonl --expires 30d --concurrency "$CONCURRENCY"
run mintto token create-for-user --from users.csv --out to.jsonl --expires 30d --concurrency "$CONCURRENCY" --to "$TO"
checkvault to.jsonl
run renew token rotate --from plain.jsonl --out plain2.jsonl --concurrency "$CONCURRENCY"
run renewto token rotate --from to.jsonl --out to2.jsonl --concurrency "$CONCURRENCY" --to "$TO"
checkvault to2.jsonl

echo
echo "## results ($(nproc) CPUs, $(uname -sr)), $USERS users, latency $LATENCY (site) and $SINK_LATENCY (Vault), --concurrency $CONCURRENCY"
printf 'create-for-user:        %6.2f s, peak RSS %5.1f MiB\n' "$WALL_mint" "$RSS_mint"
printf 'create-for-user --to:   %6.2f s, peak RSS %5.1f MiB (%.2fx)\n' "$WALL_mintto" "$RSS_mintto" "$(awk -v a="$WALL_mintto" -v b="$WALL_mint" 'BEGIN {print a/b}')"
printf 'rotate --from:          %6.2f s, peak RSS %5.1f MiB\n' "$WALL_renew" "$RSS_renew"
printf 'rotate --from --to:     %6.2f s, peak RSS %5.1f MiB (%.2fx)\n' "$WALL_renewto" "$RSS_renewto" "$(awk -v a="$WALL_renewto" -v b="$WALL_renew" 'BEGIN {print a/b}')"
