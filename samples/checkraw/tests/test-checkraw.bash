#!/usr/bin/env bash
# test-checkraw.bash [BINDIR] - checkraw finds each kind of damage with its
# offset, never touches a file without -f, and -f repairs exactly the files
# a crash leaves (keeping every captured frame).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
bin=${1:-$top/build/bin}
fx=$top/tests/fixtures
gen=$top/tests/tools/gen_pcap.py
# shellcheck source=../../../tests/lib.sh
. "$top/tests/lib.sh"
t_init checkraw
cd "$T_TMP"

python3 "$gen" g.pcap --count 40 --sizes 60,1514,9000,128 --seed 9
"$bin/pcap2raw" -q g.pcap good.raw
t_run "valid file" 0 "$bin/checkraw" good.raw
t_grep "valid file reported ok with its frame count" "good.raw: ok, 40 frames" "$T_OUT"
t_run "valid directory" 0 "$bin/checkraw" -q "$fx/small-16k"
t_grep "final line counts files and frames" "6 files, 60 frames, 0 with errors" "$T_OUT"

# corrupt.py KIND IN OUT: one kind of damage at a known place.  Record
# offsets come from walking the headers, independently of checkraw.
cat > corrupt.py <<'PY'
import struct, sys
kind, src, dst = sys.argv[1:4]
b = bytearray(open(src, "rb").read())
recs, off = [], 0
while True:
    sec, nsec, cap, ln = struct.unpack_from("<IIHH", b, off)
    recs.append(off)
    if sec == 0 and nsec == 0:
        break
    off += 12 + cap
pad = recs[-1]
r5 = recs[5]
if kind == "nsec":
    struct.pack_into("<I", b, r5 + 4, 1000000000)
elif kind == "caplen":
    cap = struct.unpack_from("<H", b, r5 + 8)[0]
    struct.pack_into("<H", b, r5 + 10, cap - 1)
elif kind == "backwards":
    sec = struct.unpack_from("<I", b, r5)[0]
    struct.pack_into("<I", b, r5, sec - 5)
elif kind == "padlen":
    struct.pack_into("<H", b, pad + 10, 7)
elif kind == "after":
    b += b"trailing bytes"
elif kind == "zerotail":
    b = b[:pad] + bytes(20000)
elif kind == "cutmid":
    b = b[: r5 + 12 + 30]
elif kind == "cuthdr":
    b = b[: r5 + 5]
elif kind == "nopad":
    b = b[:pad]
elif kind == "pastend":
    b = b[:pad] + b"\0" * 8 + struct.pack("<HH", 500, 500)
elif kind == "hugecap":
    struct.pack_into("<HH", b, r5 + 8, 65535, 65535)
print(r5 if kind not in ("padlen", "after", "zerotail", "nopad", "pastend") else pad)
open(dst, "wb").write(b)
PY

# kind  expected-offset-source  message pattern
check_kind() {
	local kind=$1 pattern=$2 off before
	off=$(python3 corrupt.py "$kind" good.raw "$kind.raw")
	before=$(sha256sum < "$kind.raw")
	t_run "$kind: detected" 1 "$bin/checkraw" "$kind.raw"
	t_grep "$kind: message with offset" "$kind.raw: offset ${3:-$off}: $pattern" "$T_OUT"
	t_eq "$kind: file untouched without -f" "$before" "$(sha256sum < "$kind.raw")"
}
check_kind nsec "nanoseconds field 1000000000 is not below 1e9"
check_kind caplen "caplen [0-9]+ is larger than len"
check_kind backwards "timestamp 1699999995\\.[0-9]{9} goes back [0-9]+ ns"
check_kind padlen "padding record with caplen [0-9]+ != len 7"
size=$(stat -c %s good.raw)
check_kind after "14 bytes after the closing padding" "$size"
check_kind zerotail "file ends in 20000 zero bytes"
check_kind cutmid "last record cut short"
check_kind cuthdr "last record cut short"
check_kind nopad "file ends without a closing padding record"
check_kind pastend "last record cut short"
t_grep "truncated file: says how to repair" "run 'checkraw -f" "$T_OUT"

