# Shared by the benchmark scripts: a scratch directory removed on exit, the
# axero binary built from this checkout, a config directory of its own with
# the keychain off, and `timed`. Sourced, after the script has set its own
# variables; a script that starts more background processes lists their
# PIDs in BENCH_PIDS, which cleanup kills too.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d)
SANDBOX_PID=
BENCH_PIDS=
cleanup() {
	local pid
	for pid in $BENCH_PIDS; do kill "$pid" 2>/dev/null || true; done
	if [ -n "$SANDBOX_PID" ]; then kill "$SANDBOX_PID" 2>/dev/null || true; wait "$SANDBOX_PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT
umask 077

if [ ! -x /usr/bin/time ]; then
	echo "bench: GNU time is missing: apt-get install time" >&2
	exit 1
fi

# go.mod asks for go1.27.3; an older go fetches it (see the README).
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
echo "# building axero"
(cd "$ROOT" && go build -o "$WORK/axero" .)
AXERO="$WORK/axero"
export AXERO_CONFIG_DIR="$WORK/config" AXERO_KEYCHAIN=off AXERO_NO_PROMPT=1

# timed LABEL COMMAND...: runs the command under GNU time and sets WALL
# (seconds) and RSS_MIB (peak resident set size).
timed() {
	local label=$1
	shift
	/usr/bin/time -v -o "$WORK/time.$label" "$@"
	WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$WORK/time.$label")
	RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.$label")
	RSS_MIB=$(awk -v k="$RSS_KB" 'BEGIN {printf "%.1f", k/1024}')
}

# start_sandbox SANDBOX-FLAGS...: runs `axero sandbox` with those flags in
# the background, waits for it to print its seed tokens (a large --users
# takes a few seconds), and exports AXERO_URL and AXERO_TOKEN (the admin's
# seed token) from what it printed.
start_sandbox() {
	"$AXERO" sandbox "$@" >"$WORK/sandbox.out" 2>&1 &
	SANDBOX_PID=$!
	for _ in $(seq 1 600); do
		grep -q '^export ADMIN_TOKEN=' "$WORK/sandbox.out" 2>/dev/null && break
		kill -0 "$SANDBOX_PID" 2>/dev/null || break
		sleep 0.1
	done
	AXERO_URL=$(sed -n 's/^export AXERO_URL=//p' "$WORK/sandbox.out")
	AXERO_TOKEN=$(sed -n "s/^export ADMIN_TOKEN='\(.*\)'$/\1/p" "$WORK/sandbox.out")
	if [ -z "$AXERO_URL" ] || [ -z "$AXERO_TOKEN" ]; then
		echo "bench: the sandbox did not start:" >&2
		cat "$WORK/sandbox.out" >&2
		exit 1
	fi
	export AXERO_URL AXERO_TOKEN
}
