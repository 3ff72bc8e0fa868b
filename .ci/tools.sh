#!/usr/bin/env bash
# Installs the pinned tools that test.sh and vuln.sh need (golangci-lint,
# govulncheck) and builds the offline vulnerability database, each once per
# machine into the CI cache (see lib.sh). Prints where they are.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/lib.sh

GOLANGCI_LINT_VERSION=v2.15.0
GOVULNCHECK_VERSION=v1.9.0
# The Go vulnerability database as the golang.org/x/vulndb module holds it:
# its data/osv folder, indexed by its own cmd/indexdb into the layout that
# `govulncheck -db file:///DIR` reads. To refresh it, put the newest
# pseudo-version here (`go list -m golang.org/x/vulndb@latest` prints it)
# and run CI: the new snapshot is indexed once into its own directory.
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018

cache=$(ci_cache_root)
ci_install "$cache/golangci-lint-$GOLANGCI_LINT_VERSION" \
	"github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_LINT_VERSION" golangci-lint
ci_install "$cache/govulncheck-$GOVULNCHECK_VERSION" "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION" govulncheck
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

echo "ci: golangci-lint $GOLANGCI_LINT_VERSION, govulncheck $GOVULNCHECK_VERSION, vulndb $VULNDB_VERSION in $cache"
