#!/usr/bin/env bash
# workers-bench.bash - hpcapdd's block copy with every option on, its
# SHA-256 in the copy's thread (--workers 0) against on a thread of its own
# (--workers 1), next to the limits measured in the same run: dd O_DIRECT
# to the same disk and sha256sum of the same bytes (part of `make bench`;
# issue 14 part 1); then the block copier alone on the RAW file (mapped as
# a capture buffer would be: no producer competing for the CPU).  hpcapdd reads a shared-memory queue that pcap2hpcap
# fills (libhpcap's userspace producer, as bench/pipeline-bench.bash), every
# case once per round, rounds interleaved.  Every sidecar is checked with
# sha256sum -c and every RAW output with checkraw in every round.  Appends a
# dated section to bench/RESULTS.md.
#
#   bench/workers-bench.bash [--no-append] [--size MiB] [--loops N] [--rounds N]
#                            [--cases "CASE..."]   (default: all of them;
#   dd sha256sum plain index sha_w0 sha_w1 all_w0 all_w1 copier_plain
#   copier_sha_w0 copier_sha_w1; goals whose cases did not run say n/a)
set -euo pipefail
cd "$(dirname "$0")/.."
append=1; size=256; loops=4; rounds=5; only=""
while [ $# -gt 0 ]; do
	case "$1" in
	--no-append) append=0; shift ;;
	--size) size=$2; shift 2 ;;
	--loops) loops=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--cases) only=$2; shift 2 ;;
	-h | --help) sed -n '2,16p' "$0"; exit 0 ;;
	*) echo "workers-bench: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
