#!/usr/bin/env bash
# zstd-threads-bench.bash - the per-frame pipeline's threads (issue 14):
# hpcapdd --format pcap --zstd=1 with the frames compressed in the
# writer's thread (--zstd-threads 0) and by pools of 1 and 2 threads, next
# to `zstd -1 -T1` / `-T2` of the same capture in the same run; and
# hpcapdd --format pcap --sha256 with the hash in the writer's thread
# (--workers 0) against on its own thread (--workers 1).  hpcapdd reads a
# shared-memory queue that pcap2hpcap fills (as bench/workers-bench.bash),
# every case once per round, rounds interleaved; ratios are taken between
# cases of the same run.  Checks in every round: the zstd outputs of
# every thread count have the same SHA-256 (the file is the same whatever
# the threads), every sidecar passes sha256sum -c.  Appends a dated
# section to bench/RESULTS.md (part of `make bench`).
#
#   bench/zstd-threads-bench.bash [--no-append] [--size MiB] [--loops N] [--rounds N]
set -euo pipefail
cd "$(dirname "$0")/.."
append=1; size=256; loops=2; rounds=3
while [ $# -gt 0 ]; do
	case "$1" in
	--no-append) append=0; shift ;;
	--size) size=$2; shift 2 ;;
	--loops) loops=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	-h | --help) sed -n '2,16p' "$0"; exit 0 ;;
	*) echo "zstd-threads-bench: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
