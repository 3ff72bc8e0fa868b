#!/usr/bin/env bash
# Checks the release configuration and builds every archive and package
# exactly as a release would, without publishing, signing or an SBOM; then
# proves that each archive holds a binary and that the linux/amd64 one
# reports the snapshot version.
#
# It builds the committed HEAD in a fresh clone (goreleaser needs a clean
# checkout with a remote) and leaves the artefacts in ./dist.
#
# goreleaser is pinned and, because building it takes about four minutes,
# installed once per machine into a cache directory that outlives the
# checkout ($AXERO_CI_CACHE, default /var/cache/axero-ci, or ~/.cache/axero-ci
# when that is not writable).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

GORELEASER_VERSION=v2.15.1

cache_root=${AXERO_CI_CACHE:-/var/cache/axero-ci}
if ! mkdir -p "$cache_root" 2>/dev/null || [ ! -w "$cache_root" ]; then
	cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/axero-ci
	mkdir -p "$cache_root"
fi
bin_dir=$cache_root/goreleaser-$GORELEASER_VERSION
goreleaser=$bin_dir/goreleaser

if [ ! -x "$goreleaser" ]; then
	echo "release: installing goreleaser $GORELEASER_VERSION into $bin_dir (about four minutes, once per machine)"
	mkdir -p "$bin_dir"
	# Install into a scratch directory and rename, so that an interrupted
	# install never leaves a half-written binary that looks cached.
	scratch=$(mktemp -d "$bin_dir/.install.XXXXXX")
	GOBIN=$scratch go install "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION"
	mv "$scratch/goreleaser" "$goreleaser"
	rmdir "$scratch"
fi
echo "release: $("$goreleaser" --version 2>&1 | grep -i '^GitVersion' || echo "goreleaser $GORELEASER_VERSION")"

# unzip lists the Windows archives; a fresh Debian machine may lack it.
if ! command -v unzip >/dev/null; then
	apt-get update -qq && apt-get install -y -qq --no-install-recommends unzip >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone --quiet --no-hardlinks "$repo" "$work/axero"
cd "$work/axero"

"$goreleaser" check

start=$(date +%s)
"$goreleaser" release --snapshot --clean --skip=publish,sign,sbom
elapsed=$(($(date +%s) - start))
echo "release: snapshot build took ${elapsed}s"

version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' dist/metadata.json | head -n 1)
if [ -z "$version" ]; then
	echo "release: dist/metadata.json names no version" >&2
	exit 1
fi

fail=0
need() {
	if [ ! -s "$1" ]; then
		echo "release: missing artefact $1" >&2
		fail=1
		return 1
	fi
}

for os in linux darwin windows; do
	for arch in amd64 arm64; do
		if [ "$os" = windows ]; then
			archive=dist/axero_${version}_${os}_${arch}.zip
			need "$archive" || continue
			listing=$(unzip -Z1 "$archive")
			exe=axero.exe
		else
			archive=dist/axero_${version}_${os}_${arch}.tar.gz
			need "$archive" || continue
			listing=$(tar -tzf "$archive")
			exe=axero
		fi
		for f in "$exe" README.md LICENSE completions/axero.bash completions/_axero \
			completions/axero.fish completions/axero.ps1 manpages/axero.1.gz; do
			if ! grep -qx "$f" <<<"$listing"; then
				echo "release: $archive lacks $f" >&2
				fail=1
			fi
		done
	done
done

for arch in amd64 arm64; do
	if need "dist/axero_${version}_linux_${arch}.deb"; then
		contents=$(dpkg-deb -c "dist/axero_${version}_linux_${arch}.deb")
		for f in ./usr/bin/axero ./usr/share/bash-completion/completions/axero \
			./usr/share/zsh/vendor-completions/_axero ./usr/share/fish/vendor_completions.d/axero.fish \
			./usr/share/man/man1/axero.1.gz; do
			if ! grep -q " $f\$" <<<"$contents"; then
				echo "release: the $arch .deb lacks $f" >&2
				fail=1
			fi
		done
	fi
	need "dist/axero_${version}_linux_${arch}.rpm" || true
done
need dist/checksums.txt || true
need dist/homebrew/Casks/axero.rb || true
need dist/scoop/axero.json || true
if [ -s dist/checksums.txt ] && ! (cd dist && sha256sum --quiet -c checksums.txt); then
	echo "release: checksums.txt does not match the artefacts" >&2
	fail=1
fi

# The binary a user would unpack must say which release it is.
unpacked=$work/unpacked
mkdir -p "$unpacked"
tar -xzf "dist/axero_${version}_linux_amd64.tar.gz" -C "$unpacked"
reported=$("$unpacked/axero" version | sed -n '1s/^axero //p')
if [ "$reported" != "$version" ]; then
	echo "release: the linux/amd64 binary reports version '$reported', want '$version'" >&2
	fail=1
fi
commit=$("$unpacked/axero" version | sed -n 's/^commit: *//p')
if [ "$commit" != "$(git rev-parse HEAD)" ]; then
	echo "release: the linux/amd64 binary reports commit '$commit', want $(git rev-parse HEAD)" >&2
	fail=1
fi

echo "release: artefacts of $version:"
(cd dist && find . -maxdepth 1 -type f \( -name '*.tar.gz' -o -name '*.zip' -o -name '*.deb' -o -name '*.rpm' -o -name 'checksums.txt' \) \
	-printf '%10s  %f\n' | sort -k2)

rm -rf "$repo/dist"
mv dist "$repo/dist"

if [ "$fail" -ne 0 ]; then
	echo "release: FAILED" >&2
	exit 1
fi
echo "release: OK ($version, every archive and package built and checked)"
