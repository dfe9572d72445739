#!/usr/bin/env bash
# test-hpcap-index.bash [BINDIR] - hpcap-index on the same traffic held as
# RAW files, nanosecond pcap, pcapng and microsecond pcap: each index read
# back by an independent reader of doc/index-format.md (magic, version,
# CRC-32 as zlib computes it, segment rules: at most 4096 frames and less
# than 1 ms per segment, offsets at record starts); its sets equal what
# tshark sees (addresses, ports, protocols, VLAN ids); the same sets from
# every format; up-to-date indexes kept; --verify catching a damaged, a
# missing and a stale index; a damaged data file; errors.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
bin=${1:-$top/build/bin}
# shellcheck source=../../../tests/lib.sh
. "$top/tests/lib.sh"
t_init hpcap-index
for p in python3 tshark editcap capinfos; do
	command -v $p >/dev/null || t_skip "$p not installed"
done
cd "$T_TMP"
mkdir gen raw
python3 "$top/samples/hpcap-extract/tests/gen_queues.py" gen --queues 1 --count 3000 --step-ns 20000
"$bin/pcap2raw" -q -s 64K gen/q0.pcap raw/
cp gen/q0.pcap ns.pcap
editcap -F pcapng ns.pcap ng.pcapng
editcap -F pcap ns.pcap us.pcap