for v in "$size" "$loops" "$rounds"; do
	[[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "zstd-threads-bench: sizes and counts are whole numbers, at least 1" >&2; exit 2; }
done

BUILD=${BUILD:-build}
make -s BUILD="$BUILD" libs tools "$BUILD/bench/pipeline-bench"
mkdir -p bench/data
real=bench/data/real-${size}M.pcap
[ -f "$real" ] || "$BUILD/bench/pipeline-bench" gen "$real" "$size"

qdir=/dev/shm/zstd-threads-bench-q.$$
outdir=bench/data/zstd-threads-bench-out
out=$(mktemp)
notes=$qdir/notes
mkdir -p "$qdir"
trap 'rm -rf "$out" "$qdir" "$outdir"' EXIT
# shellcheck source=bench/stats.bash
. bench/stats.bash

in_bytes=$(($(stat -c %s "$real") * loops))
mib=$((in_bytes / 1048576))
raw=${real%.pcap}.raw
[ -f "$raw" ] || "$BUILD/bin/pcap2raw" -q "$real" "$raw"
cases=(zstd_cli_t1 zstd_cli_t2 zstd_t0 zstd_t1 zstd_t2 pipe_t0 pipe_t1 pipe_t2 pcap_plain pcap_sha_w0 pcap_sha_w1)
opts_of() {
	case $1 in
	zstd_t*) echo "--format pcap --zstd=1 --zstd-threads ${1#zstd_t} --cores 0-$(($(nproc) - 1))" ;;
	pcap_plain) echo "--format pcap" ;;
	pcap_sha_w*) echo "--format pcap --sha256 --workers ${1#pcap_sha_w}" ;;
	esac
}
label_of() {
	case $1 in
	zstd_cli_t*) echo "limit: zstd -1 -T${1#zstd_cli_t} of the capture x $loops (page cache)" ;;
	pipe_t*) echo "the pipeline alone (no producer): pcap + zstd=1 on ${1#pipe_t} threads" ;;
	*) echo "hpcapdd $(opts_of "$1")" ;;
	esac
}
# One case once; prints its seconds.
run_case() {
	local c=$1 t0 t1 pp
	rm -rf "$outdir"; mkdir -p "$outdir"
	case $c in
	zstd_cli_t*)
		cat "$real" > /dev/null
		t0=$EPOCHREALTIME
		for _ in $(seq "$loops"); do zstd -q -1 -T"${c#zstd_cli_t}" -c "$real" > /dev/null; done
		t1=$EPOCHREALTIME ;;
	pipe_t*)
		# The same frames through hpcap_pipe from a RAW file in the page
		# cache: what the threads give when no producer takes a core.
		cat "$raw" > /dev/null
		t0=$EPOCHREALTIME
		for _ in $(seq "$loops"); do
			"$BUILD/bench/pipeline-bench" pipe "$raw" "$outdir" "pcap+zstd1+t${c#pipe_t}" > /dev/null ||
				{ echo "zstd-threads-bench: pipeline-bench $c failed" >&2; exit 1; }
		done
		t1=$EPOCHREALTIME
		find "$outdir" -name '*.zst' -exec cat {} + | sha256sum | cut -d' ' -f1 > "$qdir/$c.digest" ;;
	*)
		"$BUILD/bin/pcap2hpcap" -q -D "$qdir" --file-size 64M -L "$loops" "$real" 0 0 &
		pp=$!
		while [ ! -e "$qdir/hpcap_0_0" ]; do sleep 0.05; done
		t0=$EPOCHREALTIME
		# shellcheck disable=SC2046 # options are words
		HPCAP_DEV_DIR=$qdir "$BUILD/bin/hpcapdd" -q --name '%{seq}' $(opts_of "$c") 0 0 "$outdir" 2> "$qdir/$c.log" ||
			{ echo "zstd-threads-bench: hpcapdd $c failed: $(tail -2 "$qdir/$c.log")" >&2; exit 1; }
		t1=$EPOCHREALTIME
		wait "$pp"
		grep -Eq '(^|[^0-9])0 frames lost' "$qdir/$c.log" || echo "$c lost frames" >> "$notes"
		case $c in
		zstd_t*)
			find "$outdir" -name '*.zst' -exec cat {} + | sha256sum | cut -d' ' -f1 > "$qdir/$c.digest" ;;
		pcap_sha*)
			[ -n "$(find "$outdir" -name '*.sha256' -print -quit)" ] || echo "no sidecar from $c" >> "$notes"
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
	for n in 1 2; do
		cmp -s "$qdir/zstd_t0.digest" "$qdir/zstd_t$n.digest" ||
			echo "zstd output with $n threads differs from 0 threads" >> "$notes"
		cmp -s "$qdir/pipe_t0.digest" "$qdir/pipe_t$n.digest" ||
			echo "the pipeline alone: zstd output with $n threads differs from 0 threads" >> "$notes"
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# shellcheck disable=SC2086 # lists of numbers
b_of() { printf '%s\n' ${T[$1]} | best; }
# shellcheck disable=SC2086
m_of() { printf '%s\n' ${T[$1]} | med; }
# speed of a over speed of b (same bytes): time of b / time of a
x() { calc 2 "$(b_of "$2") / $(b_of "$1")"; }
{
	echo "## The per-frame pipeline's threads: pcap + zstd=1 by 0, 1 and 2 threads, pcap + sha256 in the writer's thread or beside it, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, kernel $(uname -r); load $load0 before, $load1 after; disk $(findmnt -n -o SOURCE,FSTYPE -T bench/data | tr -s ' '). bench/zstd-threads-bench.bash: pcap2hpcap replays the mixed capture of bench/pipeline-bench.bash $loops times ($in_bytes bytes, $mib MiB) into a shared-memory queue as fast as hpcapdd takes it; hpcapdd writes one pcap file (O_DIRECT). Best of $rounds interleaved rounds (median beside it). The replay producer needs a core of the two, so the writer and its threads share the other with it."
	echo
	echo "| case | MB/s best | MB/s median |"
	echo "|---|---:|---:|"
	for c in "${cases[@]}"; do
		echo "| $(label_of "$c") | $(calc 0 "$in_bytes / $(b_of "$c") / 1e6") | $(calc 0 "$in_bytes / $(m_of "$c") / 1e6") |"
	done
	echo
	echo "Ratios (best against best, same run): zstd=1 with 1 thread against the writer's thread $(x zstd_t1 zstd_t0)x, 2 threads against 1 $(x zstd_t2 zstd_t1)x (goal 1.8x), 2 against the writer's thread $(x zstd_t2 zstd_t0)x; hpcapdd against zstd -T of the same threads: 1 thread $(x zstd_t1 zstd_cli_t1)x, 2 threads $(x zstd_t2 zstd_cli_t2)x (goal 0.9x); zstd -T2 against -T1 $(x zstd_cli_t2 zstd_cli_t1)x. The pipeline alone (no producer beside it, so both cores are free): 1 thread against the writer's thread $(x pipe_t1 pipe_t0)x, 2 threads against 1 $(x pipe_t2 pipe_t1)x (goal 1.8x; zstd's own -T2 against -T1: $(x zstd_cli_t2 zstd_cli_t1)x), against zstd -T of the same threads: 1 thread $(x pipe_t1 zstd_cli_t1)x, 2 threads $(x pipe_t2 zstd_cli_t2)x (goal 0.9x). pcap --sha256 against plain pcap: $(calc 2 "$(b_of pcap_plain) / $(b_of pcap_sha_w0)") in the writer's thread, $(calc 2 "$(b_of pcap_plain) / $(b_of pcap_sha_w1)") on its own thread (goal 0.9); on its own thread against in the writer's $(x pcap_sha_w1 pcap_sha_w0)x. A 10 GbE port needs 1250 MB/s.$( [ -s "$notes" ] && echo " CHECKS FAILED: $(sort -u "$notes" | xargs)" || echo " Checks passed: the same zstd output for 0, 1 and 2 threads in every round (hpcapdd and the pipeline alone), sha256sum -c on every sidecar, 0 frames lost.")"
	echo
} > "$out"
cat "$out"
if [ "$append" = 1 ]; then
	{ echo; cat "$out"; } >> bench/RESULTS.md
	echo "zstd-threads-bench: appended to bench/RESULTS.md"
fi
