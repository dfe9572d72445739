#!/usr/bin/env bash
# test-pcap2hpcap.bash [BINDIR] - pcap2hpcap replays read by libhpcap and
# libmgmon consumers exactly like a live queue: every frame, byte for
# byte, lossless and lossy, one listener or several, through a buffer much
# smaller than the capture; --drop counts what a slow listener missed;
# real-time pacing and --speed; --loop; a killed listener; the analyzers
# live on a replay give what they give offline; errors.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
bin=${1:-$top/build/bin}
# shellcheck source=../../../tests/lib.sh
. "$top/tests/lib.sh"
t_init pcap2hpcap
command -v tshark >/dev/null || t_skip "tshark not installed"
command -v python3 >/dev/null || t_skip "python3 not installed"
cd "$T_TMP"
export T_JOB_SIGNAL=KILL	# (t_end_jobs reads it)
t_queues

# replay <args...>: pcap2hpcap in the background, pid in REPLAY
replay() { t_replay "$@" 2>>replay.err; }
frames() { tshark -r "$1" 2>/dev/null | wc -l; }
reap() { # wait for the replay; a failure is a failed check, not an exit
	local st=0
	wait "$REPLAY" || st=$?
	[ "$st" -eq 0 ] || t_fail "replay exit status" "expected 0 found $st: $(tail -2 replay.err)"
}

python3 "$top/tests/tools/gen_pcap.py" in.pcap --count 30000 # ~11 MiB
python3 "$top/tests/tools/gen_pcap.py" in.pcapng --count 3000 --pcapng --seed 5
tview() {
	tshark -r "$1" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len 2>/dev/null
	tshark -r "$1" -x 2>/dev/null
}

# Lossless, 1 MiB buffer for 11 MiB of frames: the replay waits for the
# listener; nothing is lost, byte for byte.
replay -b 1M in.pcap 0 0
t_wait_queue 0 0
t_run "lossless listener through a small buffer" 0 sh -c "'$bin/hpcap2pcap' -q 0 0 > out.pcap"
reap
t_same_file "lossless: every frame, byte for byte" in.pcap out.pcap
t_grep "summary: all stored, none dropped" "30000 frames .* 30000 stored, 0 dropped" "$(tail -1 replay.err)"
t_eq "the queue file is removed at the end" no "$([ -e "$HPCAP_DEV_DIR/hpcap_0_0" ] && echo yes || echo no)"

# Two listeners (one lossless, one lossy with room for everything).
replay -b 16M -l 2 in.pcap 0 1
t_wait_queue 0 1
"$bin/hpcap2pcap" -q -w a.pcap 0 1 &
a=$!
"$bin/hpcap2pcap" -q --lossy -w b.pcap 0 1 &
b=$!
pids+=("$a" "$b")
st=0
wait "$a" || st=$?
wait "$b" || st=$?
wait "$REPLAY" || st=$?
t_eq "two listeners: exit statuses" 0 "$st"
t_same_file "two listeners: the lossless one has every frame" in.pcap a.pcap
t_same_file "two listeners: the lossy one has every frame" in.pcap b.pcap

# pcapng in, nanosecond pcap out: tshark sees the same frames.
replay -b 1M in.pcapng 0 2
t_wait_queue 0 2
"$bin/hpcap2pcap" -q 0 2 >ng.pcap
reap
tview in.pcapng >want.txt
tview ng.pcap >got.txt
t_same_file "pcapng replay: the same frames for tshark" want.txt got.txt

# From standard input.
"$bin/pcap2hpcap" -b 1M - 0 3 <in.pcap 2>>replay.err &
REPLAY=$!
pids+=("$REPLAY")
t_wait_queue 0 3
"$bin/hpcap2pcap" -q 0 3 >stdin.pcap
reap
t_same_file "standard input replay" in.pcap stdin.pcap

