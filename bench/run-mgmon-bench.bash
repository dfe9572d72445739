#!/usr/bin/env bash
# run-mgmon-bench.bash - libmgmon's offline loop against libpcap's
# pcap_loop() over the same frames, from the page cache: per-frame speed,
# the ratio (target >= 3x), and peak RSS.  Also the next-packet call, the
# buffered RAW reader and the flow table on both sides.  Prints a markdown
# table and appends a dated section to bench/RESULTS.md.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: bench/run-mgmon-bench.bash [options]

Time libmgmon's offline packet loop over a RAW file against libpcap's
pcap_loop() over the same frames as a nanosecond pcap (the IMIX capture
that bench/run-bench.bash generates into bench/data/, reused if present),
both from the page cache, with handlers doing the same work.  Every case
runs once per round, rounds interleave the cases, and verdicts use the
best round of each (noise only adds time); medians are shown beside.

Cases: mgmon (mgmon_loop), mgmon-next (mgmon_next), rawreader
(hpcap_raw_next), pcap (pcap_loop), mgmon-flows and pcap-flows (the same
loops feeding a libmgmon flow table).

Options:
  --size MB      data size: the RAW file is MB MiB (default 2048)
  --quick        256 MiB, 3 rounds (unless --size/--runs given)
  --runs N       rounds (default 5; 3 with --quick)
  --no-flows     skip the flow-table cases
  --no-append    print the results only; do not append to bench/RESULTS.md
  --regen        regenerate the data even if it is present
  -h, --help     show this help

Needs: a C compiler, libpcap (headers and library), $BUILD/lib/libmgmon.a
and libhpcap.a (`make libs`; BUILD defaults to build), GNU time at
/usr/bin/time for peak RSS (optional).
USAGE
}

die() {
	echo "run-mgmon-bench: $*" >&2
	exit 1
}
say() { echo "run-mgmon-bench: $*" >&2; }

size_mb=""
runs=""
quick=0
do_append=1
do_flows=1
regen=0
while [ $# -gt 0 ]; do
	case "$1" in
	--size)
		[ $# -ge 2 ] || die "--size needs a value (MiB)"
		size_mb=$2
		shift
		;;
	--size=*) size_mb=${1#--size=} ;;
	--runs)
		[ $# -ge 2 ] || die "--runs needs a value"
		runs=$2
		shift
		;;
	--runs=*) runs=${1#--runs=} ;;
	--quick) quick=1 ;;
	--no-flows) do_flows=0 ;;
	--no-append) do_append=0 ;;
	--regen) regen=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "run-mgmon-bench: unknown option '$1' (see --help)" >&2
		exit 2
		;;
	esac
	shift
done
if [ -z "$size_mb" ]; then
	if [ "$quick" = 1 ]; then size_mb=256; else size_mb=2048; fi
fi
if [ -z "$runs" ]; then
	if [ "$quick" = 1 ]; then runs=3; else runs=5; fi
fi
if ! [[ "$size_mb" =~ ^[0-9]+$ ]] || [ "$size_mb" -lt 16 ]; then
	die "--size must be a whole number of MiB, at least 16"
fi
if ! [[ "$runs" =~ ^[0-9]+$ ]] || [ "$runs" -lt 1 ]; then
	die "--runs must be a whole number, at least 1"
fi
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash 5 or later"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
case $BUILD in /*) build_dir=$BUILD ;; *) build_dir=$root/$BUILD ;; esac
data_dir=$root/bench/data
results=$root/bench/RESULTS.md
bin_dir=$build_dir/bench
LIBA=$build_dir/lib/libhpcap.a
MGMONA=$build_dir/lib/libmgmon.a
BENCH=$bin_dir/mgmon-bench
GEN=$bin_dir/gen-traffic
CC=${CC:-cc}
if [ ! -f "$LIBA" ] || [ ! -f "$MGMONA" ]; then
	say "building the libraries (make libs)"
	make -s BUILD="$BUILD" libs >&2 || die "make libs failed"
fi
make -s BUILD="$BUILD" "$BUILD/bench/mgmon-bench" "$BUILD/bench/gen-traffic" >&2 ||
	die "cannot build the benchmark programs (make bench-progs)"
GNU_TIME=/usr/bin/time
"$GNU_TIME" -f %M true >/dev/null 2>&1 || GNU_TIME=""

# Data: the same files as bench/run-bench.bash (same generator, same seed).
mkdir -p "$data_dir"
RAW=$data_dir/imix-${size_mb}M.raw
PCAP=$data_dir/imix-${size_mb}M.pcap
INFO=$data_dir/imix-${size_mb}M.info
gen_id=$(cksum <bench/gen-traffic.c | awk '{ print $1 }')
if [ "$regen" = 1 ] || [ ! -f "$RAW" ] || [ ! -f "$PCAP" ] || [ ! -f "$INFO" ] ||
	! grep -q "^gen=$gen_id " "$INFO"; then
	rm -f "$RAW" "$PCAP" "$INFO"
	say "generating ${size_mb} MiB of IMIX traffic (RAW + pcap) into $data_dir"
	line=$("$GEN" -s "$size_mb" -p "$data_dir/.gen-$$.pcap" "$data_dir/.gen-$$.raw") ||
		die "gen-traffic failed"
	mv "$data_dir/.gen-$$.raw" "$RAW"
	mv "$data_dir/.gen-$$.pcap" "$PCAP"
	echo "gen=$gen_id $line" >"$INFO"
fi
info=$(cat "$INFO")
frames=$(sed -n 's/.* frames=\([0-9]*\).*/\1/p' <<<"$info")
raw_bytes=$(stat -c %s "$RAW")
pcap_bytes=$(stat -c %s "$PCAP")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mgmon-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

