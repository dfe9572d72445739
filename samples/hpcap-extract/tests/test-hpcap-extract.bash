#!/usr/bin/env bash
# test-hpcap-extract.bash [BINDIR] - hpcap-extract over a capture tree of
# three queues (gen_queues.py: overlapping times, mixed IPv4/IPv6, TCP/UDP/
# ICMP, ARP, VLAN/QinQ) held as RAW files (one opening with a padding),
# pcapng files and pcap files, some indexed, some not: every query equals,
# byte for byte (frames and timestamps), tcpdump/tshark over the merged
# original queues; with or without indexes; with a corrupt index, a stale
# one and a damaged data file; every output format; errors.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
bin=${1:-$top/build/bin}
# shellcheck source=../../../tests/lib.sh
. "$top/tests/lib.sh"
t_init hpcap-extract
for p in python3 tcpdump tshark mergecap editcap zstd; do
	command -v $p >/dev/null || t_skip "$p not installed"
done
cd "$T_TMP"
mkdir gen tree tree/q0 tree/q1 tree/q2
python3 "$here/gen_queues.py" gen --queues 3 --count 6000
# The reference: the queues merged in time order (times are distinct).
mergecap -F nsecpcap -w all.pcap gen/q0.pcap gen/q1.pcap gen/q2.pcap
# q0: RAW files of 64 KiB; the first one made to open with a padding
# record (12-byte header with zero time, caplen = len = 52, 52 bytes).
"$bin/pcap2raw" -q -s 64K gen/q0.pcap tree/q0/
{ printf '\0\0\0\0\0\0\0\0\x34\0\x34\0'; head -c 52 /dev/zero; cat tree/q0/000000.raw; } >pad.raw
mv pad.raw tree/q0/000000.raw
# q1: pcapng files of 500 frames; q2: nanosecond pcap files of 700.
editcap -F pcapng -c 500 gen/q1.pcap tree/q1/q1.pcapng
editcap -F nsecpcap -c 700 gen/q2.pcap tree/q2/q2.pcap
t_run "hpcap-index over the tree" 0 "$bin/hpcap-index" -q tree
# Some files keep no index.
rm tree/q1/q1_00001_*.idx tree/q2/q2_00002_*.idx

# records FILE: the frame records of a pcap (no file header: the
# snaplen field differs between writers).
records() { tail -c +25 "$1"; }

# check NAME FILTER [EXTRACT-ARGS...]: hpcap-extract with and without the
# indexes = tcpdump with the filter over the time-filtered reference, over
# the capture tree $TREE.
TREE=tree
check() {
	local name=$1 filter=$2 begin=$3 end=$4
	shift 4
	tshark -r all.pcap -Y "frame.time_epoch >= $begin && frame.time_epoch < $end" \
		-F nsecpcap -w range.pcap 2>/dev/null
	tcpdump --time-stamp-precision=nano -r range.pcap -w want.pcap $filter 2>/dev/null
	t_run "$name: with indexes" 0 "$bin/hpcap-extract" -b "$begin" -e "$end" \
		${filter:+-f "$filter"} -o got.pcap "$@" "$TREE"
	T_IX=$T_OUT
	records want.pcap >want.rec
	records got.pcap >got.rec
	t_same_file "$name: = tcpdump over the merged queues ($(capinfos -c -M want.pcap | awk '/packets/ { print $NF }') frames)" want.rec got.rec
	t_run "$name: --no-index" 0 "$bin/hpcap-extract" --no-index -b "$begin" \
		-e "$end" ${filter:+-f "$filter"} -o got-scan.pcap "$TREE"
	records got-scan.pcap >got-scan.rec
	t_same_file "$name: scanning gives the same frames" want.rec got-scan.rec
}

