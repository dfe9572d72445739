#!/usr/bin/env bash
# run-bench.bash - hpcap's benchmarks (`make bench`): raw2pcap against
# editcap, checkraw against capinfos, next to the machine's plain-read,
# memcpy and disk-write limits measured in the same run; peak RSS of the
# tools.  Prints a markdown table and appends a dated section to
# bench/RESULTS.md.
#
# Data: one deterministic IMIX RAW file (bench/gen-traffic.c) and the same
# frames as nanosecond pcap, generated once into bench/data/ and reused.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: bench/run-bench.bash [options]

Benchmark raw2pcap and checkraw against Wireshark's editcap and capinfos on
the same frames (an IMIX capture generated once into bench/data/), next to
the plain sequential read, memcpy and O_DIRECT disk-write rates of this
machine measured in the same run.  Every case runs once per round, the
rounds interleave the cases (so background noise hits all of them alike).
Verdicts use the BEST (fastest) round of each case, since on a shared
machine noise only adds time; the medians are shown beside them.

Options:
  --size MB      data size: the RAW file is exactly MB MiB (default 2048,
                 one 2 GiB file like the module writes)
  --quick        small run: 256 MiB, 3 rounds (unless --size/--runs given)
  --runs N       rounds (default 5; 3 with --quick)
  --no-disk      skip the on-disk output part
  --no-append    print the results only; do not append to bench/RESULTS.md
  --regen        regenerate the data even if it is present
  --clean-data   delete bench/data/ at the end (it is kept for reuse)
  -h, --help     show this help

Needs: build/bin/{raw2pcap,checkraw} (`make tools`; `make bench` builds
them), a C compiler, editcap and capinfos (package tshark or
wireshark-common), GNU time at /usr/bin/time (package time) for peak RSS.
The on-disk part is skipped when bench/data/ has less than 3x the data
size free.
USAGE
}

die() {
	echo "run-bench: $*" >&2
	exit 1
}
say() { echo "run-bench: $*" >&2; }

# ---------------------------------------------------------------- options
size_mb=""
runs=""
quick=0
do_disk=1
do_append=1
regen=0
clean_data=0
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
	--no-disk) do_disk=0 ;;
	--no-append) do_append=0 ;;
	--regen) regen=1 ;;
	--clean-data) clean_data=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "run-bench: unknown option '$1' (see --help)" >&2
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