# Strict limits and minimum timestamp.
t_run "--strict: 9000-byte frames flagged" 1 "$bin/checkraw" --strict good.raw
t_grep "--strict names the limit" "len 9000 is above the maximum 1518" "$T_OUT"
t_run "--max-len 9000 accepts them" 0 "$bin/checkraw" --max-len 9000 good.raw
t_run "--min-frame-ts before the capture" 0 "$bin/checkraw" --min-frame-ts 1699999999.5 good.raw
t_run "--min-frame-ts after the first frame" 1 "$bin/checkraw" --min-frame-ts 1700000000.9 good.raw
t_grep "--min-frame-ts message" "is before the minimum 1700000000.900000000" "$T_OUT"
t_run "--tolerance forgives a small step back" 0 "$bin/checkraw" --tolerance 5000000000 backwards.raw
t_run "bad -t" 2 "$bin/checkraw" -t yesterday good.raw
t_run "--max-errors limits the report" 1 "$bin/checkraw" --strict -m 2 good.raw
t_eq "--max-errors: 2 shown" 2 "$(grep -c 'is above the maximum' <<<"$T_OUT")"
t_run "HPCAP's -e 2" 1 "$bin/checkraw" --strict -e 2 good.raw
t_eq "-e 2: 2 shown" 2 "$(grep -c 'is above the maximum' <<<"$T_OUT")"
t_run "HPCAP's -e 0: no limit" 1 "$bin/checkraw" --strict -e 0 good.raw
t_eq "-e 0: all 10 shown" 10 "$(grep -c 'is above the maximum' <<<"$T_OUT")"
python3 "$gen" short.pcap --count 20 --sizes 60,100 --caplen 40
"$bin/pcap2raw" -q short.pcap short.raw
t_run "--strict: caplen 40 below the minimum" 1 "$bin/checkraw" --strict short.raw
t_grep "--strict names the minimum" "caplen 40 is below the minimum 60" "$T_OUT"
t_run "HPCAP's -c: no minimum caplen" 0 "$bin/checkraw" --strict -c short.raw

# HPCAP's form and -t: files whose name says they started before min_ts
# are skipped (a damaged old file is not reported); newer ones checked.
mkdir hp
python3 "$gen" h1.pcap --count 10 --start 1700000100 --seed 1
python3 "$gen" h2.pcap --count 10 --start 1700000200 --seed 2
"$bin/pcap2raw" -q h1.pcap hp/1700000100_hpcap0_0.raw
"$bin/pcap2raw" -q h2.pcap hp/1700000200_hpcap0_0.raw
cp nsec.raw hp/1600000000_hpcap0_0.raw
t_run "all files: the old damaged one is an error" 1 "$bin/checkraw" hp
t_run "HPCAP's 'checkraw <dir> <min_ts>'" 0 "$bin/checkraw" hp 1700000000
t_grep "the old file is skipped, not an error" "1600000000_hpcap0_0.raw: skipped" "$T_OUT"
t_grep "the newer ones are checked" "2 files, 20 frames, 0 with errors \(0 errors\); 1 older file skipped" "$T_OUT"
t_run "-t min_ts does the same" 0 "$bin/checkraw" -t 1700000000 hp
t_grep "-t: 1 skipped" "1 older file skipped" "$T_OUT"
t_run "min_ts between the files" 0 "$bin/checkraw" -q hp 1700000150
t_grep "only the last file checked" "1 file, 10 frames, 0 with errors \(0 errors\); 2 older files skipped" "$T_OUT"
t_run "a bad min_ts is a usage error" 2 "$bin/checkraw" -t 17x hp
t_run "two files are not taken for HPCAP's form" 0 "$bin/checkraw" -q hp/1700000100_hpcap0_0.raw hp/1700000200_hpcap0_0.raw

# Continuity across the files of a directory, per queue.
mkdir seq
python3 "$gen" a.pcap --count 30 --start 1700000100 --seed 1
python3 "$gen" b.pcap --count 30 --start 1700000000 --seed 2
"$bin/pcap2raw" -q a.pcap seq/1700000100_hpcap0_0.raw
"$bin/pcap2raw" -q b.pcap seq/1700000200_hpcap0_0.raw
"$bin/pcap2raw" -q b.pcap seq/1700000150_hpcap0_1.raw
t_run "time going back between files" 1 "$bin/checkraw" seq
t_grep "reported on the second file of queue 0" "1700000200_hpcap0_0.raw: offset 0: .*last frame of the previous file" "$T_OUT"
t_eq "other queue not mixed in" 0 "$(grep -c 'hpcap0_1.raw: offset' <<<"$T_OUT" || true)"

# -f: truncated files are closed, every whole frame kept, the cut frame
# kept with what survived; anything else is left alone.
for kind in cutmid cuthdr nopad zerotail pastend; do
	cp "$kind.raw" "fix-$kind.raw"
	t_run "-f $kind" 0 "$bin/checkraw" -f "fix-$kind.raw"
	t_run "-f $kind: now valid" 0 "$bin/checkraw" "fix-$kind.raw"