t0=1700000000
T_IX=""
check "everything" "" 0 2000000000
t_grep "summary counts the files and frames" "18 files considered, 0 skipped by index .*2 without index.* 6000 written" "$T_IX"
check "a time range" "" $t0.1 $t0.2
t_grep "the index skips files out of the range" "[1-9][0-9]* skipped by index \\([1-9][0-9]* time" "$T_IX"
check "one host (early only)" "host 10.9.9.9" 0 2000000000
t_grep "the address set skips files" "[1-9][0-9]* filter\\)" "$T_IX"
check "port, protocol and network" "tcp port 443 and net 10.1.0.0/16" $t0.05 $t0.25
check "VLAN" "vlan 100 and udp" 0 2000000000
check "IPv6 and a port range" "ip6 and portrange 50-90" $t0.1 $t0.2000001
check "ARP by address" "arp and host 10.0.0.7" 0 2000000000
check "negation" "not host 10.0.0.1 and not ip6" $t0.123456789 $t0.2
check "no match" "host 192.0.2.99" 0 2000000000
t_grep "... every indexed file skipped" "16 skipped by index \\(0 time, 16 filter\\)" "$T_IX"

# Version 1 indexes (segments before the sets, no sets CRC, no segment
# filters) are still read: the same tree with every index rewritten as
# version 1 (doc/index-format.md) gives the same frames and skips the same
# files.
cp -a tree tree-v1
python3 - tree-v1/*/*.idx <<'PY'
import struct, sys, zlib
for p in sys.argv[1:]:
    b = open(p, "rb").read()
    ver, _, _, _, nseg, n4, n6 = struct.unpack_from("<HHIIIII", b, 8)
    assert ver == 3
    sets_end = 96 + 8736 + 4 * n4 + 16 * n6
    # Version 3's 40-byte entries lose their filter's place (8 bytes).
    segs = b"".join(b[sets_end + 4 + 40 * i:sets_end + 4 + 40 * i + 32] for i in range(nseg))
    h = bytearray(b[:96])
    struct.pack_into("<H", h, 8, 1)
    body = b[96:96 + 8736] + segs + b[96 + 8736:sets_end]
    struct.pack_into("<Q", h, 80, 96 + len(body) + 4)
    struct.pack_into("<I", h, 76, zlib.crc32(h[80:96], zlib.crc32(h[:76])))
    out = bytes(h) + body
    open(p, "wb").write(out + struct.pack("<I", zlib.crc32(out)))
PY
for q in "host 10.9.9.9|0|2000000000" "tcp port 443 and net 10.1.0.0/16|$t0.05|$t0.25" "host 192.0.2.99|0|2000000000"; do
	IFS='|' read -r f b e <<<"$q"
	"$bin/hpcap-extract" -b "$b" -e "$e" -f "$f" -o v3.pcap tree 2>v3.err
	t_run "version 1 indexes: $f" 0 "$bin/hpcap-extract" -b "$b" -e "$e" -f "$f" -o v1.pcap tree-v1
	t_same_file "... the same frames as with version 3" v3.pcap v1.pcap
	t_eq "... the same files skipped" "$(grep -o '[0-9]* skipped by index ([^)]*)' v3.err)" "$(grep -o '[0-9]* skipped by index ([^)]*)' <<<"$T_OUT")"
	t_grep "... no index ignored, no segment filter in version 1" "0 segments skipped by filter, .* 0 bad indexes" "$T_OUT"
done

# Every address of the tree asked alone: what the indexes answer (the
# files' sets, version 3's segment filters) never loses a frame: with
# indexes = without, for each; and the segment filters do skip segments.
tshark -r all.pcap -T fields -E separator=, -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst 2>/dev/null |
	tr ',' '\n' | sed '/^$/d' | sort -u >addrs.txt
bad=0 segs=0
while read -r a; do
	"$bin/hpcap-extract" -f "host $a" -o a-ix.pcap tree 2>a.err
	"$bin/hpcap-extract" -q --no-index -f "host $a" -o a-scan.pcap tree
	cmp -s a-ix.pcap a-scan.pcap || bad=$((bad + 1))
	segs=$((segs + $(sed -nE 's/.* ([0-9]+) segments? skipped by filter.*/\1/p' a.err)))
done <addrs.txt
t_eq "every address alone ($(wc -l <addrs.txt)): with indexes = without" 0 "$bad"
t_eq "... segments skipped by their filters" yes "$([ "$segs" -gt 0 ] && echo yes || echo no)"

