#!/usr/bin/env bash
# Builds the offline vulnerability database that vuln.sh reads, once per
# machine into the CI cache (see lib.sh). golangci-lint and govulncheck need
# no install: tools/lint/go.mod and tools/vuln/go.mod pin them, and `go tool`
# builds them into the Go build cache on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/lib.sh

# The Go vulnerability database as the golang.org/x/vulndb module holds it:
# its data/osv folder, indexed by its own cmd/indexdb into the layout that
# `govulncheck -db file:///DIR` reads. To refresh it, put the newest
# pseudo-version here (`go list -m golang.org/x/vulndb@latest` prints it)
# and run CI: the new snapshot is indexed once into its own directory.
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018

cache=$(ci_cache_root)
ci_install "$cache/vulndb-$VULNDB_VERSION/bin" "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" indexdb

db=$cache/vulndb-$VULNDB_VERSION/db
if [ ! -f "$db/index/db.json" ]; then
	echo "ci: indexing the vulnerability database $VULNDB_VERSION into $db"
	src=$(GOTOOLCHAIN=$AXERO_GO GOFLAGS=-mod=mod go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -d "$src/data/osv" ] || { echo "ci: golang.org/x/vulndb@$VULNDB_VERSION has no data/osv" >&2; exit 1; }
	scratch=$(mktemp -d "$cache/vulndb-$VULNDB_VERSION/.db.XXXXXX")
	"$cache/vulndb-$VULNDB_VERSION/bin/indexdb" -vulns "$src/data/osv" -out "$scratch/db"
	rm -rf "$db"
	mv "$scratch/db" "$db"
	rmdir "$scratch"
fi

echo "ci: vulndb $VULNDB_VERSION in $cache"
