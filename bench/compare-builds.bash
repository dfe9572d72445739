#!/usr/bin/env bash
# compare-builds.bash - the same userspace benchmarks on two or more builds
# of hpcap (say main's and a branch's), interleaved in one run, so a change
# is judged against its parent on the same machine at the same moment.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: bench/compare-builds.bash [options] NAME=BUILD_DIR NAME=BUILD_DIR...

Run the same cases with the programs of each BUILD_DIR (a `make tools
bench-progs` build directory: bin/ and bench/ inside), one after the other
in every round, and print a markdown table of the best and median seconds
of each case per build, with each build's best relative to the first's.

Cases:
  mgmon       libmgmon's offline loop (bench/mgmon-bench mgmon), RAW file
  mgmon-next  libmgmon's next-packet call (mgmon-bench mgmon-next)
  rawreader   libhpcap's buffered reader (mgmon-bench rawreader)
  checkraw    checkraw -q on the RAW file
  raw2pcap    raw2pcap -q RAW /dev/null
  ring64      the producer routine, 64-byte frames (bench/ring-bench)

Options:
  --raw FILE     the RAW file (default: bench/data/imix-1024M.raw, made
                 with the first build's gen-traffic if missing)
  --runs N       rounds (default 7)
  --cases LIST   comma-separated subset of the cases above
  -h, --help     show this help

Nothing is appended anywhere: copy the table where it belongs.
USAGE
}

die() {
	echo "compare-builds: $*" >&2
	exit 1
}

raw=""
runs=7
cases=mgmon,mgmon-next,rawreader,checkraw,raw2pcap,ring64
builds=()
while [ $# -gt 0 ]; do
	case "$1" in
	--raw) [ $# -ge 2 ] || die "--raw needs a file"; raw=$2; shift ;;
	--runs) [ $# -ge 2 ] || die "--runs needs a number"; runs=$2; shift ;;
	--cases) [ $# -ge 2 ] || die "--cases needs a list"; cases=$2; shift ;;
	-h | --help) usage; exit 0 ;;
	*=*) builds+=("$1") ;;
	*) echo "compare-builds: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ "${#builds[@]}" -ge 2 ] || { echo "compare-builds: need at least two NAME=BUILD_DIR (see --help)" >&2; exit 2; }
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a whole number, at least 1"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash 5 or later"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
declare -A DIR
names=()
for b in "${builds[@]}"; do
	n=${b%%=*} d=${b#*=}
	[ -x "$d/bench/mgmon-bench" ] && [ -x "$d/bin/checkraw" ] ||
		die "$d has no bench/mgmon-bench or bin/checkraw (make BUILD=$d tools bench-progs)"
	DIR[$n]=$d
	names+=("$n")
done
if [ -z "$raw" ]; then
	raw=$root/bench/data/imix-1024M.raw
	if [ ! -f "$raw" ]; then
		mkdir -p "$root/bench/data"
		"${DIR[${names[0]}]}/bench/gen-traffic" -s 1024 "$raw.tmp" >/dev/null ||
			die "gen-traffic failed"
		mv "$raw.tmp" "$raw"
	fi
fi
[ -f "$raw" ] || die "no RAW file $raw"
cat "$raw" >/dev/null	# page cache

# Seconds of one case with one build, on stdout.
run_case() { # <case> <dir>
	local t0 t1 out
	case $1 in
	mgmon | mgmon-next | rawreader)
		out=$("$2/bench/mgmon-bench" "$1" "$raw") || return 1
		awk '{ print $4 }' <<<"$out" ;;
	checkraw | raw2pcap)
		t0=$EPOCHREALTIME
		if [ "$1" = checkraw ]; then
			"$2/bin/checkraw" -q "$raw" 2>/dev/null || return 1
		else
			"$2/bin/raw2pcap" -q "$raw" /dev/null 2>/dev/null || return 1
		fi
		t1=$EPOCHREALTIME
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' ;;
	ring64)
		# ns per frame of 20M frames -> seconds
		"$2/bench/ring-bench" 20000000 64 | awk -F'|' '$2 + 0 == 64 { printf "%.6f\n", $3 * 20000000 / 1e9 }' ;;
	*) return 2 ;;
	esac
}

IFS=, read -r -a clist <<<"$cases"
declare -A T
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= runs; r++)); do
	for c in "${clist[@]}"; do
		for n in "${names[@]}"; do
			s=$(run_case "$c" "${DIR[$n]}") || die "$c failed with $n"
			T[$c,$n]+="$s "
		done
	done
	echo "compare-builds: round $r/$runs done" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

stat_of() { # <best|median> numbers...
	local how=$1
	shift
	printf '%s\n' "$@" | sort -g | awk -v how="$how" '
		{ a[NR] = $1 }
		END {
			if (how == "best") { print a[1]; exit }
			if (NR % 2) print a[(NR + 1) / 2]
			else printf "%.6f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2
		}'
}
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), ${cpu:-$(uname -m)}, $(nproc) cores;" \
	"load $load_before before, $load_after after; $runs interleaved rounds;" \
	"RAW $(stat -c %s "$raw") bytes"
echo
head="| case |"
sep="| --- |"
for n in "${names[@]}"; do
	head+=" $n best s | $n median s |"
	sep+=" ---: | ---: |"
done
for n in "${names[@]:1}"; do
	head+=" $n / ${names[0]} (best) |"
	sep+=" ---: |"
done
echo "$head"
echo "$sep"
for c in "${clist[@]}"; do
	row="| $c |"
	declare -A B=()
	for n in "${names[@]}"; do
		# shellcheck disable=SC2086 # space-separated numbers
		B[$n]=$(stat_of best ${T[$c,$n]})
		# shellcheck disable=SC2086
		row+=" $(printf %.3f "${B[$n]}") | $(printf %.3f "$(stat_of median ${T[$c,$n]})") |"
	done
	for n in "${names[@]:1}"; do
		row+=" $(awk -v a="${B[$n]}" -v b="${B[${names[0]}]}" 'BEGIN { printf "%.3f", a / b }') |"
	done
	echo "$row"
done