for v in "$size" "$loops" "$rounds"; do
	[[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "workers-bench: sizes and counts are whole numbers, at least 1" >&2; exit 2; }
done

BUILD=${BUILD:-build}
make -s BUILD="$BUILD" libs tools "$BUILD/bench/pipeline-bench"
mkdir -p bench/data
real=bench/data/real-${size}M.pcap
[ -f "$real" ] || "$BUILD/bench/pipeline-bench" gen "$real" "$size"
raw=${real%.pcap}.raw
[ -f "$raw" ] || "$BUILD/bin/pcap2raw" -q "$real" "$raw"

qdir=/dev/shm/workers-bench-q.$$
outdir=bench/data/workers-bench-out
hook=/dev/shm/workers-bench-hook.$$.sh
out=$(mktemp)
notes=$qdir/notes
mkdir -p "$qdir"
# shellcheck disable=SC2016 # $1 is the hook's own argument
printf '#!/bin/sh\nstat -c %%s "$1" > /dev/null\n' > "$hook"
chmod +x "$hook"
trap 'rm -rf "$out" "$qdir" "$outdir" "$hook"' EXIT
# shellcheck source=bench/stats.bash
. bench/stats.bash

in_bytes=$(($(stat -c %s "$real") * loops))
mib=$((in_bytes / 1048576))
raw_bytes=$(stat -c %s "$raw")
cases=(dd sha256sum plain index sha_w0 sha_w1 all_w0 all_w1 copier_plain copier_sha_w0 copier_sha_w1)
if [ -n "$only" ]; then
	for c in $only; do
		[[ " ${cases[*]} " == *" $c "* ]] || { echo "workers-bench: unknown case '$c' (see --help)" >&2; exit 2; }
	done
	read -r -a cases <<< "$only"
	[[ " $only " == *" plain "* ]] || { echo "workers-bench: --cases needs plain (every ratio is against it)" >&2; exit 2; }
fi
bytes_of() { case $1 in copier_*) echo "$raw_bytes" ;; *) echo "$in_bytes" ;; esac; }
opts_of() {
	case $1 in
	plain) echo "" ;;
	index) echo "--index --index-queue 4096" ;;
	sha_w0) echo "--sha256 --workers 0" ;;
	sha_w1) echo "--sha256 --workers 1" ;;
	all_w0) echo "--split-time 500ms --sha256 --post $hook --workers 0" ;;
	all_w1) echo "--split-time 500ms --sha256 --post $hook --workers 1" ;;
	esac
}
label_of() {
	case $1 in
	dd) echo "limit: dd bs=1M oflag=direct conv=fdatasync, $mib MiB to the same disk" ;;
	sha256sum) echo "limit: sha256sum of the RAW file x $loops (page cache, one core)" ;;
	plain) echo "hpcapdd (HPCAP's block copy)" ;;
	copier_plain) echo "block copier alone (pipeline-bench copier), plain" ;;
	copier_sha_w0) echo "block copier alone, --sha256 --workers 0" ;;
	copier_sha_w1) echo "block copier alone, --sha256 --workers 1" ;;
	*) echo "hpcapdd $(opts_of "$1" | sed "s|$hook|hook.sh|")" ;;
	esac
}
# One case once; prints its seconds.
run_case() {
	local c=$1 t0 t1 pp
	rm -rf "$outdir"; mkdir -p "$outdir"; sync -f bench/data
	case $c in
	dd)
		t0=$EPOCHREALTIME
		dd if=/dev/zero of="$outdir/dd" bs=1M count="$mib" oflag=direct conv=fdatasync status=none
		t1=$EPOCHREALTIME ;;
	sha256sum)
		cat "$raw" > /dev/null
		t0=$EPOCHREALTIME
		for _ in $(seq "$loops"); do sha256sum "$raw" > /dev/null; done
		t1=$EPOCHREALTIME ;;
	copier_*)
		local how=plain w=0
		case $c in *sha*) how=sha256 ;; esac
		case $c in *w1) w=1 ;; esac
		"$BUILD/bench/pipeline-bench" copier "$raw" "$outdir" "$how" "$w" | awk '{ print $3 }'
		"$BUILD/bin/checkraw" -q "$outdir" > /dev/null 2>&1 || echo "checkraw failed on $c" >> "$notes"
		[ "$how" = plain ] || (cd "$outdir" && sha256sum --quiet -c ./*.sha256 > /dev/null 2>&1) ||
			echo "sha256sum -c failed on $c" >> "$notes"
		return ;;
	*)
		"$BUILD/bin/pcap2hpcap" -q -D "$qdir" --file-size 64M -L "$loops" "$real" 0 0 &
		pp=$!
		while [ ! -e "$qdir/hpcap_0_0" ]; do sleep 0.05; done
		t0=$EPOCHREALTIME
		# shellcheck disable=SC2046 # options are words
		HPCAP_DEV_DIR=$qdir "$BUILD/bin/hpcapdd" -q $(opts_of "$c") 0 0 "$outdir" 2> "$qdir/$c.log" ||
			{ echo "workers-bench: hpcapdd $c failed: $(tail -2 "$qdir/$c.log")" >&2; exit 1; }
		t1=$EPOCHREALTIME
		wait "$pp"
		"$BUILD/bin/checkraw" -q "$outdir" > /dev/null 2>&1 || echo "checkraw failed on $c" >> "$notes"
		case $c in index)
			# Every file indexed before hpcapdd returned (the time
			# counts the last file's index), and each index right.
			[ "$(find "$outdir" -name '*.idx' | wc -l)" = "$(find "$outdir" -type f ! -name '*.idx' | wc -l)" ] ||
				echo "hpcapdd --index left files without an index" >> "$notes"
			"$BUILD/bin/hpcap-index" --verify -q "$outdir" > /dev/null 2>&1 ||
				echo "hpcap-index --verify failed on $c" >> "$notes" ;;
		esac
		case $c in sha* | all*)
			[ -n "$(find "$outdir" -name '*.sha256' -print -quit)" ] ||
				echo "no sidecar from $c" >> "$notes"
			find "$outdir" -name '*.sha256' -execdir sha256sum --quiet -c {} + > /dev/null 2>&1 ||
				echo "sha256sum -c failed on $c" >> "$notes" ;;
		esac ;;
	esac
	elapsed "$t0" "$t1"
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A T
for _ in $(seq "$rounds"); do
	for c in "${cases[@]}"; do
		T[$c]+="$(run_case "$c") "
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# shellcheck disable=SC2086 # lists of numbers
b_of() { printf '%s\n' ${T[$1]} | best; }
# shellcheck disable=SC2086
m_of() { printf '%s\n' ${T[$1]} | med; }
# pct A B: A's throughput in % of B's (best times), or n/a when one of
# them did not run
pct() { if [ -n "${T[$1]:-}" ] && [ -n "${T[$2]:-}" ]; then echo "$(calc 0 "100 * $(b_of "$2") / $(b_of "$1")")%"; else echo "n/a"; fi; }
{
	echo "## hpcapdd with every option on, hashing in the copy's thread or beside it, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, kernel $(uname -r); load $load0 before, $load1 after; disk $(findmnt -n -o SOURCE,FSTYPE -T bench/data | tr -s ' '). bench/workers-bench.bash: pcap2hpcap replays the mixed capture of bench/pipeline-bench.bash $loops times ($in_bytes bytes, $mib MiB) into a shared-memory queue as fast as hpcapdd takes it; hpcapdd writes RAW files with O_DIRECT. Best of $rounds interleaved rounds (median beside it). The replay producer needs a core of the two, so hpcapdd and its hashing thread share the other with it: on this machine a second thread has no free core, which caps what --workers 1 can show."
	echo
	echo "| case | MB/s best | MB/s median | vs plain hpcapdd (best) | vs --workers 0 (best) |"
	echo "|---|---:|---:|---:|---:|"
	pb=$(b_of plain)
	for c in "${cases[@]}"; do
		b=$(b_of "$c"); m=$(m_of "$c"); by=$(bytes_of "$c")
		vs0="-"
		case $c in *_w1) [ -z "${T[${c%_w1}_w0]:-}" ] || vs0="$(calc 2 "$(b_of "${c%_w1}_w0") / $b")x" ;; esac
		vsp="$(calc 3 "($by / $b) / ($in_bytes / $pb)")"
		case $c in copier_*) vsp="-"; [ -z "${T[copier_plain]:-}" ] || vsp="$(calc 3 "$(b_of copier_plain) / $b") (of the copier alone)" ;; esac
		echo "| $(label_of "$c") | $(calc 0 "$by / $b / 1e6") | $(calc 0 "$by / $m / 1e6") | $vsp | $vs0 |"
	done
	echo
	echo "Goals (issue 14): plain hpcapdd >= 95% of dd O_DIRECT: $(pct plain dd); --sha256 >= 90% of plain: $(pct sha_w0 plain) with --workers 0, $(pct sha_w1 plain) with --workers 1; the copier alone (no producer beside it), --sha256 against plain: $(pct copier_sha_w0 copier_plain) with --workers 0, $(pct copier_sha_w1 copier_plain) with --workers 1. --index against plain (issue 15, the index built from the capture buffer beside the copy): $(pct index plain). A 10 GbE port needs 1250 MB/s.$( [ -s "$notes" ] && echo " CHECKS FAILED: $(xargs < "$notes")" || echo " checkraw and sha256sum -c passed on every output, every file was indexed and hpcap-index --verify agreed.")"
	echo
} > "$out"
cat "$out"
if [ "$append" = 1 ]; then
	{ echo; cat "$out"; } >> bench/RESULTS.md
	echo "workers-bench: appended to bench/RESULTS.md"
fi
