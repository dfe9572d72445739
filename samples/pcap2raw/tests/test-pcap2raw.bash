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
t_grep "summary names the link type" "link type EN10MB$" "$T_OUT"
t_eq "no .pending left after success" "" "$(ls got.raw.* 2>/dev/null)"
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
t_run "frames cut at capture time" 0 "$bin/pcap2raw" snap.pcap snap.raw
t_grep "are not counted as shortened by libpcap" " 0 shortened to the snaplen" "$T_OUT"
"$bin/raw2pcap" -q --snaplen 40 snap.raw snap-back.pcap
t_same_file "caplen < len survives the round trip" snap.pcap snap-back.pcap

# A broken file: records store more bytes than its snaplen.  libpcap
# shortens them to the snaplen without a word; pcap2raw counts them, and
# the count is what tshark (which keeps them whole) sees above the snaplen.
python3 "$gen" oversnap.pcap --count 50 --sizes 40,60,100,41 --snaplen 40
want=$(tshark -r oversnap.pcap -T fields -e frame.cap_len 2>/dev/null | awk '$1 > 40' | wc -l)
t_run "caplen above the snaplen" 0 "$bin/pcap2raw" oversnap.pcap oversnap.raw
t_grep "shortened frames counted in the summary" " $want shortened to the snaplen" "$T_OUT"
t_grep "and warned about" "warning: $want frames had more bytes stored than the file's snaplen of 40" "$T_OUT"
t_eq "they hold the snaplen's bytes and keep their wire length" \
	"$(tshark -r oversnap.pcap -T fields -e frame.len 2>/dev/null | xargs)" \
	"$("$bin/raw2pcap" -q oversnap.raw - | tshark -r - -T fields -e frame.len 2>/dev/null | xargs)"
t_eq "(their caplens)" "40" \
	"$("$bin/raw2pcap" -q oversnap.raw - | tshark -r - -T fields -e frame.cap_len 2>/dev/null | sort -u | xargs)"

# Sub-second fields out of range (fixtures from tests/fixtures/
# gen-bad-times.py, which also writes the normalised times): carried into
# the seconds, counted, warned about; every record is valid.
python3 "$fx/gen-bad-times.py" .
for u in usec nsec; do
	t_run "$u field out of range" 0 "$bin/pcap2raw" "bad-$u.pcap" "bad-$u.raw"
	t_grep "$u: counted in the summary" " 2 with a sub-second field out of range" "$T_OUT"
	t_grep "$u: warned about" "warning: 2 frames had a sub-second field" "$T_OUT"
	t_run "$u: checkraw accepts the records" 0 "$bin/checkraw" -q "bad-$u.raw"
	"$bin/raw2pcap" -q "bad-$u.raw" "bad-$u-back.pcap"
	t_eq "$u: the normalised times (tshark on the converted frames)" \
		"$(if [ $u = usec ]; then head -4 bad-times.txt; else tail -4 bad-times.txt; fi | xargs)" \
		"$(tshark -r "bad-$u-back.pcap" -T fields -e frame.time_epoch 2>/dev/null | xargs)"
	t_eq "$u: the frames themselves unchanged (tcpdump)" \
		"$(tcpdump -r "bad-$u.pcap" -xx 2>/dev/null | grep '^\s*0x' | md5sum)" \
		"$(tcpdump -r "bad-$u-back.pcap" -xx 2>/dev/null | grep '^\s*0x' | md5sum)"
done

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
t_grep "removal reported" "nothing written.*removed" "$T_OUT"
t_eq "a failed run leaves no file (nor its .pending)" "" "$(ls cut.raw* 2>/dev/null)"
t_run "--keep-partial keeps the frames before the damage" 1 \
	"$bin/pcap2raw" --keep-partial cut.pcap cut.raw
t_grep "--keep-partial says what it kept" "6 frames converted before the error are kept" "$T_OUT"
t_run "the kept frames are a valid file" 0 "$bin/checkraw" -q cut.raw
t_eq "the kept frames are the input's first ones" \
	"$(tshark -r "$fx/small.pcap" -c 6 -x 2>/dev/null | md5sum)" \
	"$("$bin/raw2pcap" -q cut.raw - | tshark -r - -x 2>/dev/null | md5sum)"
head -c 24 tiny.pcap | sed 's/\x01\x00\x00\x00$/\x65\x00\x00\x00/' > raw-ip.pcap
t_run "non-Ethernet link type refused" 1 "$bin/pcap2raw" raw-ip.pcap x.raw
t_grep "link type error says what to do" "any-linktype" "$T_OUT"
t_run "--any-linktype accepts it" 0 "$bin/pcap2raw" --any-linktype raw-ip.pcap x.raw
t_grep "and says which link type it converted" "link type RAW" "$T_OUT"
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
t_eq "too big for one file: no file left" "" "$(ls one.raw* 2>/dev/null)"
t_run "frame larger than the file size" 1 "$bin/pcap2raw" -s 4K jumbo.pcap dj.raw
mkdir dj
t_run "frame larger than the file size, into a directory" 1 \
	"$bin/pcap2raw" -s 16K jumbo.pcap dj
t_eq "the directory is left empty" "" "$(ls -A dj)"
t_run "an earlier file of the same name is kept on failure" 1 \
	"$bin/pcap2raw" -s 4K jumbo.pcap jumbo.raw
t_run "... and still valid" 0 "$bin/checkraw" -q jumbo.raw

# Disk full (the file size limit gives the same EFBIG/ENOSPC-style write
# error without root): nothing is left.
t_run "write error" 1 bash -c "ulimit -f 40; trap '' XFSZ; exec '$bin/pcap2raw' '$fx/small.pcap' full.raw"
t_grep "write error named" "cannot write full.raw.pending" "$T_OUT"
t_eq "write error: no file left" "" "$(ls full.raw* 2>/dev/null)"

# SIGINT and SIGTERM while reading a pipe: nothing is left, and the tool
# dies of the signal so that a calling shell sees it.  The tool is started
# with both signals at their default: a background job of a script, or a
# run started from one (CI), inherits SIGINT ignored, which pcap2raw keeps
# ignored on purpose (nohup) and bash cannot undo.
for sig in INT TERM; do
	rm -f fifo; mkfifo fifo
	python3 -c 'import os, signal, sys
for s in (signal.SIGINT, signal.SIGTERM):
    signal.signal(s, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$bin/pcap2raw" fifo sig.raw 2>sig.err &
	pid=$!
	# (never a hang: whatever happens, it is gone within 20 s)
	(trap 'kill "$s" 2>/dev/null; exit 0' TERM
	 sleep 20 & s=$!; wait "$s"; kill -KILL "$pid" 2>/dev/null) &
	guard=$!
	exec 3>fifo
	head -c 3000 "$fx/small.pcap" >&3
	for _ in $(seq 100); do [ -e sig.raw.pending ] && break; sleep 0.05; done
	t_eq "SIG$sig: the output is written under .pending" yes \
		"$([ -e sig.raw.pending ] && echo yes)"
	kill -"$sig" "$pid"
	st=0; wait "$pid" || st=$?
	exec 3>&-
	kill "$guard" 2>/dev/null; wait "$guard" 2>/dev/null || true
	t_eq "SIG$sig: dies of the signal" "$((128 + $(kill -l "$sig")))" "$st"
	t_grep "SIG$sig: says so" "stopped by SIG$sig.*" "$(cat sig.err)"
	t_eq "SIG$sig: no file left" "" "$(ls sig.raw* 2>/dev/null)"
done
t_run "no arguments" 2 "$bin/pcap2raw"
t_done
