#!/usr/bin/env bash
# Fails when axero reaches a known vulnerability: govulncheck (pinned by
# tools/vuln/go.mod) over
# the source with the toolchain that builds releases, against the offline
# database that tools.sh indexed, then over every binary in ./dist when a
# snapshot release is there (release.sh leaves one), since the toolchain
# that built an artefact is what ships.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/lib.sh
. <(sed -n 's/^\(VULNDB_VERSION\)=\(.*\)$/\1=\2/p' .ci/tools.sh)

cache=$(ci_cache_root)
db=$cache/vulndb-$VULNDB_VERSION/db
if [ ! -f "$db/index/db.json" ]; then
	echo "vuln: run .ci/tools.sh first (the database is missing from $cache)" >&2
	exit 1
fi
govulncheck() { GOTOOLCHAIN=$AXERO_GO go tool -modfile=tools/vuln/go.mod govulncheck "$@"; }

# govulncheck exits 3 when the code reaches a vulnerability.
echo "vuln: source, with $AXERO_GO, database $VULNDB_VERSION"
govulncheck -db "file://$db" ./...

scanned=0
if [ -d dist ]; then
	while IFS= read -r bin; do
		echo "vuln: binary ${bin#dist/}"
		govulncheck -db "file://$db" -mode binary "$bin"
		scanned=$((scanned + 1))
	done < <(find dist -type f \( -name axero -o -name axero.exe \) | sort)
fi
echo "vuln: no known vulnerability reached by the source or by $scanned release binaries"
