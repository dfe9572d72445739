#!/usr/bin/env bash
# compare-insns.bash - the userspace benchmarks' work counted in instructions
# (valgrind's callgrind) on two or more builds: the same figure for the same
# binary and input whatever else the machine is doing, so a refactor can be
# judged against its parent on a loaded machine, where timings say nothing.
# Instructions are not time (cache misses and branch mispredictions are not
# in them): use bench/compare-builds.bash on a quiet machine for that.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: bench/compare-insns.bash [--size MiB] [--cases LIST] NAME=BUILD_DIR NAME=BUILD_DIR...

BUILD_DIR is a `make BUILD=DIR tools bench-progs` build (bin/ and bench/).
Each case runs once per build under valgrind --tool=callgrind; the table
gives the instructions per build and each build relative to the first.

Cases:
  mgmon       libmgmon's offline loop (bench/mgmon-bench mgmon) over the RAW file
  mgmon-next  libmgmon's next-packet call (mgmon-bench mgmon-next)
  rawreader   libhpcap's buffered reader (mgmon-bench rawreader)
  checkraw    checkraw -q on the RAW file
  raw2pcap    raw2pcap -q RAW /dev/null
  ring64      the producer routine, 200000 64-byte frames (bench/ring-bench)
  rxpoll      the native poll loop, 200 passes (bench/rxpoll-bench)

Options:
  --size MiB     the RAW file made with the first build's gen-traffic (default 64)
  --cases LIST   comma-separated subset of the cases above
  -h, --help     show this help
USAGE
}

die() { echo "compare-insns: $*" >&2; exit 1; }

size=64
cases=mgmon,mgmon-next,rawreader,checkraw,raw2pcap,ring64,rxpoll
names=()
declare -A DIR
while [ $# -gt 0 ]; do
	case $1 in
	--size) size=$2; shift 2 ;;
	--cases) cases=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*=*) n=${1%%=*}; d=${1#*=}
	     [ -x "$d/bench/mgmon-bench" ] && [ -x "$d/bin/checkraw" ] ||
		die "$d has no bench/mgmon-bench or bin/checkraw (make BUILD=$d tools bench-progs)"
	     DIR[$n]=$(cd "$d" && pwd); names+=("$n"); shift ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ ${#names[@]} -ge 2 ] || { usage >&2; exit 2; }
command -v valgrind >/dev/null || die "valgrind is not installed (package valgrind)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
raw=$tmp/imix.raw
"${DIR[${names[0]}]}/bench/gen-traffic" -s "$size" "$raw" >/dev/null || die "gen-traffic failed"

# Instructions of one case with one build, on stdout.
insns() { # <case> <dir>
	local cmd
	case $1 in
	mgmon | mgmon-next | rawreader) cmd=("$2/bench/mgmon-bench" "$1" "$raw") ;;
	checkraw) cmd=("$2/bin/checkraw" -q "$raw") ;;
	raw2pcap) cmd=("$2/bin/raw2pcap" -q "$raw" /dev/null) ;;
	ring64) cmd=("$2/bench/ring-bench" 200000 64) ;;
	rxpoll) cmd=("$2/bench/rxpoll-bench" 200) ;;
	*) die "unknown case '$1'" ;;
	esac
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "${cmd[@]}" \
		>/dev/null 2>"$tmp/vg.txt" || { sed 's/^/    /' "$tmp/vg.txt" >&2; die "$1 failed with $2"; }
	awk '/Collected :/ { print $NF }' "$tmp/vg.txt"
}

printf -- '- %s UTC, %s, %s MiB RAW, valgrind %s\n\n' "$(date -u '+%Y-%m-%d %H:%M')" \
	"$(uname -r)" "$size" "$(valgrind --version)"
printf '| case |'; for n in "${names[@]}"; do printf ' %s insns |' "$n"; done
for n in "${names[@]:1}"; do printf ' %s / %s |' "$n" "${names[0]}"; done; echo
printf '| --- |'; for _ in "${names[@]}" "${names[@]:1}"; do printf ' ---: |'; done; echo
IFS=, read -r -a list <<<"$cases"
for c in "${list[@]}"; do
	declare -A got=()
	for n in "${names[@]}"; do got[$n]=$(insns "$c" "${DIR[$n]}"); done
	printf '| %s |' "$c"
	for n in "${names[@]}"; do printf ' %s |' "${got[$n]}"; done
	for n in "${names[@]:1}"; do
		awk -v a="${got[$n]}" -v b="${got[${names[0]}]}" 'BEGIN { printf " %.3f |", a / b }'
	done
	echo
done
