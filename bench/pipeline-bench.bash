#!/usr/bin/env bash
# pipeline-bench.bash - the capture pipeline's numbers (part of `make
# bench`): seekable zstd against plain zstd on the same captures, the
# per-frame pipeline's throughput by output, and hpcapdd itself with
# splitting and a post hook against plain hpcapdd, reading a shared-memory
# queue that pcap2hpcap fills (libhpcap's userspace producer: the module's
# own producer routine, so hpcapdd runs its real code on the real CPU; a
# QEMU guest under TCG cannot rank CPU costs).  Appends a dated section to
# bench/RESULTS.md.
#
#   bench/pipeline-bench.bash [--no-append] [--size MiB] [--rounds N]
#                             [--dd-rounds N] [--loops N]
set -euo pipefail
cd "$(dirname "$0")/.."
append=1; size=256; rounds=3; dd_rounds=9; loops=4
while [ $# -gt 0 ]; do
	case "$1" in
	--no-append) append=0; shift ;;
	--size) size=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--dd-rounds) dd_rounds=$2; shift 2 ;;
	--loops) loops=$2; shift 2 ;;
	-h | --help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "pipeline-bench: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done

# ---------------------------------------------------------------- host half
BUILD=${BUILD:-build}
make -s BUILD="$BUILD" libs tools "$BUILD/bench/pipeline-bench"
mkdir -p bench/data
B=$BUILD/bench/pipeline-bench
real=bench/data/real-${size}M.pcap
imix=bench/data/imix-${size}M.pcap
[ -f "$real" ] || "$B" gen "$real" "$size"
[ -f "${real%.pcap}.raw" ] || "$BUILD/bin/pcap2raw" -q "$real" "${real%.pcap}.raw"
# (the IMIX capture is bench/run-bench.bash's; used when it is there)
out=$(mktemp)
scratch=/dev/shm/pipeline-bench.$$
trap 'rm -rf "$out" "$scratch"' EXIT
# shellcheck source=bench/stats.bash
. bench/stats.bash

{
	echo "## Capture pipeline, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, kernel $(uname -r), libzstd $(pkg-config --modversion libzstd 2>/dev/null || echo ?), load $(cut -d' ' -f1-3 /proc/loadavg). Best of $rounds rounds, in memory (tmpfs), one thread."
	echo
	echo "### zstd seekable (1 MiB frames + seek table) vs one plain zstd stream, same level"
	echo
	echo "| capture | level | seekable MB/s | seekable ratio | plain MB/s | plain ratio | size cost of seekable | 1500-byte random read | plain: decompress whole |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$out"
for data in "$real" "$imix"; do
	[ -f "$data" ] || continue
	for level in 1 3 9; do
		declare -A v=()
		ss=(); ps=(); rr=()
		for _ in $(seq "$rounds"); do
			while read -r k val; do v[$k]=$val; done < <("$B" zstd "$data" "$level")
			ss+=("${v[seek_seconds]}"); ps+=("${v[plain_seconds]}"); rr+=("${v[random_read_ms]}")
		done
		s=$(printf '%s\n' "${ss[@]}" | best); p=$(printf '%s\n' "${ps[@]}" | best); r=$(printf '%s\n' "${rr[@]}" | best)
		n=${v[input_bytes]}
		case $data in *real*) name="mixed (70% of flows TLS)" ;; *) name="IMIX, 64 KiB payload pool" ;; esac
		echo "| $name | $level | $(calc 0 "$n / $s / 1e6") | $(calc 2 "$n / ${v[seek_bytes]}") | $(calc 0 "$n / $p / 1e6") | $(calc 2 "$n / ${v[plain_bytes]}") | $(calc 2 "100 * (${v[seek_bytes]} - ${v[plain_bytes]}) / ${v[plain_bytes]}")% | $r ms | ${v[whole_decompress_ms]} ms |" >> "$out"
	done