# --drop: a listener that stops reading for a while loses frames, and the
# replay counts them as client losses; without --drop it would wait.
replay -b 1M --drop in.pcap 0 4
t_wait_queue 0 4
"$bin/hpcap2pcap" -q 0 4 | { sleep 2; cat >drop.pcap; }
reap
n=$(frames drop.pcap)
t_eq "--drop: the slow listener got some frames, not all" yes "$([ "$n" -gt 0 ] && [ "$n" -lt 30000 ] && echo yes || echo "no ($n)")"
t_grep "--drop: the losses are counted" "dropped \\(0 no listener, [1-9][0-9]* slow listener\\)" "$(tail -1 replay.err)"
lost=$(tail -1 replay.err | sed -n 's/.*no listener, \([0-9]*\) slow.*/\1/p')
t_eq "--drop: received + dropped = replayed" 30000 "$((n + lost))"

# Real-time pacing: 20 frames over 1.9 s; --speed 10 takes a tenth.
python3 "$top/tests/tools/gen_pcap.py" slow.pcap --count 20 --sizes 100
python3 - slow.pcap <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
off, i = 24, 0
while off < len(b):
    cl = struct.unpack_from("<I", b, off + 8)[0]
    struct.pack_into("<II", b, off, 1700000000 + i // 10, (i % 10) * 100000000 + 1)
    off += 16 + cl
    i += 1
open(sys.argv[1], "wb").write(b)
EOF
for speed in 1 10; do
	replay --speed "$speed" slow.pcap 1 "$speed"
	t_wait_queue 1 "$speed"
	t0=$EPOCHREALTIME
	"$bin/hpcap2pcap" -q 1 "$speed" >paced.pcap
	t1=$EPOCHREALTIME
	reap
	want=$(awk -v s="$speed" 'BEGIN { print 1.9 / s }')
	t_eq "--speed $speed: paced (~$want s)" yes \
		"$(awk -v a="$t0" -v b="$t1" -v w="$want" 'BEGIN { d = b - a; print (d >= 0.9 * w && d < w + 0.8) ? "yes" : "no (" d " s)" }')"
	t_same_file "--speed $speed: every frame" slow.pcap paced.pcap
done

# --loop: the capture twice, time going on.
replay --loop 2 slow.pcap 1 5
t_wait_queue 1 5
"$bin/hpcap2pcap" -q 1 5 >loop.pcap
reap
t_eq "--loop 2: twice the frames" 40 "$(frames loop.pcap)"
t_eq "--loop 2: time never goes back" 0 \
	"$(tshark -r loop.pcap -T fields -e frame.time_epoch 2>/dev/null | awk 'NR > 1 && $1 <= p { n++ } { p = $1 } END { print n + 0 }')"

# A listener killed with SIGKILL while the replay waits for it: its slot
# is reclaimed and the replay goes on.
replay -b 1M -l 2 in.pcap 2 0
t_wait_queue 2 0
mkfifo stall
# shellcheck disable=SC2217 # on purpose: opens the pipe, never reads it
sleep 60 <stall &
holder=$!
pids+=("$holder")
"$bin/hpcap2pcap" -q -w stall 2 0 &	# stalls once the pipe is full
slow=$!
pids+=("$slow")
"$bin/hpcap2pcap" -q 2 0 >alive.pcap &
alive=$!
pids+=("$alive")
sleep 1
{ kill -9 "$slow" && wait "$slow"; } 2>/dev/null || true
st=0
wait "$alive" || st=$?
wait "$REPLAY" || st=$?
t_eq "killed listener: the replay and the other listener finish" 0 "$st"
t_same_file "killed listener: the other one has every frame" in.pcap alive.pcap
kill "$holder"
wait "$holder" 2>/dev/null || true

# Analyzers built on libmgmon, live on a replay = offline on RAW.
python3 "$top/tests/tools/gen_mgmon.py" seq seq.pcap --expect seq.exp
"$bin/pcap2raw" -q seq.pcap seq.raw
"$bin/seqgap" --csv --window 64 --raw seq.raw >seq-off.csv 2>/dev/null
replay -b 1M seq.pcap 3 0
t_wait_queue 3 0
"$bin/seqgap" --csv --window 64 3 0 >seq-live.csv 2>/dev/null
reap
t_same_file "seqgap live on a replay = seqgap on the RAW file" seq-off.csv seq-live.csv
python3 "$top/tests/tools/gen_mgmon.py" burst b.pcap --expect b.exp
"$bin/pcap2raw" -q b.pcap b.raw
"$bin/microburst" --csv -i 100us --raw b.raw >mb-off.csv 2>/dev/null
replay -b 1M b.pcap 3 1
t_wait_queue 3 1
"$bin/microburst" --csv -i 100us 3 1 >mb-live.csv 2>/dev/null
reap
t_same_file "microburst live on a replay = microburst on the RAW file" mb-off.csv mb-live.csv

# Sub-second fields out of range (tests/fixtures/gen-bad-times.py): the
# replay gives each frame the time pcap2raw gives it, never an invalid one.
python3 "$top/tests/fixtures/gen-bad-times.py" .
q=0
for u in usec nsec; do
	replay "bad-$u.pcap" 5 $q
	t_wait_queue 5 $q
	"$bin/hpcap2pcap" -q 5 $q >"bad-$u-replay.pcap"
	reap
	"$bin/pcap2raw" -q "bad-$u.pcap" "bad-$u.raw"
	t_eq "$u field out of range: the times pcap2raw gives" \
		"$("$bin/raw2pcap" -q "bad-$u.raw" - | tshark -r - -T fields -e frame.time_epoch 2>/dev/null | xargs)" \
		"$(tshark -r "bad-$u-replay.pcap" -T fields -e frame.time_epoch 2>/dev/null | xargs)"
	t_eq "$u field out of range: the normalised times" \
		"$(if [ $u = usec ]; then head -4 bad-times.txt; else tail -4 bad-times.txt; fi | xargs)" \
		"$(tshark -r "bad-$u-replay.pcap" -T fields -e frame.time_epoch 2>/dev/null | xargs)"
	t_grep "$u field out of range: warned about" "warning: 2 frames had a sub-second field" "$(tail -2 replay.err)"
	q=$((q + 1))
done

# Errors.
replay -l 1 slow.pcap 4 0
t_wait_queue 4 0
t_run "a second replay on the same queue" 1 "$bin/pcap2hpcap" -q slow.pcap 4 0
t_grep "... names the other producer" "another producer \\(pid $REPLAY\\)" "$T_OUT"
kill -INT "$REPLAY"
st=0
wait "$REPLAY" || st=$?
t_eq "SIGINT while waiting for listeners: exit 0" 0 "$st"
t_grep "SIGINT: the summary says so" "interrupted" "$(tail -1 replay.err)"
t_run "missing capture" 1 "$bin/pcap2hpcap" -q -l 0 nothing.pcap 4 1
printf 'not a capture' >junk.pcap
t_run "not a capture" 1 "$bin/pcap2hpcap" -q -l 0 junk.pcap 4 1
python3 - linux.pcap <<'EOF'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 113))
    f.write(struct.pack("<IIII", 1, 0, 16, 16) + bytes(16))
EOF
t_run "link type other than Ethernet" 1 "$bin/pcap2hpcap" -q -l 0 linux.pcap 4 1
t_grep "... says how to force it" "any-linktype" "$T_OUT"
t_run "--any-linktype" 0 "$bin/pcap2hpcap" -q -l 0 --any-linktype linux.pcap 4 1
t_run "--loop with standard input" 2 "$bin/pcap2hpcap" --loop 2 - 0 0
t_run "bad buffer size" 2 "$bin/pcap2hpcap" -b 1500K in.pcap
t_run "bad --speed" 2 "$bin/pcap2hpcap" --speed -3 in.pcap
t_run "bad --mode" 2 "$bin/pcap2hpcap" --mode 999 in.pcap
t_run "two operands" 2 "$bin/pcap2hpcap" in.pcap 0
t_run "directory that does not exist" 1 "$bin/pcap2hpcap" -q -l 0 -D "$T_TMP/none" in.pcap
t_done
