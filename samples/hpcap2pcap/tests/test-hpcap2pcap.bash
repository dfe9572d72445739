#!/usr/bin/env bash
# test-hpcap2pcap.bash [BINDIR] - hpcap2pcap on RAW files and on live
# queues (pcap2hpcap replays): byte-identical pcap, pcapng and microsecond
# output read by tcpdump and tshark, through pipes as the frames come,
# and the ways it stops (count, duration, SIGINT, a reader that leaves,
# the queue going away).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
bin=${1:-$top/build/bin}
# shellcheck source=../../../tests/lib.sh
. "$top/tests/lib.sh"
t_init hpcap2pcap
command -v tshark >/dev/null || t_skip "tshark not installed"
command -v tcpdump >/dev/null || t_skip "tcpdump not installed"
command -v python3 >/dev/null || t_skip "python3 not installed"
cd "$T_TMP"
t_queues

python3 "$top/tests/tools/gen_pcap.py" in.pcap --count 20000
"$bin/pcap2raw" -q --file-size 1M in.pcap "$(mkdir raw && echo raw)"
tview() { # times, lengths and bytes of every frame, as tshark reads them
	tshark -r "$1" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len 2>/dev/null
	tshark -r "$1" -x 2>/dev/null
}
tview in.pcap >want.txt

# --- RAW files
t_run "--raw directory to stdout" 0 "$bin/hpcap2pcap" --raw raw -w out.pcap
t_same_file "--raw: the original pcap, byte for byte" in.pcap out.pcap
t_grep "summary on stderr" "20000 frames .* written to out.pcap" "$T_OUT"
"$bin/hpcap2pcap" -q --raw raw >stdout.pcap
t_same_file "--raw to standard output" in.pcap stdout.pcap
# (tcpdump prints a hex dump of these unknown EtherType frames: count
# the lines that start with a time.)
t_eq "--raw | tcpdump -r -" 20000 "$("$bin/hpcap2pcap" -q --raw raw | tcpdump -r - -n 2>/dev/null | grep -c '^[0-9]')"
t_eq "--raw | tshark -r -" 20000 "$("$bin/hpcap2pcap" -q --raw raw | tshark -r - 2>/dev/null | wc -l)"
"$bin/hpcap2pcap" -q --raw raw --pcapng >out.pcapng
tview out.pcapng >got.txt
t_same_file "--pcapng: tshark sees the same frames" want.txt got.txt
t_grep "--pcapng: nanosecond precision" "nanoseconds" "$(capinfos out.pcapng 2>/dev/null)"
"$bin/hpcap2pcap" -q --raw raw --usec >us.pcap
"$bin/raw2pcap" -q --usec raw us-ref.pcap
t_same_file "--usec: the same bytes as raw2pcap --usec" us-ref.pcap us.pcap
"$bin/hpcap2pcap" -q --raw raw -s 100 -c 50 >snap.pcap
t_eq "--snaplen and --count: 50 frames, none above 100 bytes" "50 100" \
	"$(tshark -r snap.pcap -T fields -e frame.cap_len 2>/dev/null | sort -n | awk '{ n++; m = $1 } END { print n, m }')"
head -c 3000 raw/000000.raw >cut.raw
# --linktype (RAW files carry none): raw IP frames come back as raw IP.
python3 - rawip.pcap <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 101))
    for i in range(5):
        body = struct.pack(">HHHH", 1000 + i, 53, 12, 0) + struct.pack(">I", i)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(body), i, 0, 64, 17, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + body
        f.write(struct.pack("<IIII", 1700000000 + i, 5, len(ip), len(ip)) + ip)
PY
"$bin/pcap2raw" -q --any-linktype rawip.pcap rawip.raw
"$bin/hpcap2pcap" -q --raw --linktype RAW rawip.raw >rawip-back.pcap
t_same_file "--linktype RAW: the raw IP capture, byte for byte" rawip.pcap rawip-back.pcap
"$bin/hpcap2pcap" -q --raw --pcapng --linktype 101 rawip.raw >rawip-back.pcapng
t_eq "--linktype 101 in pcapng: tshark decodes IP" "10.0.0.1 10.0.0.2" \
	"$(tshark -r rawip-back.pcapng -T fields -e ip.src -e ip.dst 2>/dev/null | sort -u | xargs)"
t_run "--linktype validated" 2 "$bin/hpcap2pcap" --raw --linktype nosuch rawip.raw
t_grep "--linktype error names the option" "--linktype: 'nosuch' is not a link type" "$T_OUT"
t_run "damaged RAW file" 1 "$bin/hpcap2pcap" -q --raw cut.raw raw/000001.raw -w dmg.pcap
t_grep "damage reported with file and offset" "cut.raw: record at offset [0-9]+ .*cut by end of file" "$T_OUT"
"$bin/raw2pcap" -q cut.raw cut.pcap 2>/dev/null || true
t_eq "frames before and after the damage kept" \
	"$(($(tshark -r cut.pcap 2>/dev/null | wc -l) + $("$bin/hpcap2pcap" -q --raw raw/000001.raw | tshark -r - 2>/dev/null | wc -l)))" \
	"$(tshark -r dmg.pcap 2>/dev/null | wc -l)"

# --- live: a pcap2hpcap replay, lossless, into a buffer 7 times smaller
# replay <args...>: start pcap2hpcap in the background
replay() { t_replay -q "$@"; }
replay -b 1M in.pcap 0 0
t_wait_queue 0 0
t_run "live queue to stdout" 0 sh -c "'$bin/hpcap2pcap' -q 0 0 > live.pcap"
wait "$REPLAY"
t_same_file "live: the original pcap, byte for byte" in.pcap live.pcap
t_eq "the replay's queue file is gone" "no" "$([ -e "$HPCAP_DEV_DIR/hpcap_0_0" ] && echo yes || echo no)"