done
{
	echo
	echo "Inputs: nanosecond pcaps of ${size} MiB. \"mixed\": bench/pipeline-bench.c gen, 4096 flows, 70% TLS (random payloads) and HTTP, DNS, syslog text, a third of TCP segments pure ACKs: most bytes do not compress, as on a real link.  \"IMIX\": bench/gen-traffic.c, payloads cut from a 64 KiB pool, so it compresses far better than real traffic (an upper bound).  Random read: the mean time of 1000 reads of 1500 bytes at random offsets through hpcap_zsk_pread() (one 1 MiB frame decompressed per read); a plain .zst has to be decompressed from its start."
	echo
	echo "### Per-frame pipeline (hpcap_pipe), RAW file in, files out on tmpfs"
	echo
	echo "| output | MB/s (RAW in) | Mframes/s |"
	echo "|---|---:|---:|"
} >> "$out"
mkdir -p "$scratch"
for cfg in raw raw+split pcap pcapng pcap+sha256 pcap+bpf pcap+zstd1 pcap+zstd3; do
	ts=()
	for _ in $(seq "$rounds"); do
		rm -rf "$scratch"; mkdir -p "$scratch"
		line=$("$B" pipe "${real%.pcap}.raw" "$scratch" "$cfg")
		read -r _ _ t _ fr _ _ _ by <<<"$line"
		ts+=("$t")
	done
	t=$(printf '%s\n' "${ts[@]}" | best)
	echo "| $cfg | $(calc 0 "$by / $t / 1e6") | $(calc 2 "$fr / $t / 1e6") |" >> "$out"
done
{
	echo
	echo "Input: the mixed capture as RAW ($(stat -c %s "${real%.pcap}.raw") bytes). raw+split: a new file every 10 ms of capture time; pcap+bpf: filter 'tcp or udp port 53'; files of at most 256 MiB, each fdatasync'ed, renamed and (sha256) hashed by the pipeline itself.  SHA-256 uses the x86 SHA extensions when the CPU has them (this one: $(grep -q sha_ni /proc/cpuinfo && echo yes || echo no))."
	echo
} >> "$out"

# hpcapdd on a shared-memory queue: pcap2hpcap replays the mixed capture
# $loops times as fast as hpcapdd takes it (lossless), hpcapdd writes to
# bench/data (the disk).  Same frames, same producer, only hpcapdd's options
# differ; the time is hpcapdd's, from start to exit (all files complete,
# hooks done).
qdir=/dev/shm/pipeline-bench-q.$$
outdir=bench/data/pipeline-bench-out
hook=$scratch-hook.sh
hooklog=$scratch-hooks.log
printf '#!/bin/sh\necho "$1" >> %s\nstat -c %%s "$1" > /dev/null\n' "$hooklog" > "$hook"
chmod +x "$hook"
mkdir -p "$qdir"
trap 'rm -rf "$out" "$scratch" "$qdir" "$outdir" "$hook" "$hooklog"' EXIT
in_bytes=$(($(stat -c %s "$real") * loops))
declare -A T FILES HOOKS
cases=(plain split split_layout split_post split_post_100ms split_post_sha pcap pcap_zstd1)
opts_of() {
	case $1 in
	plain) echo "" ;;
	split) echo "--split-time 500ms" ;;
	split_layout) echo "--split-time 500ms --hpcap-layout" ;;	# files after the first go through a buffer
	split_post) echo "--split-time 500ms --post $hook" ;;
	split_post_100ms) echo "--split-time 100ms --name %H%M%S_%{seq} --post $hook" ;;
	split_post_sha) echo "--split-time 500ms --sha256 --post $hook" ;;
	pcap) echo "--format pcap --split-time 500ms --post $hook" ;;
	pcap_zstd1) echo "--format pcap --zstd=1 --split-time 500ms --post $hook" ;;
	esac
}
for _ in $(seq "$dd_rounds"); do
	for c in "${cases[@]}"; do
		rm -rf "$outdir" "$hooklog"; mkdir -p "$outdir"; sync -f bench/data
		"$BUILD/bin/pcap2hpcap" -q -D "$qdir" --file-size 64M -L "$loops" "$real" 0 0 &
		pp=$!
		while [ ! -e "$qdir/hpcap_0_0" ]; do sleep 0.05; done
		t0=$EPOCHREALTIME
		# shellcheck disable=SC2046 # options are words
		HPCAP_DEV_DIR=$qdir "$BUILD/bin/hpcapdd" -q $(opts_of "$c") 0 0 "$outdir" 2> "$qdir/$c.log" ||
			{ echo "pipeline-bench: hpcapdd $c failed: $(tail -2 "$qdir/$c.log")" >&2; exit 1; }
		t1=$EPOCHREALTIME
		wait "$pp"
		T[$c]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }') "
		FILES[$c]=$(find "$outdir" -type f ! -name '*.sha256' | wc -l)
		HOOKS[$c]=$(grep -c . "$hooklog" 2>/dev/null || echo 0)
		case $c in plain | split*) "$BUILD/bin/checkraw" -q "$outdir" >/dev/null 2>&1 ||
			echo "checkraw_failed $c" >> "$qdir/notes" ;; esac
	done
