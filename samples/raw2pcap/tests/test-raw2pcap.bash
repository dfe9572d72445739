#!/usr/bin/env bash
# test-raw2pcap.bash [BINDIR] - raw2pcap against hand-written golden bytes,
# libpcap/tshark readings, round trips, and every kind of bad input.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
bin=${1:-$top/build/bin}
fx=$top/tests/fixtures
# shellcheck source=../../../tests/lib.sh
. "$top/tests/lib.sh"
t_init raw2pcap
cd "$T_TMP"

"$fx/unhex.bash" "$fx/tiny.raw.hex" tiny.raw
for f in nsec usec; do "$fx/unhex.bash" "$fx/tiny-$f.pcap.hex" "want-$f.pcap"; done
"$fx/unhex.bash" "$fx/tiny.pcapng.hex" want.pcapng

# Golden bytes, written by hand from the format specifications.
t_run "tiny.raw to ns pcap" 0 "$bin/raw2pcap" tiny.raw out.pcap
t_same_file "ns pcap golden bytes" want-nsec.pcap out.pcap
t_run "tiny.raw to us pcap" 0 "$bin/raw2pcap" --usec tiny.raw out-us.pcap
t_same_file "us pcap golden bytes" want-usec.pcap out-us.pcap
t_run "tiny.raw to pcapng" 0 "$bin/raw2pcap" -n tiny.raw out.pcapng
t_same_file "pcapng golden bytes" want.pcapng out.pcapng
t_grep "per-file summary on stderr" "tiny.raw: 2 frames" "$T_OUT"

# Exactly the named file, and '-' for stdout.
t_run "output without extension" 0 "$bin/raw2pcap" -q tiny.raw plainname
t_same_file "writes exactly the named file" want-nsec.pcap plainname
"$bin/raw2pcap" -q tiny.raw - > stdout.pcap
t_same_file "'-' writes to stdout" want-nsec.pcap stdout.pcap

# Round trip through pcap2raw, single file and a directory of small files.
"$bin/pcap2raw" -q "$fx/small.pcap" small.raw
t_run "small.raw to pcap" 0 "$bin/raw2pcap" -q small.raw rt.pcap
t_same_file "pcap -> pcap2raw -> raw2pcap is byte-identical" "$fx/small.pcap" rt.pcap
t_run "directory input" 0 "$bin/raw2pcap" "$fx/small-16k" rt-dir.pcap
t_same_file "directory read in order, byte-identical" "$fx/small.pcap" rt-dir.pcap
t_grep "one summary line per file" "000005.raw: [0-9]+ frames" "$T_OUT"
t_run "several inputs" 0 "$bin/raw2pcap" -q "$fx/small-16k/000000.raw" "$fx/small-16k/000001.raw" two.pcap
n=$(tshark -r two.pcap 2>/dev/null | wc -l)
n0=$(tshark -r <("$bin/raw2pcap" -q "$fx/small-16k/000000.raw" -) 2>/dev/null | wc -l)
n1=$(tshark -r <("$bin/raw2pcap" -q "$fx/small-16k/000001.raw" -) 2>/dev/null | wc -l)
t_eq "several inputs concatenated" "$((n0 + n1))" "$n"
t_run "--snaplen cuts frames" 0 "$bin/raw2pcap" -q --snaplen 100 small.raw snap.pcap
t_eq "--snaplen: caplen <= 100, len kept" "100 9000" \
	"$(tshark -r snap.pcap -T fields -e frame.cap_len -e frame.len 2>/dev/null | sort -n -k2 | tail -1 | xargs)"
t_run "--count" 0 "$bin/raw2pcap" -q -c 7 small.raw seven.pcap
t_eq "--count stops after N frames" 7 "$(tshark -r seven.pcap 2>/dev/null | wc -l)"

# tshark reads every format with the same ns times, lengths and bytes.
# tshark 4.0 has no frame.bytes field: times and lengths, then a hex dump.
tshark_view() {
	tshark -r "$1" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len 2>/dev/null
	tshark -r "$1" -x 2>/dev/null
}
tshark_view "$fx/small.pcap" > want.txt
for fmt in "" --pcapng; do
	"$bin/raw2pcap" -q $fmt small.raw "x$fmt"
	tshark_view "x$fmt" > got.txt
	t_same_file "tshark sees identical frames (${fmt:-pcap ns})" want.txt got.txt
done
t_grep "tshark view has ns times and bytes" "^1700000000\.[0-9]{9}.*	60	60\$" "$(head -3 want.txt)"
t_eq "tshark hex dump has every frame" 60 "$(grep -c '^0000  02 00 00 00 00 01 02 00' want.txt)"
"$bin/raw2pcap" -q --usec small.raw us.pcap
t_grep "capinfos: us pcap has microsecond precision" "microseconds" "$(capinfos us.pcap 2>/dev/null)"
t_grep "capinfos: pcapng has nanosecond precision" "nanoseconds" "$(capinfos x--pcapng 2>/dev/null)"