# tshark reading a live queue through a pipe, pcapng, lossy listener
replay -b 32M in.pcap 1 2
t_wait_queue 1 2
"$bin/hpcap2pcap" -q --lossy --pcapng 1 2 | tshark -r - -T fields -e frame.time_epoch -e frame.len -e frame.cap_len >got.txt 2>/dev/null
wait "$REPLAY"
tshark -r in.pcap -T fields -e frame.time_epoch -e frame.len -e frame.cap_len 2>/dev/null >want-t.txt
t_same_file "live | tshark -r - (pcapng, lossy listener)" want-t.txt got.txt

# Frames reach the reader as they come: a slow real-time replay (20
# frames, 100 ms apart) and tcpdump -c 3 at the other end of the pipe,
# which must be done long before the replay is.
python3 "$top/tests/tools/gen_pcap.py" slow.pcap --count 20 --sizes 100
python3 - slow.pcap <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
off, i = 24, 0
while off < len(b):
    sec, ns, cl, ln = struct.unpack_from("<IIII", b, off)
    struct.pack_into("<II", b, off, 1700000000 + i // 10, (i % 10) * 100000000 + 1)
    off += 16 + cl
    i += 1
open(sys.argv[1], "wb").write(b)
EOF
replay --realtime slow.pcap 2 0
t_wait_queue 2 0
t0=$EPOCHREALTIME
"$bin/hpcap2pcap" -q 2 0 | tcpdump -n -c 3 -r - >three.txt 2>/dev/null || true
t1=$EPOCHREALTIME
t_eq "tcpdump -c 3 got 3 frames from the pipe" 3 "$(grep -c '^[0-9]' three.txt)"
t_eq "... while the 2 s replay was still running (flushed as they came)" yes \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a < 1.5) ? "yes" : "no" }')"
wait "$REPLAY" || true
t_eq "hpcap2pcap left when its reader did (replay finished, queue gone)" "no" \
	"$([ -e "$HPCAP_DEV_DIR/hpcap_2_0" ] && echo yes || echo no)"

# -w FILE grows while the queue is live (flushed every --flush-ms).
replay --realtime slow.pcap 2 1
t_wait_queue 2 1
"$bin/hpcap2pcap" -q -F 50 -w grow.pcap 2 1 &
cap=$!
pids+=("$cap")
# Frames must reach the file while the 2 s replay still runs (a file
# larger than its 24-byte header, seen before the replay ended).
mid=no
for _ in $(seq 400); do
	kill -0 "$REPLAY" 2>/dev/null || break
	if [ "$(stat -c %s grow.pcap 2>/dev/null || echo 0)" -gt 24 ]; then
		kill -0 "$REPLAY" 2>/dev/null && mid=yes
		break
	fi
	sleep 0.01
done
wait "$REPLAY"
wait "$cap"
t_eq "-w FILE has frames before the end (flush every 50 ms)" yes "$mid"
t_eq "... and all 20 at the end" 20 "$(tshark -r grow.pcap 2>/dev/null | wc -l)"
t_eq "-w FILE has every frame at the end" 20 "$(tshark -r grow.pcap 2>/dev/null | wc -l)"

# SIGINT on an idle queue: a well-formed (empty) pcap, exit 0.
replay -l 1 slow.pcap 3 0
t_wait_queue 3 0
"$bin/hpcap2pcap" -w idle.pcap --duration 30 3 0 2>idle.err &
cap=$!
pids+=("$cap")
wait "$REPLAY"     # the replay finished; the queue is gone and drained
st=0
wait "$cap" || st=$?
t_eq "queue gone: hpcap2pcap ends by itself, exit 0" 0 "$st"
t_eq "... with every frame" 20 "$(tshark -r idle.pcap 2>/dev/null | wc -l)"
replay -l 2 slow.pcap 3 1 # waits for a second listener that never comes
t_wait_queue 3 1
"$bin/hpcap2pcap" -w int.pcap 3 1 2>int.err &
cap=$!
pids+=("$cap")
sleep 0.5
kill -INT "$cap"
st=0
wait "$cap" || st=$?
t_eq "SIGINT: exit 0" 0 "$st"
t_grep "SIGINT: said so" "stopped by SIGINT" "$(cat int.err)"
t_eq "SIGINT: a readable empty pcap" 0 "$(tshark -r int.pcap 2>/dev/null | wc -l)"
kill -INT "$REPLAY"
wait "$REPLAY" || true
t_run "--duration on a live queue" 0 sh -c "
	'$bin/pcap2hpcap' -q -l 2 slow.pcap 3 2 & r=\$!
	sleep 0.3; '$bin/hpcap2pcap' -q -d 1 -w d.pcap 3 2; st=\$?
	kill -INT \$r; wait \$r; exit \$st"

# Errors.
t_run "no such queue" 1 "$bin/hpcap2pcap" -w x.pcap 9 9
t_grep "no such queue: names it and says what to do" "hpcap_9_9.*pcap2hpcap running" "$T_OUT"
t_run "--raw without files" 2 "$bin/hpcap2pcap" --raw
t_run "one operand" 2 "$bin/hpcap2pcap" 0
t_run "bad adapter number" 2 "$bin/hpcap2pcap" -w x.pcap zero 0
t_run "--path and --raw" 2 "$bin/hpcap2pcap" --raw raw --path /dev/null
t_done
