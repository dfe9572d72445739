#!/usr/bin/env bash
# test-pcap2raw.bash [BINDIR] - pcap2raw against golden RAW bytes, framing
# into several files, pcapng and microsecond input, and bad input.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
bin=${1:-$top/build/bin}
fx=$top/tests/fixtures
gen=$top/tests/tools/gen_pcap.py
# shellcheck source=../../../tests/lib.sh
. "$top/tests/lib.sh"
t_init pcap2raw
cd "$T_TMP"

# Hand-written: the two tiny frames, then a closing padding of length 0.
"$fx/unhex.bash" "$fx/tiny-nsec.pcap.hex" tiny.pcap
"$fx/unhex.bash" /dev/stdin want.raw <<'HEX'
00f15365 15cd5b07 0400 3c00 deadbeef
01f15365 ffc99a3b 0200 0200 0102
00000000 00000000 0000 0000
HEX
t_run "tiny pcap to RAW" 0 "$bin/pcap2raw" tiny.pcap got.raw
t_same_file "RAW golden bytes" want.raw got.raw
t_grep "summary on stderr" "2 frames into 1 file" "$T_OUT"
"$bin/pcap2raw" -q - stdin.raw < tiny.pcap
t_same_file "'-' reads standard input" want.raw stdin.raw

# Framing into 16 KiB files: the checked-in golden directory.
mkdir d
t_run "small.pcap into 16K files" 0 "$bin/pcap2raw" -s 16K "$fx/small.pcap" d
t_eq "six files" "000000.raw 000001.raw 000002.raw 000003.raw 000004.raw 000005.raw" "$(cd d && echo *)"
for f in "$fx"/small-16k/*.raw; do
	t_same_file "golden $(basename "$f")" "$f" "d/$(basename "$f")"
done
t_eq "full files are exactly the file size" 16384 "$(stat -c %s d/000004.raw)"
t_run "checkraw accepts every file" 0 "$bin/checkraw" -q d

# pcapng and microsecond input give the same frames (us times * 1000).
python3 "$gen" ng.pcapng --pcapng --count 300 --seed 3
python3 "$gen" ns.pcap --count 300 --seed 3
"$bin/pcap2raw" -q ng.pcapng ng.raw
"$bin/pcap2raw" -q ns.pcap ns.raw
t_same_file "pcapng input = same frames as pcap input" ns.raw ng.raw
python3 "$gen" us.pcap --usec --count 300 --seed 5
"$bin/pcap2raw" -q us.pcap us.raw
"$bin/raw2pcap" -q us.raw back.pcap
t_eq "microsecond times kept (as ns)" \
	"$(tshark -r us.pcap -T fields -e frame.time_epoch 2>/dev/null | md5sum)" \
	"$(tshark -r back.pcap -T fields -e frame.time_epoch 2>/dev/null | md5sum)"

# Frames cut by a small snaplen keep their wire length.
python3 "$gen" snap.pcap --count 50 --caplen 40 --snaplen 40
"$bin/pcap2raw" -q snap.pcap snap.raw
"$bin/raw2pcap" -q --snaplen 40 snap.raw snap-back.pcap
t_same_file "caplen < len survives the round trip" snap.pcap snap-back.pcap

# Jumbo frames up to the format's limit.
python3 "$gen" jumbo.pcap --count 6 --sizes 9000,16000,65000,65523,65535
t_run "jumbo frames" 0 "$bin/pcap2raw" jumbo.pcap jumbo.raw
t_grep "frames over 65523 bytes are cut and counted" "1 cut to 65523" "$T_OUT"
"$bin/raw2pcap" -q jumbo.raw jumbo-back.pcap
t_eq "jumbo frame lengths kept" "9000 16000 65000 65523 65535 9000" \
	"$(tshark -r jumbo-back.pcap -T fields -e frame.len 2>/dev/null | xargs)"
t_run "checkraw accepts jumbo frames" 0 "$bin/checkraw" -q jumbo.raw

# Bad input and options.
t_run "missing input" 1 "$bin/pcap2raw" nonexistent.pcap x.raw
t_grep "missing input named" "cannot read nonexistent.pcap" "$T_OUT"
head -c 1000 "$fx/small.pcap" > cut.pcap
t_run "truncated pcap" 1 "$bin/pcap2raw" cut.pcap cut.raw
t_grep "truncation reported" "truncated" "$T_OUT"
t_run "frames before the damage are a valid file" 0 "$bin/checkraw" -q cut.raw
head -c 24 tiny.pcap | sed 's/\x01\x00\x00\x00$/\x65\x00\x00\x00/' > raw-ip.pcap
t_run "non-Ethernet link type refused" 1 "$bin/pcap2raw" raw-ip.pcap x.raw
t_grep "link type error says what to do" "any-linktype" "$T_OUT"
t_run "--any-linktype accepts it" 0 "$bin/pcap2raw" --any-linktype raw-ip.pcap x.raw
echo "not a capture file at all" > junk.pcap
t_run "not a pcap" 1 "$bin/pcap2raw" junk.pcap x.raw
t_run "directory with an earlier run refused" 1 "$bin/pcap2raw" -s 16K "$fx/small.pcap" d
t_grep "refusal says why" "already holds RAW files" "$T_OUT"
t_same_file "earlier files untouched" "$fx/small-16k/000000.raw" d/000000.raw
t_run "file size not a multiple of 4K" 2 "$bin/pcap2raw" -s 5000 tiny.pcap x.raw
t_grep "file size error names the option" "--file-size" "$T_OUT"
t_run "file size garbage" 2 "$bin/pcap2raw" -s 1Q tiny.pcap x.raw
t_run "capture larger than one file" 1 "$bin/pcap2raw" -s 16K "$fx/small.pcap" one.raw
t_grep "too-big error says to give a directory" "give a directory" "$T_OUT"
t_run "frame larger than the file size" 1 "$bin/pcap2raw" -s 4K jumbo.pcap dj.raw
t_run "no arguments" 2 "$bin/pcap2raw"
t_done
