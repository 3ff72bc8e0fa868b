# Shared by the CI scripts: where pinned tools are cached, and how one is
# installed. Building golangci-lint or goreleaser takes minutes, so each is
# built once per machine into a cache directory that outlives the checkout
# ($AXERO_CI_CACHE, default /var/cache/axero-ci, or ~/.cache/axero-ci when
# that is not writable).

# The toolchain that builds and checks axero: the first without known
# vulnerabilities in what axero ships (go.mod names it too). The go command
# fetches it from the Go module proxy when the machine's go is older.
AXERO_GO=go1.27.3

ci_cache_root() {
	local root=${AXERO_CI_CACHE:-/var/cache/axero-ci}
	if ! mkdir -p "$root" 2>/dev/null || [ ! -w "$root" ]; then
		root=${XDG_CACHE_HOME:-$HOME/.cache}/axero-ci
		mkdir -p "$root"
	fi
	echo "$root"
}

# ci_install DIR PACKAGE@VERSION BINARY: builds PACKAGE@VERSION with the
# pinned toolchain into DIR unless DIR/BINARY is there already. It installs
# into a scratch directory and renames, so that an interrupted install never
# leaves a half-written binary that looks cached.
ci_install() {
	local dir=$1 pkg=$2 bin=$3
	if [ -x "$dir/$bin" ]; then
		return 0
	fi
	echo "ci: installing $pkg into $dir (once per machine)"
	mkdir -p "$dir"
	local scratch
	scratch=$(mktemp -d "$dir/.install.XXXXXX")
	GOTOOLCHAIN=$AXERO_GO GOBIN=$scratch go install "$pkg"
	mv "$scratch/$bin" "$dir/$bin"
	rmdir "$scratch"
}