done
{
	echo "### hpcapdd with splitting and a post hook (shared-memory queue, host CPU)"
	echo
	echo "pcap2hpcap replays the mixed capture $loops times ($in_bytes bytes of pcap, $(calc 1 "$in_bytes / 1048576") MiB) into a shared-memory queue (64 MiB buffer, 64 MiB files) as fast as hpcapdd reads it; hpcapdd writes to $(findmnt -n -o SOURCE,FSTYPE -T bench/data | tr -s ' ') with O_DIRECT. Time: hpcapdd's start to exit (last file complete, hooks done). Best of $dd_rounds interleaved rounds (median beside it; on this shared 2-core machine the replay producer and hpcapdd each need a core, so anything else running, a hook included, takes time from them). The replay runs faster than the capture was recorded (10 Gbit/s), so split periods are in capture time: 500 ms of it comes about once a second of wall time here (files/s), as 1 s files do at line rate; 100 ms is the stress case. The hook is a shell script (stat of the file, a line to a log; about 2.4 ms of CPU per run here), run at nice +10."
	echo
	echo "| hpcapdd options | MB/s best | MB/s median | vs plain (best) | files | files/s | hooks |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
} >> "$out"
# shellcheck disable=SC2086 # lists of numbers
pbest=$(printf '%s\n' ${T[plain]} | best)
for c in "${cases[@]}"; do
	# shellcheck disable=SC2086
	b=$(printf '%s\n' ${T[$c]} | best)
	# shellcheck disable=SC2086
	m=$(printf '%s\n' ${T[$c]} | med)
	o=$(opts_of "$c" | sed "s|$hook|hook.sh|")
	[ -n "$o" ] || o="(none: HPCAP's block copy)"
	echo "| $o | $(calc 0 "$in_bytes / $b / 1e6") | $(calc 0 "$in_bytes / $m / 1e6") | $(calc 3 "$pbest / $b") | ${FILES[$c]} | $(calc 1 "${FILES[$c]} / $b") | ${HOOKS[$c]} |" >> "$out"
done
# shellcheck disable=SC2086
sp=$(printf '%s\n' ${T[split_post]} | best)
{
	echo
	# shellcheck disable=SC2086
	pmed=$(printf '%s\n' ${T[plain]} | med)
	# shellcheck disable=SC2086
	smed=$(printf '%s\n' ${T[split_post]} | med)
	echo "Target: splitting (about a file a second) and a post hook cost at most 5% of hpcapdd's throughput: $(calc 1 "100 * (1 - $pbest / $sp)")% here (best of $dd_rounds; $(calc 1 "100 * (1 - $pmed / $smed)")% between the medians), $(awk -v a="$sp" -v b="$pbest" 'BEGIN { print (b / a >= 0.95) ? "met" : "**MISSED**" }').$( [ -s "$qdir/notes" ] && echo " checkraw FAILED: $(cat "$qdir/notes" | xargs)" || echo " checkraw passed on every RAW output.")"
	echo
} >> "$out"
cat "$out"
if [ "$append" = 1 ]; then
	{ echo; cat "$out"; } >> bench/RESULTS.md
	echo "pipeline-bench: appended to bench/RESULTS.md"
fi