# Leading padding skipped, nothing read after the closing padding.
{ printf '\0\0\0\0\0\0\0\0\x04\0\x04\0abcd'; cat tiny.raw; printf 'GARBAGE AFTER PADDING'; } > lead.raw
t_run "leading padding and trailing junk" 0 "$bin/raw2pcap" -q lead.raw lead.pcap
t_same_file "leading padding skipped, junk after closing padding ignored" want-nsec.pcap lead.pcap

# --linktype: RAW files carry no link type; pcap2raw names the one it
# converted and raw2pcap writes it back.  Names and numbers, validated.
# Raw IPv4 frames (link type 101), as a capture on a tun device gives.
python3 - rawip.pcap <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 101))
    for i in range(5):
        body = struct.pack(">HHHH", 1000 + i, 53, 8 + 4, 0) + struct.pack(">I", i)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(body), i, 0, 64, 17, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + body
        f.write(struct.pack("<IIII", 1700000000 + i, 5, len(ip), len(ip)) + ip)
PY
t_run "pcap2raw --any-linktype on raw IP" 0 "$bin/pcap2raw" --any-linktype rawip.pcap rawip.raw
t_grep "pcap2raw names the link type" "link type RAW$" "$T_OUT"
for lt in RAW DLT_RAW raw 101; do
	t_run "--linktype $lt" 0 "$bin/raw2pcap" -q --linktype "$lt" rawip.raw "back-$lt.pcap"
	t_same_file "--linktype $lt: the original file, byte for byte" rawip.pcap "back-$lt.pcap"
done
t_eq "tshark decodes the frames as IP again" "10.0.0.1 10.0.0.2 17" \
	"$(tshark -r back-RAW.pcap -T fields -e ip.src -e ip.dst -e ip.proto 2>/dev/null | sort -u | xargs)"
"$bin/raw2pcap" -q rawip.raw back-default.pcap
t_eq "without --linktype: Ethernet, as before" 1 "$(od -An -tu4 -j20 -N4 back-default.pcap | xargs)"
"$bin/raw2pcap" -q --pcapng --linktype LINUX_SLL rawip.raw sll.pcapng
t_eq "pcapng gets the link type too (tshark: Linux cooked)" "25" \
	"$(tshark -r sll.pcapng -T fields -e frame.encap_type 2>/dev/null | sort -u | xargs)"
t_eq "libpcap reads it back (tcpdump: LINUX_SLL)" "LINUX_SLL" \
	"$(tcpdump -r sll.pcapng 2>&1 >/dev/null | sed -n 's/.*link-type \([A-Z0-9_]*\).*/\1/p')"
t_run "unknown link type name" 2 "$bin/raw2pcap" --linktype ETHERNETT rawip.raw x.pcap
t_grep "the error says what to give" "--linktype: 'ETHERNETT' is not a link type libpcap knows; give a name such as EN10MB" "$T_OUT"
t_run "unknown link type number" 2 "$bin/raw2pcap" --linktype 9999 rawip.raw x.pcap
t_run "link type number too large" 2 "$bin/raw2pcap" --linktype 70000 rawip.raw x.pcap
t_eq "nothing written on a usage error" "" "$(ls x.pcap 2>/dev/null)"

# Damaged input: every complete frame is written, exit 1, clear message.
head -c 29 tiny.raw > cut.raw
t_run "truncated input" 1 "$bin/raw2pcap" -q cut.raw cut.pcap
t_grep "truncation reported with offset" "cut.raw: record at offset 16 \\(caplen 2\\) cut by end of file" "$T_OUT"
t_eq "complete frames before the damage kept" 1 "$(tshark -r cut.pcap 2>/dev/null | wc -l)"
head -c 30 tiny.raw > nopad.raw
t_run "input without closing padding" 1 "$bin/raw2pcap" -q nopad.raw nopad.pcap
t_grep "missing padding reported" "without a closing padding" "$T_OUT"
t_eq "both frames kept" 2 "$(tshark -r nopad.pcap 2>/dev/null | wc -l)"
t_run "missing input" 1 "$bin/raw2pcap" -q nonexistent.raw x.pcap
t_grep "missing input named" "cannot open nonexistent.raw" "$T_OUT"
mkdir emptydir
t_run "directory without raw files" 1 "$bin/raw2pcap" -q emptydir x.pcap
cp tiny.raw victim.raw
t_run "output = input refused" 2 "$bin/raw2pcap" victim.raw victim.raw
t_same_file "input untouched when output = input" tiny.raw victim.raw
t_run "no arguments" 2 "$bin/raw2pcap"
t_run "one argument" 2 "$bin/raw2pcap" tiny.raw
t_run "bad --snaplen" 2 "$bin/raw2pcap" --snaplen 12x tiny.raw x.pcap
t_grep "bad number names the option" "--snaplen: '12x'" "$T_OUT"
t_run "unwritable output" 1 "$bin/raw2pcap" tiny.raw /nonexistent-dir/x.pcap
t_grep "unwritable output named" "cannot create /nonexistent-dir/x.pcap" "$T_OUT"
if [ -w /dev/full ]; then
	t_run "disk full" 1 "$bin/raw2pcap" -q small.raw /dev/full
	t_grep "disk full reported" "No space left" "$T_OUT"
fi
t_done
