#!/usr/bin/env bash
# extract-bench.bash [--size MB] [--queues N] [--rounds R] [BINDIR]
# hpcap-extract with indexes against hpcap-extract --no-index and against
# tcpdump -r over the same RAW files (converted to pcap for tcpdump), for
# one host's traffic over one minute and over the whole range.  The
# traffic: N queues of mixed IPv4 frames (1000 hosts, one of them, the
# queried one, active only in the first 10% of the time) spread evenly over
# 10 minutes.  Appends a section to bench/RESULTS.md.  From the page cache
# (the data fits in memory here); dropping caches is not done (shared
# machine).  Default: 1024 MB, 4 queues, 3 rounds.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
size=1024 queues=4 rounds=3
while [ $# -gt 0 ]; do
	case $1 in
	--size) size=$2; shift 2 ;;
	--queues) queues=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--help) sed -n '2,10p' "$0"; exit 0 ;;
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
# Warm the page cache for every case alike.
cat "$data"/raw/*/*.raw "$data"/pcap/*/*.pcap >/dev/null
b1=1700000300 e1=1700000360
host=10.0.0.7
# secs CMD...: seconds CMD takes (its output discarded).
secs() { local t; t=$(date +%s%N); "$@" >/dev/null 2>&1 || true; echo $(( $(date +%s%N) - t )); }
tcpdump_all() { # tcpdump over every pcap file, in turn, with the filter
	local f
	for f in "$data"/pcap/*/*.pcap; do tcpdump -r "$f" -w - "$1" 2>/dev/null; done
}
declare -A best
run_case() { local name=$1 ns; shift; ns=$(secs "$@"); if [ -z "${best[$name]:-}" ] || [ "$ns" -lt "${best[$name]}" ]; then best[$name]=$ns; fi; }
for _ in $(seq 1 "$rounds"); do
	run_case idx-1m "$bin/hpcap-extract" -q -b $b1 -e $e1 -f "host $host" "$data/raw"
	run_case scan-1m "$bin/hpcap-extract" -q --no-index -b $b1 -e $e1 -f "host $host" "$data/raw"
	run_case tcpdump-1m tcpdump_all "host $host and udp"
	run_case idx-all "$bin/hpcap-extract" -q -f "host $host" "$data/raw"
	run_case scan-all "$bin/hpcap-extract" -q --no-index -f "host $host" "$data/raw"
	run_case tcpdump-all tcpdump_all "host $host"
done
# Same frames (the 1-minute query has none for this host: 10.0.0.7 is
# quiet then; the whole-range query checks the results agree).
n_idx=$("$bin/hpcap-extract" -f "host $host" "$data/raw" 2>&1 >/dev/null | sed -E 's/.* ([0-9]+) written/\1/')
n_tcp=0
for f in "$data"/pcap/*/*.pcap; do
	n_tcp=$((n_tcp + $(tcpdump -r "$f" "host $host" 2>/dev/null | wc -l)))
done
s() { echo "scale=3; $1 / 1000000000" | bc; }
r() { echo "scale=1; $1 / $2" | bc; }
{
	echo
	echo "## extract-bench $(date -u +%Y-%m-%d) on $(uname -n) ($(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg))"
	echo
	echo "$size MB of 512-byte frames in $queues queues (32 MiB RAW files, $(ls "$data"/raw/*/*.raw | wc -l) files), 10 minutes of traffic, indexed in $(awk '{ print $2 }' "$data/done") s; page cache warm; best of $rounds rounds. Host $host: $n_idx frames (tcpdump: $n_tcp), all in the first minute."
	echo
	echo "| query | hpcap-extract (index) | --no-index (scan) | tcpdump -r each file | index vs tcpdump |"
	echo "|---|---|---|---|---|"
	echo "| host, 1 minute | $(s "${best[idx-1m]}") s | $(s "${best[scan-1m]}") s | $(s "${best[tcpdump-1m]}") s | $(r "${best[tcpdump-1m]}" "${best[idx-1m]}")x |"
	echo "| host, whole range | $(s "${best[idx-all]}") s | $(s "${best[scan-all]}") s | $(s "${best[tcpdump-all]}") s | $(r "${best[tcpdump-all]}" "${best[idx-all]}")x |"
	echo
	echo "Goal (issue 15): 1-minute query at least 50x faster than the tcpdump scan, whole-range host query at least 5x. tcpdump reads the same frames as pcap (RAW is not a format it reads)."
} | tee -a "$top/bench/RESULTS.md"