done
t_grep "-f says what it did" "repaired: closing padding written" "$(
	cp cutmid.raw again.raw; "$bin/checkraw" -f again.raw 2>&1)"
t_eq "cutmid: 5 whole frames + the cut one" 6 "$("$bin/raw2pcap" -q fix-cutmid.raw - | tshark -r - 2>/dev/null | wc -l)"
t_eq "cutmid: cut frame keeps its 30 bytes and wire length" "30 1514" \
	"$("$bin/raw2pcap" -q fix-cutmid.raw - | tshark -r - -T fields -e frame.cap_len -e frame.len 2>/dev/null | tail -1 | xargs)"
t_eq "cuthdr: 5 whole frames" 5 "$("$bin/raw2pcap" -q fix-cuthdr.raw - | tshark -r - 2>/dev/null | wc -l)"
t_eq "zerotail: all 40 frames" 40 "$("$bin/raw2pcap" -q fix-zerotail.raw - | tshark -r - 2>/dev/null | wc -l)"
t_eq "nopad: all 40 frames" 40 "$("$bin/raw2pcap" -q fix-nopad.raw - | tshark -r - 2>/dev/null | wc -l)"
# A caplen blown up to 65535 makes the chain run into frame data: that
# is corruption, and cutting the file there would drop frames.
python3 corrupt.py hugecap good.raw hugecap.raw > /dev/null
t_run "hugecap: detected" 1 "$bin/checkraw" hugecap.raw
t_grep "hugecap: not taken for a truncation" "do not look like a record header" "$T_OUT"
t_eq "hugecap: no advice to run -f" 0 "$(grep -c "run 'checkraw -f" <<<"$T_OUT" || true)"
# A quiet link: the cut frame came two days after the one before it.  Its
# lengths (caplen <= len, a frame a producer could store, running past the
# end of the file) say it is the record the crash cut: repairable.
python3 - good.raw quiet.raw <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
recs, off = [], 0
while True:
    sec, nsec, cap, ln = struct.unpack_from("<IIHH", b, off)
    if sec == 0 and nsec == 0:
        break
    recs.append(off)
    off += 12 + cap
last = recs[-1]
sec = struct.unpack_from("<I", b, last)[0]
struct.pack_into("<I", b, last, sec + 2 * 86400)
open(sys.argv[2], "wb").write(b[: last + 12 + 20])
PY
t_run "quiet link, cut: detected" 1 "$bin/checkraw" quiet.raw
t_grep "quiet link, cut: -f advised" "run 'checkraw -f" "$T_OUT"
t_run "quiet link, cut: -f repairs it" 0 "$bin/checkraw" -f quiet.raw
t_eq "quiet link: every frame kept, the cut one with its 20 bytes" "40 20" \
	"$("$bin/raw2pcap" -q quiet.raw - | tshark -r - -T fields -e frame.cap_len 2>/dev/null | awk '{n++; l=$1} END {print n, l}')"

for kind in nsec after padlen hugecap; do
	cp "$kind.raw" "fix-$kind.raw"
	before=$(sha256sum < "fix-$kind.raw")
	t_run "-f does not 'repair' $kind" 1 "$bin/checkraw" -f "fix-$kind.raw"
	t_eq "-f leaves $kind untouched" "$before" "$(sha256sum < "fix-$kind.raw")"
done
cp cutmid.raw ro.raw && chmod 444 ro.raw
if [ "$(id -u)" -ne 0 ]; then
	t_run "-f on a read-only file fails cleanly" 1 "$bin/checkraw" -f ro.raw
fi

# Odd inputs never crash.
: > empty.raw
t_run "empty file" 1 "$bin/checkraw" empty.raw
t_run "missing file" 1 "$bin/checkraw" nonexistent.raw
head -c 100000 /dev/urandom > random.raw
st=0; "$bin/checkraw" random.raw > /dev/null 2>&1 || st=$?
t_eq "random bytes: error, no crash" 1 "$st"
mkdir nothing
t_run "directory without RAW files" 0 "$bin/checkraw" nothing
t_run "-f refuses standard input" 2 "$bin/checkraw" -f - < good.raw
t_run "standard input checked" 0 "$bin/checkraw" - < good.raw
t_run "no arguments" 2 "$bin/checkraw"
t_run "unknown option named" 2 "$bin/checkraw" --frobnicate good.raw
t_grep "unknown option message" "unknown option or missing value: --frobnicate" "$T_OUT"
t_done
