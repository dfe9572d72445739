#!/usr/bin/env bash
# extract-bench.bash [--size MB] [--queues N] [--rounds R] [--cold] [BINDIR]
# hpcap-extract with indexes against hpcap-extract --no-index and against
# tcpdump -r over the same RAW files (converted to pcap for tcpdump), for
# one host's traffic over one minute and over the whole range.  The
# traffic: N queues of mixed IPv4 frames (1000 hosts, one of them, the
# queried one, active only in the first 10% of the time) spread evenly over
# 10 minutes.  Appends a section to bench/RESULTS.md.  From the page cache
# (every file read once first); with --cold also from disk: before every
# case of a cold round the data files and indexes are evicted from the
# page cache with posix_fadvise(DONTNEED) (what an unprivileged run can do
# where /proc/sys/vm/drop_caches is not writable).  Queries: the host over
# a minute where it is quiet, over a minute where it talks, and over the
# whole range.  Default: 1024 MB, 4 queues, 3 rounds.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
size=1024 queues=4 rounds=3 cold=0
while [ $# -gt 0 ]; do
	case $1 in
	--cold) cold=1; shift ;;
	--size) size=$2; shift 2 ;;
	--queues) queues=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--help) sed -n '2,16p' "$0"; exit 0 ;;
	*) break ;;
	esac
done
bin=${1:-$top/build/bin}
for p in python3 tcpdump; do
	command -v $p >/dev/null || { echo "extract-bench: $p is needed (scripts/install-deps.bash)"; exit 1; }
done
data=$top/bench/data/extract-$size-$queues
if [ ! -e "$data/done" ]; then
	rm -rf "$data"; mkdir -p "$data"
	echo "extract-bench: generating $size MB in $queues queues into $data"
	python3 - "$data" "$size" "$queues" <<'PY'
import random, struct, sys
out, size_mb, nq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(7)
frame_len = 512
n = size_mb * (1 << 20) // (frame_len + 16)
span = 600 * 10**9
t0 = 1700000000 * 10**9
files = [open("%s/q%d.pcap" % (out, q), "wb") for q in range(nq)]
for f in files:
    f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
