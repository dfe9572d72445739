#!/usr/bin/env bash
# build-qemu.bash - build qemu-system-x86_64 from Debian's QEMU 10 source
# with hpcap's Intel 82599 test model (tests/vm/qemu/hw/net/), and cache it
# outside the work tree, keyed by the QEMU version and a hash of the model.
#
# See usage() and tests/vm/README.md ("The 82599 model").
set -euo pipefail

here=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
prog=build-qemu
# shellcheck source=tests/vm/qemu/qemu-model.bash
. "$here/qemu-model.bash"

usage() {
	cat <<'USAGE'
Usage: build-qemu.bash [options]

Builds QEMU's qemu-system-x86_64 from the Debian source package `qemu` in
bookworm-backports, with hpcap's 82599 model (device `hpcap-82599`) added,
unless a binary for the same QEMU version and model is already cached.
Prints the binary's path on the last line of stdout.

Options:
  --check        only report: exit 0 and print the path if the binary for
                 the current model is cached, exit 1 otherwise
  --force        rebuild even if cached
  --jobs N       parallel compile jobs (default 2)
  --keep DIR     build in DIR and keep it (for working on the model:
                 `ninja -C DIR/build qemu-system-x86_64` rebuilds in seconds)
  -h, --help     this help

Environment:
  HPCAP_QEMU_CACHE   cache directory (default /var/cache/hpcap); the binary
                     goes to $HPCAP_QEMU_CACHE/qemu-<version>-<model hash>/

Needs (scripts/install-deps.bash installs them): root for apt, a deb-src
entry for bookworm-backports (added here, copying the URIs of the machine's
own Debian entry), the build dependencies ninja-build libglib2.0-dev
libpixman-1-dev libfdt-dev python3-venv flex bison bzip2, and meson >= 1.5
and python3-pycotap from bookworm-backports.
USAGE
}

fail() {
	echo "$prog: $*" >&2
	exit 1
}

check_only=0
force=0
jobs=2
keep=""
while [ $# -gt 0 ]; do
	case "$1" in
	--check) check_only=1; shift ;;
	--force) force=1; shift ;;
	--jobs) [ $# -ge 2 ] || fail "--jobs needs a number"; jobs=$2; shift 2 ;;
	--keep) [ $# -ge 2 ] || fail "--keep needs a directory"; keep=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) fail "unknown option '$1' (see --help)" ;;
	esac
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || fail "--jobs wants a positive number, got '$jobs'"

if [ "$check_only" = 1 ]; then
	hpcap_qemu_find || { echo "$prog: no patched QEMU built for model $(hpcap_qemu_key) (run $0)" >&2; exit 1; }
	exit 0
fi

# Source: the orig tarball of the bookworm-backports source package (the
# .dsc and .debian.tar.xz have been seen to be missing on the mirror; the
# orig tarball is all that is needed).  apt checks it against the signed
# Sources index.
add_deb_src() {
	local list=/etc/apt/sources.list.d/hpcap-backports-src.sources uris
	[ -f "$list" ] && return 0
	uris=$("$here/../../../scripts/debian-mirror.bash") || uris=""
	[ -n "$uris" ] || fail "cannot find the Debian mirror in the apt sources"
	printf 'Types: deb-src\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$uris" >"$list"
	apt-get update -q >/dev/null || fail "apt-get update failed after adding $list"
}
[ -f /etc/apt/sources.list.d/hpcap-backports-src.sources ] || [ "$(id -u)" = 0 ] ||
	fail "run as root once: the bookworm-backports deb-src entry must be added"
add_deb_src
srcver=$(apt-cache showsrc qemu 2>/dev/null | awk '/^Version:/ { print $2 }' | sort -V | tail -n 1)
[ -n "$srcver" ] || fail "no source package qemu (is the bookworm-backports deb-src entry there?)"
upver=${srcver#*:}
upver=${upver%-*}                       # e.g. 10.0.2+ds
tarball=qemu_${upver}.orig.tar.xz
case "$upver" in 10.*) ;; *) fail "source package qemu is $upver; this model is written for QEMU 10" ;; esac

