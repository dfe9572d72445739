#!/usr/bin/env bash
# bench-compare.bash - a regression check, not a timed test: the main
# userspace figures of the current tree against a reference commit, in one
# interleaved run (bench/compare-builds.bash), so a change to a hot path can
# show that it costs nothing.  `make bench-compare REF=<commit>` runs it.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: bench/bench-compare.bash [options] REF

Build REF (any commit, branch or tag) in a temporary git worktree and the
current tree (with its uncommitted changes) into BUILD (default build), then
run bench/compare-builds.bash with ref=REF's build first and current=BUILD,
and print its table: each case's best and median seconds per build and
current / ref (below 1: the current tree is faster).

Options:
  --runs N       interleaved rounds (default 7)
  --cases LIST   comma-separated cases of bench/compare-builds.bash
                 (default: all of them)
  --raw FILE     the RAW file the cases read (compare-builds.bash's default)
  -h, --help     show this help

Nothing is appended anywhere: copy the table where it belongs.
USAGE
}

die() {
	echo "bench-compare: $*" >&2
	exit 1
}

ref=""
pass=()
while [ $# -gt 0 ]; do
	case "$1" in
	--runs | --cases | --raw)
		[ $# -ge 2 ] || die "$1 needs a value (see --help)"
		pass+=("$1" "$2")
		shift ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "bench-compare: unknown option '$1' (see --help)" >&2; exit 2 ;;
	*) [ -z "$ref" ] || { echo "bench-compare: one REF only (see --help)" >&2; exit 2; }
	   ref=$1 ;;
	esac
	shift
done
[ -n "$ref" ] || { echo "bench-compare: which commit to compare with? Give REF (make bench-compare REF=main)" >&2; exit 2; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
sha=$(git rev-parse --verify --quiet "$ref^{commit}") ||
	die "'$ref' is not a commit of this repository (git log shows the ones there are)"
BUILD=${BUILD:-build}
jobs=$(nproc 2>/dev/null || echo 2)
[ "$jobs" -le 2 ] || jobs=2

tmp=$(mktemp -d)
cleanup() {
	git -C "$root" worktree remove --force "$tmp/src" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
git worktree add --detach --quiet "$tmp/src" "$sha"
echo "bench-compare: building $ref (${sha:0:12}) and the current tree" >&2
make -s -C "$tmp/src" -j"$jobs" BUILD=build tools bench-progs >/dev/null ||
	die "$ref does not build (make tools bench-progs in a worktree of it)"
make -s -j"$jobs" BUILD="$BUILD" tools bench-progs >/dev/null ||
	die "the current tree does not build"
echo "- ref = $ref (${sha:0:12}), current = $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' with uncommitted changes')"
"$root/bench/compare-builds.bash" "${pass[@]}" "ref=$tmp/src/build" "current=$root/$BUILD"
