#!/usr/bin/env bash
# Fuzz smoke: runs every Go fuzz target of the module, one at a time, for
# FUZZTIME each, and fails if any of them finds an input that breaks its
# properties. A finding is written by the go command under the package's
# testdata/fuzz/<FuzzName>/; commit it as a seed once fixed.
#
# Usage: .ci/fuzz.sh [PACKAGES...]            (default ./...)
#   FUZZTIME     time per target (default 10s). CI uses the default; the
#                nightly budget is FUZZTIME=10m (about three and a half hours
#                for the current twenty targets).
#   FUZZWORKERS  fuzzing processes per target (default: the go command's,
#                GOMAXPROCS)
#
# Prints one line per target and a final "fuzz: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-10s}
PKGS=("$@")
[ ${#PKGS[@]} -gt 0 ] || PKGS=(./...)
LOG=$(mktemp -d)
trap 'rm -rf "$LOG"' EXIT

# `go test -list` prints a package's matching names, then its "ok" line.
targets=()
pending=()
while IFS= read -r line; do
	case $line in
	Fuzz*) pending+=("$line") ;;
	"ok "*)
		pkg=$(awk '{print $2}' <<<"$line")
		for name in "${pending[@]+"${pending[@]}"}"; do targets+=("$pkg $name"); done
		pending=()
		;;
	FAIL* | "# "*)
		echo "fuzz: cannot list the fuzz targets: $line" >&2
		exit 1
		;;
	esac
done < <(go test -list '^Fuzz' "${PKGS[@]}" 2>&1)

if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets found in ${PKGS[*]}" >&2
	exit 1
fi

workers=()
[ -z "${FUZZWORKERS:-}" ] || workers=(-parallel "$FUZZWORKERS")
passed=0 failed=0
for t in "${targets[@]}"; do
	pkg=${t% *} name=${t#* }
	out="$LOG/$name.log"
	start=$(date +%s)
	if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "${workers[@]+"${workers[@]}"}" "$pkg" >"$out" 2>&1; then
		status=ok passed=$((passed + 1))
	else
		status=FAIL failed=$((failed + 1))
	fi
	# The last progress line carries the executions; a very short run may
	# print none.
	execs=$(sed -n 's/.*execs: \([0-9]*\).*/\1/p' "$out" | tail -n 1)
	echo "fuzz: $status $name ($pkg) $(($(date +%s) - start))s, ${execs:-?} execs"
	if [ "$status" = FAIL ]; then
		sed -e 's/^/    /' "$out" | tail -n 40
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