# ------------------------------------------------------------------ setup
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash 5 or later (EPOCHREALTIME)"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
case $BUILD in /*) build_dir=$BUILD ;; *) build_dir=$root/$BUILD ;; esac
data_dir=$root/bench/data
results=$root/bench/RESULTS.md
bin_dir=$build_dir/bench
RAW2PCAP=$build_dir/bin/raw2pcap
CHECKRAW=$build_dir/bin/checkraw
LIBA=$build_dir/lib/libhpcap.a
GEN=$bin_dir/gen-traffic
MEMCPY=$bin_dir/memcpy-rate
CC=${CC:-cc}

if [ ! -x "$RAW2PCAP" ] || [ ! -x "$CHECKRAW" ] || [ ! -f "$LIBA" ]; then
	say "building the tools (make tools)"
	make -s BUILD="$BUILD" tools >&2 || die "make tools failed"
fi

GNU_TIME=/usr/bin/time
if ! "$GNU_TIME" -f %M true >/dev/null 2>&1; then
	say "GNU time not found at $GNU_TIME: peak RSS will not be measured (install the Debian package 'time'; scripts/install-deps.bash does)"
	GNU_TIME=""
fi
have_editcap=1
have_capinfos=1
command -v editcap >/dev/null || {
	have_editcap=0
	say "editcap not found (package tshark): its comparisons are skipped"
}
command -v capinfos >/dev/null || {
	have_capinfos=0
	say "capinfos not found (package tshark): its comparisons are skipped"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpcap-bench.XXXXXX")
out_disk=$data_dir/bench-out.pcap
cleanup() {
	rm -rf "$tmp"
	rm -rf "$out_disk" "$data_dir/.gen-$$.raw" "$data_dir/.gen-$$.pcap" "$data_dir/.gen-$$.raw.parts"
	if [ "$clean_data" = 1 ]; then rm -rf "$data_dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The helpers, built by the Makefile into the build tree like every program.
make -s BUILD="$BUILD" "$BUILD/bench/gen-traffic" "$BUILD/bench/memcpy-rate" >&2 || die "cannot build the benchmark helpers (make bench-progs)"

# Free space (MiB) of the file system holding a path.
free_mb() { df -Pk -- "$1" | awk 'NR == 2 { printf "%d\n", $4 / 1024 }'; }

# ------------------------------------------------------------------- data
mkdir -p "$data_dir"
RAW=$data_dir/imix-${size_mb}M.raw
PCAP=$data_dir/imix-${size_mb}M.pcap
INFO=$data_dir/imix-${size_mb}M.info
gen_id=$(cksum <bench/gen-traffic.c | awk '{ print $1 }')
if [ "$regen" = 1 ] || [ ! -f "$RAW" ] || [ ! -f "$PCAP" ] || [ ! -f "$INFO" ] ||
	! grep -q "^gen=$gen_id " "$INFO"; then
	rm -f "$RAW" "$PCAP" "$INFO"
	need=$((size_mb * 21 / 10 + 1024))
	have=$(free_mb "$data_dir")
	[ "$have" -ge "$need" ] ||
		die "need ${need} MiB free in $data_dir for the data, have ${have} MiB (try --size or --quick)"
	say "generating ${size_mb} MiB of IMIX traffic (RAW + pcap) into $data_dir"
	t0=$EPOCHREALTIME
	line=$("$GEN" -s "$size_mb" -p "$data_dir/.gen-$$.pcap" "$data_dir/.gen-$$.raw") ||
		die "gen-traffic failed"
	t1=$EPOCHREALTIME
	mv "$data_dir/.gen-$$.raw" "$RAW"
	mv "$data_dir/.gen-$$.pcap" "$PCAP"
	echo "gen=$gen_id $line" >"$INFO"
	say "generated in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s: $line"
fi
info=$(cat "$INFO")
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$info"; }
frames=$(field frames)
raw_bytes=$(stat -c %s "$RAW")
pcap_bytes=$(stat -c %s "$PCAP")
if [ -z "$frames" ] || [ "$raw_bytes" != "$(field raw_bytes)" ] ||
	[ "$pcap_bytes" != "$(field pcap_bytes)" ]; then
	die "$INFO does not match the data files; rerun with --regen"
fi

if [ "$do_disk" = 1 ]; then
	have=$(free_mb "$data_dir")
	if [ "$have" -lt $((3 * size_mb)) ]; then
		say "only ${have} MiB free in $data_dir (< 3 x ${size_mb} MiB): skipping the on-disk part"
		do_disk=0
		disk_note="skipped: only ${have} MiB free (< 3x data size)"
	fi
else
	disk_note="skipped (--no-disk)"
fi
if [ "$do_disk" = 1 ] && [ "$(findmnt -n -o FSTYPE -T "$data_dir" 2>/dev/null)" = tmpfs ]; then
	say "$data_dir is on tmpfs: the on-disk part would not touch a disk; skipping it"
	do_disk=0
	disk_note="skipped: bench/data is on tmpfs"
fi

avail_mb=$(awk '/^MemAvailable:/ { printf "%d\n", $2 / 1024 }' /proc/meminfo)
if [ "$avail_mb" -lt $(((raw_bytes + pcap_bytes) / 1048576 + 512)) ]; then
	say "warning: ${avail_mb} MiB of available memory cannot cache both inputs; read figures include the disk"
fi

say "warming the page cache"
cat "$RAW" "$PCAP" >/dev/null

# ------------------------------------------------------------------ cases
# Every case: CMD (argv), BYTES it processes (for GB/s), whether it counts
# frames, and OUT (a file on disk to fsync inside the timing, then delete).
cases=(read memcpy raw2pcap_null)
[ "$have_editcap" = 1 ] && cases+=(editcap_null)
cases+=(checkraw)
[ "$have_capinfos" = 1 ] && cases+=(capinfos capinfos_lite)
if [ "$do_disk" = 1 ]; then
	cases+=(ddwrite raw2pcap_disk)
	[ "$have_editcap" = 1 ] && cases+=(editcap_disk)
fi

describe() { # sets CMD, BYTES, FRAMES (1 or 0), OUT, LABEL
	OUT=""
	FRAMES=1
	case $1 in
	read)
		LABEL="plain read of the RAW file (dd bs=1M, page cache)"
		CMD=(dd if="$RAW" of=/dev/null bs=1M status=none)
		BYTES=$raw_bytes FRAMES=0 ;;
	memcpy)
		LABEL="memcpy, 1 MiB chunks, 128 MiB buffers (bench/memcpy-rate)"
		CMD=("$MEMCPY" 128 5)
		BYTES=0 FRAMES=0 ;;
	raw2pcap_null)
		LABEL="raw2pcap RAW /dev/null"
		CMD=("$RAW2PCAP" -q "$RAW" /dev/null)
		BYTES=$raw_bytes ;;
	editcap_null)
		LABEL="editcap -F nsecpcap pcap /dev/null"
		CMD=(editcap -F nsecpcap "$PCAP" /dev/null)
		BYTES=$pcap_bytes ;;
	checkraw)
		LABEL="checkraw RAW"
		CMD=("$CHECKRAW" -q "$RAW")
		BYTES=$raw_bytes ;;
	capinfos)
		LABEL="capinfos pcap (default: all infos, with hashes)"
		CMD=(capinfos "$PCAP")
		BYTES=$pcap_bytes ;;
	capinfos_lite)
		LABEL="capinfos -c -a -e -o pcap (no hashes)"
		CMD=(capinfos -c -a -e -o "$PCAP")
		BYTES=$pcap_bytes ;;
	ddwrite)
		LABEL="disk write limit: dd bs=1M oflag=direct + fsync"
		CMD=(dd if=/dev/zero of="$out_disk" bs=1M count="$((pcap_bytes / 1048576))" oflag=direct status=none)
		BYTES=$((pcap_bytes / 1048576 * 1048576)) FRAMES=0 OUT=$out_disk ;;
	raw2pcap_disk)
		LABEL="raw2pcap RAW file-on-disk + fsync"
		CMD=("$RAW2PCAP" -q "$RAW" "$out_disk")
		BYTES=$raw_bytes OUT=$out_disk ;;
	editcap_disk)
		LABEL="editcap -F nsecpcap pcap file-on-disk + fsync"
		CMD=(editcap -F nsecpcap "$PCAP" "$out_disk")
		BYTES=$pcap_bytes OUT=$out_disk ;;
	*) die "internal: unknown case $1" ;;
	esac
}

declare -A T RSS VAL
verified=""
run_case() { # <case>
	local c=$1 t0 t1 rss
	describe "$c"
	if [ -n "$OUT" ]; then
		rm -f "$OUT"
		sync -f "$data_dir" # start with no dirty pages of anyone's
	fi
	t0=$EPOCHREALTIME
	if [ -n "$GNU_TIME" ]; then
		"$GNU_TIME" -f %M -o "$tmp/rss" "${CMD[@]}" >"$tmp/out" 2>"$tmp/err" ||
			die "$c failed: $(tail -n 3 "$tmp/err")"
	else
		"${CMD[@]}" >"$tmp/out" 2>"$tmp/err" || die "$c failed: $(tail -n 3 "$tmp/err")"
	fi
	if [ -n "$OUT" ]; then sync -- "$OUT"; fi
	t1=$EPOCHREALTIME
	T[$c]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }') "
	if [ "$c" = memcpy ]; then VAL[$c]+="$(cat "$tmp/out") "; fi
	if [ -n "$GNU_TIME" ]; then
		rss=$(tail -n 1 "$tmp/rss")
		if [ -z "${RSS[$c]:-}" ] || [ "$rss" -gt "${RSS[$c]}" ]; then RSS[$c]=$rss; fi
	fi
	# Once: raw2pcap's file must be the reference pcap, byte for byte, or
	# the two sides would not be doing the same work.
	if [ "$c" = raw2pcap_disk ] && [ -z "$verified" ]; then
		if cmp -s "$out_disk" "$PCAP"; then verified=yes; else verified=NO; fi
	fi
	if [ -n "$OUT" ]; then rm -f "$OUT"; fi
}

stat_of() { # <median|best> <numbers...>
	local how=$1
	shift
	printf '%s\n' "$@" | sort -g | awk -v how="$how" '
		{ a[NR] = $1 }
		END {
			if (how == "best") { print a[1]; exit }
			if (how == "max") { print a[NR]; exit }
			if (NR % 2) print a[(NR + 1) / 2]
			else printf "%.6f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2
		}'
}

# shellcheck source=bench/stats.bash
. "$root/bench/stats.bash"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "measuring: ${#cases[@]} cases x $runs rounds on ${size_mb} MiB ($frames frames)"
for ((r = 1; r <= runs; r++)); do
	for c in "${cases[@]}"; do
		run_case "$c"
	done
	say "round $r/$runs done"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- results
# Verdicts use the BEST of the rounds: on a shared machine noise only ever
# adds time, so the fastest round is the closest to what the code costs;
# the ratio of the medians is shown beside it.
declare -A MED BEST
for c in "${cases[@]}"; do
	# shellcheck disable=SC2086 # the lists are space-separated numbers
	MED[$c]=$(stat_of median ${T[$c]})
	# shellcheck disable=SC2086
	BEST[$c]=$(stat_of best ${T[$c]})
done
# shellcheck disable=SC2086
memcpy_med=$(stat_of median ${VAL[memcpy]})
# shellcheck disable=SC2086
memcpy_best=$(stat_of max ${VAL[memcpy]})
gbs_of() { calc 2 "$2 / ${BEST[$1]} / 1e9"; } # <case> <bytes>
read_gbs=$(gbs_of read "$raw_bytes")

rss_mib() { if [ -n "${RSS[$1]:-}" ]; then calc 1 "${RSS[$1]} / 1024"; else echo "n/a"; fi; }

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[ -n "$cpu" ] || cpu=$(uname -m)
ram_gib=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
ver() { "$@" 2>/dev/null | head -n 1 | sed "s/\.$//" || true; }
verdict() { # <value> <op> <target>
	if awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { exit !(op == ">=" ? v >= t : v < t) }'; then
		echo met
	else
		echo "**MISSED**"
	fi
}
# A speed-up row: <label> <slow case> <fast case> <target> <decimals>
speedup_row() {
	local v
	v=$(calc "$5" "${BEST[$2]} / ${BEST[$3]}")
	echo "| $1 | ${v}x | $(calc "$5" "${MED[$2]} / ${MED[$3]}")x | >= $4x | $(verdict "$v" ">=" "$4") |"
}
section=$tmp/section.md
{
	echo "## $(date -u '+%Y-%m-%d %H:%M UTC'): ${size_mb} MiB, $runs rounds"
	echo
	echo "- machine: kernel $(uname -r), CPU ${cpu}, $(nproc) cores, ${ram_gib} GiB RAM;" \
		"load average $load_before before, $load_after after"
	echo "- data: IMIX 7:4:1 of 64/594/1518-byte frames (bench/gen-traffic.c), $frames frames;" \
		"RAW $raw_bytes bytes, nanosecond pcap $pcap_bytes bytes (same frames)"
	echo "- tools: raw2pcap/checkraw $("$RAW2PCAP" -V | awk '{ print $2 }')," \
		"$(ver editcap --version), $(ver capinfos --version), $(ver "$CC" --version)"
	if [ "$do_disk" = 1 ]; then
		echo "- on-disk outputs: $(findmnt -n -o SOURCE,FSTYPE -T "$data_dir" | tr -s ' ') (bench/data);" \
			"raw2pcap's output identical to the reference pcap: ${verified:-not checked}"
	else
		echo "- on-disk part: $disk_note"
	fi
	echo
	echo "| case | best s | median s | GB/s (best) | Mframes/s (best) | peak RSS MiB |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	for c in "${cases[@]}"; do
		describe "$c"
		if [ "$c" = memcpy ]; then
			echo "| $LABEL | - | - | $memcpy_best (median $memcpy_med) | - | - |"
			continue
		fi
		mfs=-
		if [ "$FRAMES" = 1 ]; then mfs=$(calc 2 "$frames / ${BEST[$c]} / 1e6"); fi
		rss=$(rss_mib "$c")
		case $c in read | ddwrite) rss=- ;; esac
		echo "| $LABEL | $(calc 3 "${BEST[$c]}") | $(calc 3 "${MED[$c]}") | $(gbs_of "$c" "$BYTES") | $mfs | $rss |"
	done
	echo
	echo "| comparison (same run) | best-of-$runs | medians | target | |"
	echo "| --- | ---: | ---: | ---: | --- |"
	if [ "$have_editcap" = 1 ]; then
		speedup_row "raw2pcap vs editcap, to /dev/null (speed-up)" editcap_null raw2pcap_null 2 2
	fi
	if [ "$do_disk" = 1 ] && [ "$have_editcap" = 1 ]; then
		speedup_row "raw2pcap vs editcap, to a file on disk incl. fsync (speed-up)" editcap_disk raw2pcap_disk 2 2
	fi
	if [ "$have_capinfos" = 1 ]; then
		speedup_row "checkraw vs capinfos (default, hashes) (speed-up)" capinfos checkraw 10 1
		echo "| checkraw vs capinfos -c -a -e -o, no hashes (speed-up) | $(calc 1 "${BEST[capinfos_lite]} / ${BEST[checkraw]}")x | $(calc 1 "${MED[capinfos_lite]} / ${MED[checkraw]}")x | (info) | |"
	fi
	ck_gbs=$(gbs_of checkraw "$raw_bytes")
	echo "| checkraw throughput | $ck_gbs GB/s | $(calc 2 "$raw_bytes / ${MED[checkraw]} / 1e9") GB/s | >= 2 GB/s | $(verdict "$ck_gbs" ">=" 2) |"
	if [ -n "$GNU_TIME" ]; then
		r2p_rss=$(calc 1 "$(stat_of max "${RSS[raw2pcap_null]}" "${RSS[raw2pcap_disk]:-0}") / 1024")
		echo "| raw2pcap peak RSS (largest of all its runs) | $r2p_rss MiB | | < 16 MiB | $(verdict "$r2p_rss" "<" 16) |"
		ck_rss=$(rss_mib checkraw)
		echo "| checkraw peak RSS (largest of all its runs) | $ck_rss MiB | | < 16 MiB | $(verdict "$ck_rss" "<" 16) |"
	fi
	echo
	r2p_gbs=$(gbs_of raw2pcap_null "$raw_bytes")
	limits="plain read ${read_gbs} GB/s, memcpy ${memcpy_best} GB/s"
	rel="raw2pcap to /dev/null runs at $(calc 0 "100 * $r2p_gbs / $read_gbs")% of the plain read, checkraw at $(calc 0 "100 * $ck_gbs / $read_gbs")%"
	if [ "$do_disk" = 1 ]; then
		dd_bytes=$((pcap_bytes / 1048576 * 1048576))
		dd_gbs=$(gbs_of ddwrite "$dd_bytes")
		limits+=", O_DIRECT disk write ${dd_gbs} GB/s"
		rel+="; raw2pcap to disk writes its pcap at $(calc 0 "100 * $pcap_bytes / ${BEST[raw2pcap_disk]} / 1e9 / $dd_gbs")% of the dd write rate"
	fi
	echo "Limits in the same run (best of $runs): $limits.  $rel."
	echo
} >"$section"

cat "$section"
if [ "$do_append" = 1 ]; then
	if [ ! -f "$results" ]; then
		cat >"$results" <<'HEAD'
# hpcap benchmark results

Written by `make bench` (`bench/run-bench.bash`); each run appends a dated
section below, so this file is the history.  Newest last.  Run
`make bench` (2 GiB of data, 5 rounds, a few minutes),
`bench/run-bench.bash --quick` (256 MiB, 3 rounds) or
`bench/run-bench.bash --size MB`; `--help` lists the options.  The data
is generated once into bench/data/ (not in git) and reused.

## Notes: how to read these results

- **Compare ratios within one section, not absolutes across sections.**
  The bench machines are small (2 cores) and shared: other builds and QEMU
  guests run beside the benchmark, so absolute seconds move from run to
  run (the load average before and after is recorded as a noise hint).
  Every case runs once per round and the rounds interleave all cases, so
  noise lands on both sides of each comparison.  Verdicts use the best
  (fastest) round of each case, because noise only ever adds time; the
  ratio of the medians is shown beside it; when the two disagree a lot,
  the run was noisy.
- **Same work on both sides.**  gen-traffic writes one IMIX capture twice:
  as a RAW file (what the module writes) and as nanosecond pcap.  The RAW
  tools read the RAW file, the Wireshark tools the pcap; raw2pcap's output
  and `editcap -F nsecpcap`'s are the same bytes (checked in each run that
  writes to disk).  GB/s is input bytes per second (the pcap is 16 instead
  of 12 bytes per frame header, about 1% larger).
- **Limits.**  "plain read" is `dd bs=1M` of the cached RAW file, the
  ceiling of any tool that reads it through read(2); "memcpy" is one copy
  of memory the size of the caches or more; "disk write" is `dd
  oflag=direct` of a pcap-sized file plus fsync, the ceiling of any tool
  writing that file.  A tool near the limit cannot gain much more.
- **To disk** includes fsync of the output inside the timing (editcap
  writes through the page cache, raw2pcap with O_DIRECT; the fsync makes
  both pay for getting the data onto the disk), and the output is deleted
  after every run.
- **capinfos** by default computes three hashes of the file, so it is also
  shown without them (`-c -a -e -o`: count, first/last time, order), which
  is closer to what checkraw checks; the target is against the default.
- **Peak RSS** is GNU time's maximum resident set size (%M), the largest
  over all runs of the tool.

HEAD
	fi
	cat "$section" >>"$results"
	say "appended to $results"
fi