# The same tree compressed with zstd.  q0 (RAW) and q2 (pcap) as seekable
# zstd written here by a writer of its own (the zstd tool on every 8 KiB
# of content, cut anywhere, so records straddle frames; the seek table
# after them, no checksums), q1 (pcapng) as the zstd tool's plain streams.
# Indexes for q0 and q1 only.  Every query gives tcpdump's frames, and
# the time range is still answered from the indexes.
cp -a tree tree-z
find tree-z -name '*.idx' -delete
python3 - tree-z/q0/* tree-z/q2/* <<'PY'
import os, struct, subprocess, sys
for p in sys.argv[1:]:
    data = open(p, "rb").read()
    frames, ents = [], []
    for i in range(0, len(data), 8192):
        chunk = data[i:i + 8192]
        c = subprocess.run(["zstd", "-q", "-1", "-c"], input=chunk,
                           capture_output=True, check=True).stdout
        frames.append(c)
        ents.append(struct.pack("<II", len(c), len(chunk)))
    tab = b"".join(ents) + struct.pack("<IBI", len(ents), 0, 0x8F92EAB1)
    with open(p + ".zst", "wb") as f:
        f.write(b"".join(frames) + struct.pack("<II", 0x184D2A5E, len(tab)) + tab)
    os.unlink(p)
PY
for f in tree-z/q1/*; do zstd -q --rm "$f"; done
t_run "hpcap-index over compressed files" 0 "$bin/hpcap-index" -q tree-z/q0 tree-z/q1
TREE=tree-z
check "zstd: everything" "" 0 2000000000
t_grep "zstd: ... every file read" "18 files considered, .* 0 damaged, 0 unreadable; 6000 frames scanned, 6000 written" "$T_IX"
check "zstd: a time range" "" $t0.1 $t0.2
t_grep "zstd: ... the index skips files out of the range" "[1-9][0-9]* skipped by index \\([1-9][0-9]* time" "$T_IX"
check "zstd: one host (early only)" "host 10.9.9.9" 0 2000000000
check "zstd: port, protocol and network" "tcp port 443 and net 10.1.0.0/16" $t0.05 $t0.25
TREE=tree

# Times: ISO 8601 in UTC and with an offset = the same epoch seconds.
"$bin/hpcap-extract" -q -b $t0.1 -e $t0.2 -o epoch.pcap tree
t_run "ISO 8601 times (Z)" 0 "$bin/hpcap-extract" -q -b 2023-11-14T22:13:20.1Z -e 2023-11-14T22:13:20.2Z -o iso.pcap tree
t_same_file "... = the epoch times" epoch.pcap iso.pcap
t_run "ISO 8601 times (+01:00)" 0 "$bin/hpcap-extract" -q -b 2023-11-14T23:13:20.1+01:00 -e 2023-11-14T23:13:20.2+01:00 -o iso2.pcap tree
t_same_file "... = the epoch times" epoch.pcap iso2.pcap
t_run "relative begin (-5m: after the capture)" 0 "$bin/hpcap-extract" -b -5m -o rel.pcap tree
t_grep "... nothing written" " 0 written" "$T_OUT"

# Output formats: pcapng and microsecond pcap read back by tshark; RAW
# converted back by raw2pcap.
tshark -r epoch.pcap -T fields -e frame.time_epoch -e frame.len -e frame.cap_len >want.txt 2>/dev/null
t_run "--format pcapng" 0 "$bin/hpcap-extract" -q -F pcapng -b $t0.1 -e $t0.2 -o got.pcapng tree
tshark -r got.pcapng -T fields -e frame.time_epoch -e frame.len -e frame.cap_len >got.txt 2>/dev/null
t_same_file "... the same frames and times (tshark)" want.txt got.txt
t_grep "... is pcapng" "pcapng" "$(capinfos -t got.pcapng)"
t_run "--format raw" 0 "$bin/hpcap-extract" -q -F raw -b $t0.1 -e $t0.2 -o got.raw tree
"$bin/raw2pcap" -q got.raw back.pcap 2>/dev/null || "$bin/raw2pcap" got.raw back.pcap >/dev/null 2>&1
records back.pcap >back.rec
records epoch.pcap >epoch.rec
t_same_file "... raw2pcap gives the frames back" epoch.rec back.rec
t_run "stdout" 0 bash -c "'$bin/hpcap-extract' -q -b $t0.1 -e $t0.2 tree | tcpdump -r - -w stdout.pcap --time-stamp-precision=nano 2>/dev/null"
records stdout.pcap >stdout.rec
t_same_file "... tcpdump reads it from a pipe" epoch.rec stdout.rec

# A corrupt index (one byte flipped: the CRC) and a stale one (made for
# another file) are reported, ignored, and change nothing.
cp -a tree tree.good
f=$(ls tree/q0/*.raw.idx | sed -n 3p)
printf '\xff' | dd of="$f" bs=1 seek=200 conv=notrunc 2>/dev/null
cp tree/q0/000005.raw.idx tree/q0/000006.raw.idx
t_run "corrupt and stale indexes" 1 "$bin/hpcap-extract" -f "host 10.9.9.9" -o bad-ix.pcap tree
t_grep "... the CRC catches the corrupt one" "$(basename "$f"): (sets )?CRC mismatch.*index ignored" "$T_OUT"
t_grep "... the stale one is named" "000006.raw.idx: index ignored: made for another file" "$T_OUT"
tcpdump --time-stamp-precision=nano -r all.pcap -w want.pcap "host 10.9.9.9" 2>/dev/null
records want.pcap >want.rec
records bad-ix.pcap >got.rec
t_same_file "... the frames are still all there" want.rec got.rec
rm -rf tree && mv tree.good tree

# A damaged data file: q0's file 2 cut in the middle of a record.  It is
# reported with its name and offset; its frames before the cut and every
# other file's frames are written.
"$bin/hpcap-extract" -q -o q0-2.pcap tree/q0/000002.raw
cut_at=30001
truncate -s $cut_at tree/q0/000002.raw
keep=$(python3 - tree/q0/000002.raw <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
o = n = 0
while o + 12 <= len(d):
    s, ns, cl, l = struct.unpack_from("<IIHH", d, o)
    if o + 12 + cl > len(d):
        break
    n += 1
    o += 12 + cl
print(n)
PY
)
t_run "a damaged data file" 1 "$bin/hpcap-extract" -o dmg.pcap tree/q0/000002.raw
t_grep "... named with its offset" "000002.raw: damaged at offset [0-9]+: record cut short" "$T_OUT"
editcap -F nsecpcap -r q0-2.pcap want.pcap 1-"$keep" 2>/dev/null
records want.pcap >want.rec
records dmg.pcap >got.rec
t_same_file "... the $keep frames before the damage are kept" want.rec got.rec
t_grep "... its index, now stale, is reported" "000002.raw.idx: index ignored: made for a file of 65536 bytes" "$T_OUT"
t_run "... in the whole tree" 1 "$bin/hpcap-extract" -o dmg-all.pcap tree
t_grep "... the rest is extracted" "18 files considered.* [0-9]+ written" "$T_OUT"
t_eq "... every other frame is there" \
	$(( $(capinfos -c -M all.pcap | awk '/packets/ { print $NF }') - $(capinfos -c -M q0-2.pcap | awk '/packets/ { print $NF }') + keep )) \
	"$(capinfos -c -M dmg-all.pcap | awk '/packets/ { print $NF }')"

# Errors.
t_run "bad time" 2 "$bin/hpcap-extract" -b yesterday tree
t_grep "... says what a time is" "not a time .*Unix seconds" "$T_OUT"
t_run "end before begin" 2 "$bin/hpcap-extract" -b 20 -e 10 tree
t_run "bad filter" 2 "$bin/hpcap-extract" -f "host and" tree
t_grep "... libpcap's message" "bad filter 'host and'" "$T_OUT"
t_run "raw to stdout" 2 "$bin/hpcap-extract" -F raw tree
t_run "unknown format" 2 "$bin/hpcap-extract" -F csv tree
t_run "no operands" 2 "$bin/hpcap-extract"
mkdir empty
t_run "an empty directory" 1 "$bin/hpcap-extract" empty
t_grep "... says so" "no capture files in empty" "$T_OUT"
echo "not a capture" >notcap.txt
t_run "a file that is no capture" 1 "$bin/hpcap-extract" -o /dev/null notcap.txt
t_grep "... says so" "not a RAW, pcap or pcapng file" "$T_OUT"
t_run "unwritable output" 1 "$bin/hpcap-extract" -o /nonexistent/x.pcap tree/q2
t_run "--help" 0 "$bin/hpcap-extract" --help
t_grep "... shows the time forms" "2026-12-06T10:00" "$T_OUT"
t_done