# The cache key: QEMU's source version and the model's hash.
key=$(hpcap_qemu_key)
out=$hpcap_qemu_cache/qemu-${upver}-$key
if [ "$force" = 0 ] && [ -x "$out/qemu-system-x86_64" ]; then
	echo "$prog: cached: $out/qemu-system-x86_64" >&2
	echo "$out/qemu-system-x86_64"
	exit 0
fi

[ "$(id -u)" = 0 ] || fail "run as root (the cache is in $hpcap_qemu_cache; HPCAP_QEMU_CACHE moves it)"
for tool in apt-get apt-cache meson ninja python3 flock; do
	command -v "$tool" >/dev/null || fail "$tool not found (run scripts/install-deps.bash)"
done
meson_ver=$(meson --version)
if [ "$(printf '%s\n1.5\n' "$meson_ver" | sort -V | head -n1)" != 1.5 ]; then
	fail "meson $meson_ver is too old (QEMU 10 needs 1.5+: apt-get install -t bookworm-backports meson)"
fi
mkdir -p "$hpcap_qemu_cache/src"
# One QEMU build at a time on this machine (they take both cores).
exec 9>"$hpcap_qemu_cache/.build.lock"
flock 9
if [ "$force" = 0 ] && [ -x "$out/qemu-system-x86_64" ]; then
	echo "$prog: built meanwhile: $out/qemu-system-x86_64" >&2
	echo "$out/qemu-system-x86_64"
	exit 0
fi
if [ ! -s "$hpcap_qemu_cache/src/$tarball" ]; then
	echo "$prog: fetching $tarball" >&2
	dl=$(mktemp -d "${TMPDIR:-/var/tmp}/hpcap-qemu-dl.XXXXXX")
	# Only the orig tarball is needed; apt may fail on the others.
	(cd "$dl" && apt-get source --download-only -q "qemu=$srcver" >/dev/null 2>&1) || true
	[ -s "$dl/$tarball" ] || { rm -rf "$dl"; fail "apt-get source did not fetch $tarball"; }
	mv "$dl/$tarball" "$hpcap_qemu_cache/src/$tarball"
	rm -rf "$dl"
fi

if [ -n "$keep" ]; then
	mkdir -p "$keep"
	work=$(cd -P "$keep" && pwd)
else
	work=$(mktemp -d "${TMPDIR:-/var/tmp}/hpcap-qemu-build.XXXXXX")
	trap 'rm -rf "$work"' EXIT
fi
start=$SECONDS
echo "$prog: building QEMU $upver with model $key in $work (takes minutes)" >&2
rm -rf "$work/src"
mkdir -p "$work/src"
tar -xf "$hpcap_qemu_cache/src/$tarball" -C "$work/src" --strip-components=1
src=$work/src
# The +ds tarball has no firmware blobs: do not try to unpack edk2 images.
sed -i 's/^\(    unpack_edk2_blobs = \)bzip2.found()/\1false/' "$src/meson.build"
hpcap_qemu_integrate "$src"
mkdir -p "$src/build"
(
	cd "$src/build"
	../configure --python=/usr/bin/python3 "${hpcap_qemu_configure[@]}" >configure.log 2>&1 ||
		{ tail -n 30 configure.log >&2; exit 1; }
	ninja -j"$jobs" qemu-system-x86_64 >ninja.log 2>&1 ||
		{ grep -E -B2 -A8 'error|FAILED' ninja.log | head -n 60 >&2; exit 1; }
) || fail "QEMU build failed (logs in $src/build, kept with --keep)"

tmpout=$(mktemp -d "$hpcap_qemu_cache/.qemu-new.XXXXXX")
cp "$src/build/qemu-system-x86_64" "$tmpout/"
{
	echo "qemu source package: qemu $srcver ($tarball)"
	echo "model key: $key"
	echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((SECONDS - start)) s with $jobs jobs"
	echo "configure: ${hpcap_qemu_configure[*]}"
} >"$tmpout/build-info.txt"
rm -rf "$out"
mv "$tmpout" "$out"
chmod 0755 "$out"
echo "$prog: built in $((SECONDS - start)) s: $out/qemu-system-x86_64" >&2
echo "$out/qemu-system-x86_64"