t_run "index RAW files, pcap, pcapng" 0 "$bin/hpcap-index" raw ns.pcap ng.pcapng us.pcap
nraw=$(ls raw/*.raw | wc -l)
t_grep "... summary" "$((nraw + 3)) files: $((nraw + 3)) indexed, 0 up to date, 0 damaged, 0 unreadable" "$T_OUT"

# An independent reader of the format (doc/index-format.md).
cat >readidx.py <<'PY'
import struct, sys, zlib
def read(path, data_path):
    b = open(path, "rb").read()
    d = open(data_path, "rb").read()
    assert b[:8] == b"HPCAPIDX", "magic"
    ver, hlen, fmt, flags, nseg, n4, n6 = struct.unpack_from("<HHIIIII", b, 8)
    size, frames, first, last, seg_ns, seg_frames, hcrc, total, check = \
        struct.unpack_from("<QQQQQIIQQ", b, 32)
    assert hcrc == zlib.crc32(b[80:96], zlib.crc32(b[:76])), "header crc"
    assert ver in (1, 2, 3) and hlen == 96 and total == len(b), "header"
    assert zlib.crc32(b[:-4]) == struct.unpack_from("<I", b, len(b) - 4)[0], "crc"
    assert size == len(d), "data size"
    span = min(len(d), 4096)
    assert check == (zlib.crc32(d[-span:]) << 32 | zlib.crc32(d[:span])), "data check"
    o = 96
    protos, vlans, ports = b[o:o + 32], b[o + 32:o + 544], b[o + 544:o + 8736]
    o += 8736
    sl = 40 if ver >= 3 else 32
    def seg_table(o):
        return [struct.unpack_from("<QQQQ", b, o + sl * i) for i in range(nseg)], o + sl * nseg
    def sets(o):
        v4 = [b[o + 4 * i:o + 4 * i + 4] for i in range(n4)]
        o += 4 * n4
        return v4, [b[o + 16 * i:o + 16 * i + 16] for i in range(n6)], o + 16 * n6
    if ver == 1:    # bitmaps, segments, sets, CRC
        segs, o = seg_table(o)
        v4, v6, o = sets(o)
    else:           # bitmaps, sets, sets CRC, segments, [filters,] CRC
        v4, v6, o = sets(o)
        assert zlib.crc32(b[96:o]) == struct.unpack_from("<I", b, o)[0], "sets crc"
        so = o + 4
        segs, o = seg_table(so)
        if ver >= 3:    # each segment's filter inside the words after the table
            nw = struct.unpack_from("<Q", b, o)[0]
            for i in range(nseg):
                fo, fw = struct.unpack_from("<II", b, so + sl * i + 32)
                assert 0 < fw and fo + fw <= nw, "segment filter out of bounds"
            o += 8 + 8 * nw
    assert o + 4 == len(b), "length"
    bits = lambda m, n: [i for i in range(n) if m[i // 8] >> (i % 8) & 1]
    return dict(fmt=fmt, flags=flags, frames=frames, first=first, last=last,
                segs=segs, v4=v4, v6=v6, protos=bits(protos, 256),
                vlans=bits(vlans, 4096), ports=bits(ports, 65536), data=d,
                seg_ns=seg_ns, seg_frames=seg_frames)
PY

# check_rules FILE: the segment table follows the rules; the RAW offsets
# hold the first frame of each segment (12-byte header, its time).  Times
# only grow in these files, so a segment spanning 1 ms or more (version 2:
# closed on time only once it holds 64 KiB) ends within one record past
# its first 64 KiB.
t_eq "segment rules and offsets (every file)" ok "$(python3 - raw/*.raw ns.pcap ng.pcapng us.pcap <<'PY'
import struct, sys
sys.path.insert(0, ".")
from readidx import read
bad = []
for f in sys.argv[1:]:
    x = read(f + ".idx", f)
    s = x["segs"]
    ends = [t[1] for t in s[1:]] + [x["frames"]]
    offs = [t[0] for t in s[1:]] + [len(x["data"])]
    for (off, fr, lo, hi), end, nxt in zip(s, ends, offs):
        if end - fr > 4096 or end <= fr or (hi - lo >= 1000000 and nxt - off > 65536 + 65536 + 32):
            bad.append("%s seg at %d" % (f, off))
        if x["fmt"] == 1:
            sec, ns = struct.unpack_from("<II", x["data"], off)
            if sec * 10**9 + ns != lo:
                bad.append("%s offset %d" % (f, off))
    if x["seg_ns"] != 1000000 or x["seg_frames"] != 4096 or x["flags"]:
        bad.append(f + " header")
print("ok" if not bad else " ".join(bad[:5]))
PY
)"

# The sets of ns.pcap against tshark's view of the same frames.
fields() { tshark -r ns.pcap -T fields -E separator=, "$@" 2>/dev/null | tr ',' '\n' | sed '/^$/d' | sort -u; }
fields -e ip.src -e ip.dst -e arp.src.proto_ipv4 -e arp.dst.proto_ipv4 >want-v4.txt
fields -e ipv6.src -e ipv6.dst >want-v6.txt
fields -e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport | sort -n >want-ports.txt
fields -e ip.proto -e ipv6.nxt | sort -n >want-protos.txt
fields -e vlan.id -e ieee8021ad.id | sort -n >want-vlans.txt
python3 - ns.pcap <<'PY'
import ipaddress, sys
sys.path.insert(0, ".")
from readidx import read
x = read(sys.argv[1] + ".idx", sys.argv[1])
w = lambda n, l: open(n, "w").write("".join("%s\n" % v for v in l))
w("got-v4.txt", sorted(str(ipaddress.IPv4Address(a)) for a in x["v4"]))
w("got-v6.txt", sorted(str(ipaddress.IPv6Address(a)) for a in x["v6"]))
w("got-ports.txt", x["ports"])
w("got-protos.txt", x["protos"])
w("got-vlans.txt", x["vlans"])
w("got-range.txt", [x["frames"], x["first"], x["last"]])
PY
for s in v4 v6 ports protos vlans; do
	sort -o "want-$s.txt" "want-$s.txt"; sort -o "got-$s.txt" "got-$s.txt"
	t_same_file "$s set = tshark's ($(wc -l <"want-$s.txt") values)" "want-$s.txt" "got-$s.txt"
done
tshark -r ns.pcap -T fields -e frame.time_epoch 2>/dev/null | tr -d . | sed 's/^0*//' | sort -n | sed -n '1p;$p' >t.txt
printf '%s\n%s\n%s\n' "$(capinfos -c -M ns.pcap | awk '/packets/ { print $NF }')" "$(head -1 t.txt)" "$(tail -1 t.txt)" >want-range.txt
t_same_file "frames, first and last time = capinfos/tshark" want-range.txt got-range.txt

# Same frames, same index content, whatever the format (RAW: the files'
# sets together).
"$bin/hpcap-index" --show ns.pcap | tail -n +2 >show-ns.txt
"$bin/hpcap-index" --show ng.pcapng | tail -n +2 >show-ng.txt
t_same_file "pcapng gives the index pcap gives" show-ns.txt show-ng.txt
t_grep "--show: format, frames, segments" "^ns.pcap: pcap, 3000 frames, .* [0-9]+ segments" "$("$bin/hpcap-index" --show ns.pcap)"
t_grep "--show: the microsecond file read as microseconds" "^us.pcap: pcap, 3000 frames, 2023-11-14 22:13:20.[0-9]{6}000 " "$("$bin/hpcap-index" --show us.pcap)"

t_run "a second run keeps every index" 0 "$bin/hpcap-index" raw ns.pcap
t_grep "... up to date" "$((nraw + 1)) files: 0 indexed, $((nraw + 1)) up to date" "$T_OUT"
printf 'X' | dd of=ns.pcap bs=1 seek=100 conv=notrunc 2>/dev/null
t_run "a changed data file" 0 "$bin/hpcap-index" ns.pcap
t_grep "... is indexed again" "1 indexed, 0 up to date" "$T_OUT"
t_run "--force" 0 "$bin/hpcap-index" -f raw
t_grep "... rebuilds all" "$nraw indexed, 0 up to date" "$T_OUT"

t_run "--verify, all good" 0 "$bin/hpcap-index" --verify raw ns.pcap ng.pcapng us.pcap
printf '\x01' | dd of=raw/000001.raw.idx bs=1 seek=9000 conv=notrunc 2>/dev/null
rm raw/000002.raw.idx
cp raw/000004.raw.idx raw/000003.raw.idx
t_run "--verify: damaged, missing and stale" 1 "$bin/hpcap-index" --verify raw
t_grep "... damaged (CRC)" "000001.raw.idx: CRC mismatch" "$T_OUT"
t_grep "... missing" "cannot open .*000002.raw.idx" "$T_OUT"
t_grep "... stale" "000003.raw.idx: stale" "$T_OUT"
t_grep "... counted" "3 bad or missing indexes" "$T_OUT"
t_run "indexing repairs them" 0 "$bin/hpcap-index" raw
t_run "... --verify agrees" 0 "$bin/hpcap-index" --verify raw

# A damaged data file: indexed up to the damage, named with its offset.
cp raw/000001.raw cut.raw
truncate -s 40000 cut.raw
t_run "a damaged RAW file" 1 "$bin/hpcap-index" cut.raw
t_grep "... named with its offset" "cut.raw: damaged at offset [0-9]+: record cut short" "$T_OUT"
t_grep "... the index covers the frames before it" "damaged: indexed up to the damage" "$("$bin/hpcap-index" --show cut.raw)"
head -c 5000 ns.pcap >cut.pcap
t_run "a damaged pcap file" 1 "$bin/hpcap-index" cut.pcap
t_grep "... named with its offset" "cut.pcap: damaged at offset [0-9]+" "$T_OUT"

# Errors.
if command -v zstd >/dev/null; then
	# A plain zstd stream (the zstd tool's, no seek table) is indexed
	# like its content; one compressed twice is refused with what to do.
	zstd -q ns.pcap -o z.pcap.zst
	t_run "a zstd file" 0 "$bin/hpcap-index" z.pcap.zst
	"$bin/hpcap-index" --show z.pcap.zst | sed 1d >z.show
	"$bin/hpcap-index" --show ns.pcap | sed 1d >ns.show
	t_same_file "... its index is what its content's would be" ns.show z.show
	zstd -q -c z.pcap.zst >zz.pcap.zst.zst
	t_run "a file compressed twice" 1 "$bin/hpcap-index" zz.pcap.zst.zst
	t_grep "... says what to do" "compressed twice.*zstd -d" "$T_OUT"
fi
echo "hello, not a capture" >text.txt
t_run "not a capture file" 1 "$bin/hpcap-index" text.txt
t_grep "... says so" "text.txt: not a RAW, pcap or pcapng file" "$T_OUT"
t_run "a missing file" 1 "$bin/hpcap-index" nosuch.raw
t_grep "... says so" "cannot open nosuch.raw" "$T_OUT"
mkdir empty
t_run "an empty directory" 1 "$bin/hpcap-index" empty
t_grep "... says so" "no capture files in empty" "$T_OUT"
t_run "no operands" 2 "$bin/hpcap-index"
t_run "--show without an index" 1 "$bin/hpcap-index" --show text.txt
t_grep "... says how to build it" "build it with hpcap-index text.txt" "$T_OUT"
t_done
