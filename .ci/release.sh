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
# installed once per machine into the CI cache (see lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

GORELEASER_VERSION=v2.15.1

. .ci/lib.sh
bin_dir=$(ci_cache_root)/goreleaser-$GORELEASER_VERSION
goreleaser=$bin_dir/goreleaser
ci_install "$bin_dir" "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION" goreleaser
echo "release: $("$goreleaser" --version 2>&1 | grep -i '^GitVersion' || echo "goreleaser $GORELEASER_VERSION")"

# unzip lists the Windows archives; a fresh Debian machine may lack it.
if ! command -v unzip >/dev/null; then
	apt-get update -qq && apt-get install -y -qq --no-install-recommends unzip >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone --quiet --no-hardlinks "$repo" "$work/axero"
cd "$work/axero"

# goreleaser's own log is long; it is shown only when a step fails.
log=$work/goreleaser.log
if ! "$goreleaser" check >"$log" 2>&1; then
	cat "$log" >&2
	echo "release: goreleaser check failed" >&2
	exit 1
fi

start=$(date +%s)
if ! "$goreleaser" release --snapshot --clean --skip=publish,sign,sbom >"$log" 2>&1; then
	cat "$log" >&2
	echo "release: the snapshot build failed" >&2
	exit 1
fi
elapsed=$(($(date +%s) - start))
echo "release: goreleaser $GORELEASER_VERSION built the snapshot in ${elapsed}s"

version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' dist/metadata.json | head -n 1)
if [ -z "$version" ]; then
	echo "release: dist/metadata.json names no version" >&2
	exit 1
fi

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
	echo "release: FAIL: $*" >&2
	failed=$((failed + 1))
}
need() {
	if [ -s "$1" ]; then
		pass
	else
		fail "missing artefact $1"
		return 1
	fi
}

# Each archive: the binary, the README, the licence, every completion script
# and the man pages; and, where `file` can tell, a binary for its platform.
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
			completions/axero.fish completions/axero.ps1 manpages/axero.1.gz manpages/axero-token-create.1.gz; do
			if grep -qx "$f" <<<"$listing"; then pass; else fail "$archive lacks $f"; fi
		done
		if command -v file >/dev/null; then
			case $os/$arch in
			linux/amd64) want='ELF 64-bit.*x86-64' ;;
			linux/arm64) want='ELF 64-bit.*aarch64' ;;
			darwin/amd64) want='Mach-O 64-bit.*x86_64' ;;
			darwin/arm64) want='Mach-O 64-bit.*arm64' ;;
			windows/amd64) want='PE32\+.*x86-64' ;;
			windows/arm64) want='PE32\+.*Aarch64' ;;
			esac
			binary=$(find "dist" -path "*axero_${os}_${arch}*" -name "$exe" -type f | head -n 1)
			if [ -n "$binary" ] && file -b "$binary" | grep -Eq "$want"; then
				pass
			else
				fail "no $os/$arch binary in dist (found '${binary:-nothing}': $(file -b "${binary:-/dev/null}"))"
			fi
		fi
	done
done

# Each Linux package: the binary, completions and man pages where the
# distribution looks for them.
for arch in amd64 arm64; do
	if need "dist/axero_${version}_linux_${arch}.deb"; then
		contents=$(dpkg-deb -c "dist/axero_${version}_linux_${arch}.deb")
		for f in ./usr/bin/axero ./usr/share/bash-completion/completions/axero \
			./usr/share/zsh/vendor-completions/_axero ./usr/share/fish/vendor_completions.d/axero.fish \
			./usr/share/man/man1/axero.1.gz ./usr/share/man/man1/axero-token-create.1.gz; do
			if grep -q " $f\$" <<<"$contents"; then pass; else fail "the $arch .deb lacks $f"; fi
		done
	fi
	need "dist/axero_${version}_linux_${arch}.rpm" || true
done
need dist/checksums.txt || true
need dist/homebrew/Casks/axero.rb || true
need dist/scoop/axero.json || true
if [ -s dist/checksums.txt ]; then
	if (cd dist && sha256sum --quiet -c checksums.txt); then pass; else fail "checksums.txt does not match the artefacts"; fi
fi

# The binary a user would unpack must say which release and commit it is.
unpacked=$work/unpacked
mkdir -p "$unpacked"
tar -xzf "dist/axero_${version}_linux_amd64.tar.gz" -C "$unpacked"
report=$("$unpacked/axero" version)
reported=$(sed -n '1s/^axero //p' <<<"$report")
# The toolchain that built it is the one without known vulnerabilities.
built_with=$(go version "$unpacked/axero" | awk '{print $2}')
if [ "$built_with" = "$AXERO_GO" ]; then pass; else fail "the linux/amd64 binary was built with $built_with, want $AXERO_GO"; fi
if [ "$reported" = "$version" ]; then pass; else fail "the linux/amd64 binary reports version '$reported', want '$version'"; fi
commit=$(sed -n 's/^commit: *//p' <<<"$report")
if [ "$commit" = "$(git rev-parse HEAD)" ]; then pass; else fail "the linux/amd64 binary reports commit '$commit', want $(git rev-parse HEAD)"; fi
if MANWIDTH=80 man -l "$unpacked/manpages/axero.1.gz" 2>/dev/null | grep -q 'axero - ' || ! command -v man >/dev/null; then
	pass
else
	fail "man cannot render manpages/axero.1.gz"
fi

echo "release: artefacts of $version:"
(cd dist && find . -maxdepth 1 -type f \( -name '*.tar.gz' -o -name '*.zip' -o -name '*.deb' -o -name '*.rpm' -o -name 'checksums.txt' \) \
	-printf '%10s  %f\n' | sort -k2)

rm -rf "$repo/dist"
mv dist "$repo/dist"

echo "release: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
