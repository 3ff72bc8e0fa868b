#!/usr/bin/env bash
# Timing of a delivered rotation to six sinks, and of the demo, with the
# real binary against `axero sandbox --sinks` on loopback:
#
#   1. `axero token rotate bench --to github:... --to vault:... --to
#      gitlab:... --to aws-sm:... --to file:... --to exec:...`, RUNS times
#      (each run rotates the token the previous one left): the whole
#      process, from start to exit, as farm-bench measures it (median).
#   2. `axero demo`, the whole tour.
#
# Usage: bench/deliver.sh [RUNS]   (default 20)
# Needs: go, farm-bench, GNU time (apt-get install time; lib.sh checks).
set -euo pipefail

RUNS=${1:-20}

. "$(dirname "$0")/lib.sh"

echo "# starting axero sandbox --sinks"
start_sandbox --sinks
for _ in $(seq 1 100); do
	grep -q '^export AWS_SECRET_ACCESS_KEY=' "$WORK/sandbox.out" && break
	sleep 0.1
done
# The sinks' variables, as the sandbox printed them.
eval "$(grep -E '^export (GITHUB_API_URL|GH_TOKEN|CI_API_V4_URL|GITLAB_TOKEN|VAULT_ADDR|VAULT_TOKEN|AWS_ENDPOINT_URL_SECRETS_MANAGER|AWS_REGION|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)=' "$WORK/sandbox.out")"
export AWS_CONFIG_FILE="$WORK/none" AWS_SHARED_CREDENTIALS_FILE="$WORK/none" AWS_EC2_METADATA_DISABLED=true
export AXERO_URL AXERO_TOKEN
"$AXERO" token create --name bench --expires 30d >/dev/null

SINKS=(--to github:acme/api#AXERO_TOKEN --to vault:secret/ci/axero#token
	--to gitlab:project/acme/api#AXERO_TOKEN --to aws-sm:ci/axero
	--to "file:$WORK/axero.env#AXERO_TOKEN" --to "exec:sh -c 'cat > /dev/null'")
echo "# 1. a rotation delivered to six sinks, $RUNS runs"
echo "\$ axero token rotate bench ${SINKS[*]}"
farm-bench -n "$RUNS" -- "$AXERO" token rotate bench "${SINKS[@]}"
LIVE=$("$AXERO" token list --jq '[.[] | select(.Name == "bench")] | length')
if [ "$LIVE" != 1 ]; then
	echo "bench: $LIVE live tokens named bench after the runs, want 1" >&2
	exit 1
fi

echo "# 2. axero demo"
farm-bench -n "$RUNS" -- "$AXERO" demo
