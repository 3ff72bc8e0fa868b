#!/usr/bin/env bash
# Start-up: the whole process of commands that do no network work, as
# farm-bench measures them (median of RUNS), for a release-like build
# (-trimpath -ldflags='-s -w'). Every command a script runs pays this, so
# it must stay a few milliseconds: package-level work (a large regexp, a
# table built at init) shows here first; `GODEBUG=inittrace=1 axero
# version` names the package.
#
# Usage: bench/startup.sh [RUNS]   (default 40)
# Needs: go, farm-bench, GNU time (apt-get install time; lib.sh checks).
set -euo pipefail

RUNS=${1:-40}

. "$(dirname "$0")/lib.sh"

(cd "$ROOT" && go build -trimpath -ldflags='-s -w' -o "$WORK/axero-release" .)
for cmd in "version" "token list --help" "status --offline"; do
	echo "# axero $cmd"
	# shellcheck disable=SC2086 # the command's words
	farm-bench -n "$RUNS" -- "$WORK/axero-release" $cmd | grep -E '^A (wall|cpu) s|^A peak'
done
echo "# the slowest package initialisers (ms)"
GODEBUG=inittrace=1 "$WORK/axero-release" version 2>&1 >/dev/null | awk '/^init / {print $5, $2}' | sort -rn | head -5