eth = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00"
pay = bytes(range(256)) * 2
step = span // n
for i in range(n):
    t = t0 + i * step
    h = rng.randrange(1, 1000)
    if h == 7 and i > n // 10:
        h = 8            # 10.0.0.7 talks only in the first tenth
    src = bytes([10, 0, h >> 8, h & 255])
    dst = bytes([10, 1, 0, rng.randrange(1, 255)])
    l4 = struct.pack("!HHHH", 1024 + rng.randrange(1000), 80, frame_len - 34, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, frame_len - 14, 0, 0, 64, 17, 0, src, dst)
    fr = (eth + ip + l4 + pay)[:frame_len]
    files[i % nq].write(struct.pack("<IIII", t // 10**9, t % 10**9, frame_len, frame_len) + fr)
for f in files:
    f.close()
PY
	for q in $(seq 0 $((queues - 1))); do
		mkdir -p "$data/raw/q$q" "$data/pcap/q$q"
		"$bin/pcap2raw" -q -s 32M "$data/q$q.pcap" "$data/raw/q$q/"
		for f in "$data/raw/q$q"/*.raw; do
			"$bin/raw2pcap" -q "$f" "$data/pcap/q$q/$(basename "$f" .raw).pcap" >/dev/null 2>&1 ||
				"$bin/raw2pcap" "$f" "$data/pcap/q$q/$(basename "$f" .raw).pcap" >/dev/null
		done
		rm "$data/q$q.pcap"
	done
	t=$(date +%s.%N)
	"$bin/hpcap-index" -q "$data/raw"
	echo "index_seconds $(echo "$(date +%s.%N) - $t" | bc)" >"$data/done"
fi
t0=1700000000
b1=$((t0 + 300)) e1=$((t0 + 360))	# the host is quiet
b2=$((t0 + 20)) e2=$((t0 + 80))		# the host talks (until t0 + 60)
host=10.0.0.7
# secs CMD...: nanoseconds CMD takes (its output discarded).
secs() { local t; t=$(date +%s%N); "$@" >/dev/null 2>&1 || true; echo $(( $(date +%s%N) - t )); }
tcpdump_all() { # tcpdump over every pcap file, in turn, with the filter
	local f
	for f in "$data"/pcap/*/*.pcap; do tcpdump -r "$f" -w - "$1" 2>/dev/null; done
}
# Out of the page cache: every data file and index (clean pages only,
# which these are once written and synced).
evict() {
	python3 - "$data" <<'PY'
import os, sys
for d, _, names in os.walk(sys.argv[1]):
    for n in names:
        fd = os.open(os.path.join(d, n), os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
PY
}
sync
declare -A best
run_case() {
	local name=$1 ns; shift
	[ "$mode" = cold ] && evict
	ns=$(secs "$@")
	name=$mode-$name
	if [ -z "${best[$name]:-}" ] || [ "$ns" -lt "${best[$name]}" ]; then best[$name]=$ns; fi
}
modes=warm
[ "$cold" = 1 ] && modes="warm cold"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for _ in $(seq 1 "$rounds"); do
	for mode in $modes; do
		# A cold round leaves the cache as its last case left it.
		[ "$mode" = warm ] && cat "$data"/raw/*/* "$data"/pcap/*/*.pcap >/dev/null
		run_case idx-1m "$bin/hpcap-extract" -q -b $b1 -e $e1 -f "host $host" "$data/raw"
		run_case scan-1m "$bin/hpcap-extract" -q --no-index -b $b1 -e $e1 -f "host $host" "$data/raw"
		run_case tcpdump-1m tcpdump_all "host $host and udp"
		run_case idx-1mt "$bin/hpcap-extract" -q -b $b2 -e $e2 -f "host $host" "$data/raw"
		run_case scan-1mt "$bin/hpcap-extract" -q --no-index -b $b2 -e $e2 -f "host $host" "$data/raw"
		run_case idx-all "$bin/hpcap-extract" -q -f "host $host" "$data/raw"
		run_case scan-all "$bin/hpcap-extract" -q --no-index -f "host $host" "$data/raw"
		run_case tcpdump-all tcpdump_all "host $host"
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
# The results agree: the whole range against tcpdump's count, the minute
# where the host talks with and without the index.
written() { "$bin/hpcap-extract" "$@" 2>&1 >/dev/null | sed -E 's/.* ([0-9]+) written/\1/'; }
n_idx=$(written -f "host $host" "$data/raw")
n_1mt=$(written -b $b2 -e $e2 -f "host $host" "$data/raw")
n_1mt_scan=$(written --no-index -b $b2 -e $e2 -f "host $host" "$data/raw")
n_tcp=0
for f in "$data"/pcap/*/*.pcap; do
	n_tcp=$((n_tcp + $(tcpdump -r "$f" "host $host" 2>/dev/null | wc -l)))
done
s() { echo "scale=3; $1 / 1000000000" | bc; }
r() { echo "scale=1; $1 / $2" | bc; }
row() { # row LABEL MODE IDX SCAN TCPDUMP
	local m=$2
	echo "| $1 | $(s "${best[$m-$3]}") s | $(s "${best[$m-$4]}") s | $(s "${best[$m-$5]}") s | $(r "${best[$m-$5]}" "${best[$m-$3]}")x |"
}
{
	echo
	echo "## extract-bench $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -n) ($(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load $load0 before, $load1 after)"
	echo
	echo "$size MB of 512-byte frames in $queues queues (32 MiB RAW files, $(find "$data/raw" -name "*.raw" | wc -l) files), 10 minutes of traffic, indexed in $(awk '{ print $2 }' "$data/done") s; best of $rounds rounds. Host $host talks only in the first minute: $n_idx frames over the whole range (tcpdump: $n_tcp), $n_1mt in [t0+20 s, t0+80 s) ($n_1mt_scan with --no-index). Warm: every file in the page cache.$( [ "$cold" = 1 ] && echo " Cold: before every case the data files and indexes were evicted from the page cache (posix_fadvise DONTNEED; drop_caches is not writable here), so the case reads them from the disk ($(findmnt -n -o SOURCE,FSTYPE -T "$data" | tr -s ' '), a virtual disk whose host may cache it).")"
	echo
	echo "| query | hpcap-extract (index) | --no-index (scan) | tcpdump -r each file | index vs tcpdump |"
	echo "|---|---|---|---|---|"
	for mode in $modes; do
		row "host, 1 minute where it is quiet ($mode)" "$mode" idx-1m scan-1m tcpdump-1m
		row "host, 1 minute where it talks ($mode)" "$mode" idx-1mt scan-1mt tcpdump-1m
		row "host, whole range ($mode)" "$mode" idx-all scan-all tcpdump-all
	done
	echo
	echo "Goal (issue 15): 1-minute query at least 50x faster than the tcpdump scan, whole-range host query at least 5x, from the page cache and from disk. tcpdump reads the same frames as pcap (RAW is not a format it reads) and has no time filter: for a 1-minute query it reads every file, as a user without an index would."
} | tee -a "$top/bench/RESULTS.md"