cases=(mgmon mgmon-next rawreader pcap)
[ "$do_flows" = 1 ] && cases+=(mgmon-flows pcap-flows)
file_of() { case $1 in pcap*) echo "$PCAP" ;; *) echo "$RAW" ;; esac; }

say "warming the page cache"
cat "$RAW" "$PCAP" >/dev/null

declare -A T RSS SEEN
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "measuring: ${#cases[@]} cases x $runs rounds on ${size_mb} MiB ($frames frames)"
for ((r = 1; r <= runs; r++)); do
	for c in "${cases[@]}"; do
		if [ -n "$GNU_TIME" ]; then
			"$GNU_TIME" -f %M -o "$tmp/rss" "$BENCH" "$c" "$(file_of "$c")" >"$tmp/out" 2>"$tmp/err" ||
				die "$c failed: $(tail -n 3 "$tmp/err")"
			rss=$(tail -n 1 "$tmp/rss")
			if [ -z "${RSS[$c]:-}" ] || [ "$rss" -gt "${RSS[$c]}" ]; then RSS[$c]=$rss; fi
		else
			"$BENCH" "$c" "$(file_of "$c")" >"$tmp/out" 2>"$tmp/err" ||
				die "$c failed: $(tail -n 3 "$tmp/err")"
		fi
		read -r _ n b s <"$tmp/out"
		SEEN[$c]="$n $b"
		T[$c]+="$s "
	done
	say "round $r/$runs done"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# Same frames on every side, or the comparison means nothing.
for c in "${cases[@]}"; do
	[ "${SEEN[$c]}" = "${SEEN[mgmon]}" ] || die "$c saw '${SEEN[$c]}', mgmon '${SEEN[mgmon]}' (frames bytes)"
done
[ "${SEEN[mgmon]%% *}" = "$frames" ] || die "mgmon saw ${SEEN[mgmon]%% *} frames, the data has $frames"

stat_of() { # <median|best> <numbers...>
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
# shellcheck source=bench/stats.bash
. "$root/bench/stats.bash"
declare -A MED BEST
for c in "${cases[@]}"; do
	# shellcheck disable=SC2086 # space-separated numbers
	MED[$c]=$(stat_of median ${T[$c]})
	# shellcheck disable=SC2086
	BEST[$c]=$(stat_of best ${T[$c]})
done
label() {
	case $1 in
	mgmon) echo "libmgmon offline loop (mgmon_loop), RAW" ;;
	mgmon-next) echo "libmgmon next-packet (mgmon_next), RAW" ;;
	rawreader) echo "libhpcap buffered reader (hpcap_raw_next), RAW" ;;
	pcap) echo "libpcap pcap_loop, nanosecond pcap" ;;
	mgmon-flows) echo "libmgmon loop + flow table, RAW" ;;
	pcap-flows) echo "pcap_loop + the same flow table, pcap" ;;
	esac
}
ratio=$(calc 2 "${BEST[pcap]} / ${BEST[mgmon]}")
ratio_med=$(calc 2 "${MED[pcap]} / ${MED[mgmon]}")
verdict=$(awk -v v="$ratio" 'BEGIN { print (v >= 3) ? "met" : "**MISSED**" }')
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
section=$tmp/section.md
{
	echo "## libmgmon offline loop vs pcap_loop, $(date -u '+%Y-%m-%d %H:%M UTC'): ${size_mb} MiB, $runs rounds"
	echo
	echo "- machine: kernel $(uname -r), CPU ${cpu:-$(uname -m)}, $(nproc) cores;" \
		"load average $load_before before, $load_after after"
	echo "- data: bench/gen-traffic.c IMIX, $frames frames; RAW $raw_bytes bytes, pcap $pcap_bytes bytes" \
		"(same frames; every case saw the same frame and byte counts); page cache warm"
	echo "- handlers: count the frame, add its wire length, read its EtherType (same on both sides)"
	echo
	echo "| case | best s | median s | Mframes/s (best) | ns/frame | input GB/s | peak RSS MiB |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	for c in "${cases[@]}"; do
		bytes=$raw_bytes
		case $c in pcap*) bytes=$pcap_bytes ;; esac
		rss=n/a
		[ -n "${RSS[$c]:-}" ] && rss=$(calc 1 "${RSS[$c]} / 1024")
		echo "| $(label "$c") | $(calc 3 "${BEST[$c]}") | $(calc 3 "${MED[$c]}") |" \
			"$(calc 2 "$frames / ${BEST[$c]} / 1e6") | $(calc 1 "${BEST[$c]} * 1e9 / $frames") |" \
			"$(calc 2 "$bytes / ${BEST[$c]} / 1e9") | $rss |"
	done
	echo
	echo "| comparison (same run) | best-of-$runs | medians | target | |"
	echo "| --- | ---: | ---: | ---: | --- |"
	echo "| libmgmon loop vs pcap_loop, per frame (speed-up) | ${ratio}x | ${ratio_med}x | >= 3x | $verdict |"
	if [ "$do_flows" = 1 ]; then
		echo "| with a flow table on both sides (speed-up) | $(calc 2 "${BEST[pcap-flows]} / ${BEST[mgmon-flows]}")x |" \
			"$(calc 2 "${MED[pcap-flows]} / ${MED[mgmon-flows]}")x | (info) | |"
	fi
	echo "| libmgmon loop vs libhpcap's buffered reader (speed-up) | $(calc 2 "${BEST[rawreader]} / ${BEST[mgmon]}")x |" \
		"$(calc 2 "${MED[rawreader]} / ${MED[mgmon]}")x | (info) | |"
	echo
} >"$section"
cat "$section"
if [ "$do_append" = 1 ]; then
	cat "$section" >>"$results"
	say "appended to $results"
fi
