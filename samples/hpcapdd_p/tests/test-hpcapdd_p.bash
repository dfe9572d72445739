#!/usr/bin/env bash
# test-hpcapdd_p.bash [BINDIR] - hpcapdd_p on shared-memory queues
# (pcap2hpcap replays, read exactly like the module's queues): every frame
# sent reaches the RAW files once, byte for byte, or is counted as lost;
# the files are named as hpcapdd names them and each passes checkraw;
# --print, --count, --lossy, the per-frame pipeline (pcap files, size
# splits, sidecars, a post hook), SIGINT, and the usage errors.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
. "$root/tests/lib.sh"
t_init hpcapdd_p
bin=${1:-$root/build/bin}
command -v python3 >/dev/null || t_skip "python3 not installed"
command -v tshark >/dev/null || t_skip "tshark not installed"
cd "$T_TMP" || exit 1
t_queues

# replay <args...>: start pcap2hpcap in the background
replay() { t_replay -q "$@"; }
# The frames of a capture as tshark reads them: time, lengths, bytes.
tview() {
	tshark -r "$1" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len 2>/dev/null
	tshark -r "$1" -x 2>/dev/null | grep -v '^$'
}
raw_files() { # the RAW files below $1, in capture order, into FILES
	mapfile -t FILES < <(find "$1" -name '*.raw' | sort)
}
raw_frames() { # the frames of the RAW files below $1 as a pcap, into $2
	raw_files "$1"
	"$bin/hpcap2pcap" -q --raw "${FILES[@]}" >"$2"
}

python3 "$root/tests/tools/gen_pcap.py" in.pcap --count 20000
tview in.pcap >want.txt
t_eq "tshark reads the input (20000 frames)" 20000 "$(tshark -r in.pcap 2>/dev/null | wc -l)"

# --- usage
t_run "--help" 0 "$bin/hpcapdd_p" --help
t_grep "--help: a usage line" "^Usage: hpcapdd_p " "$T_OUT"
t_run "no operands" 2 "$bin/hpcapdd_p"
t_grep "no operands: says what is needed" "<adapter> <queue> <dir\|null>" "$T_OUT"
t_run "unknown option" 2 "$bin/hpcapdd_p" --nope 0 0 null
t_run "bad queue number" 2 "$bin/hpcapdd_p" 0 x null
t_run "output that is not a directory" 2 "$bin/hpcapdd_p" 0 0 in.pcap
t_grep "... says so" "in.pcap is not a directory" "$T_OUT"
t_run "no such queue" 1 "$bin/hpcapdd_p" 9 9 null
t_grep "... names it and what to do" "hpcap_9_9.*(no such device|pcap2hpcap)" "$T_OUT"

# --- RAW files: every frame once, byte for byte, files of 1 MiB
mkdir raw
replay -b 1M --file-size 1M in.pcap 0 0
t_wait_queue 0 0
t_run "to RAW files" 0 "$bin/hpcapdd_p" 0 0 raw
wait "$REPLAY"
t_grep "summary: 20000 frames, nothing lost" \
	"20000 frames received .*lost: 0 because the buffer was full, 0 overwritten" "$T_OUT"
raw_frames raw raw.pcap
t_same_file "the RAW files hold the replayed pcap, byte for byte" in.pcap raw.pcap
nfiles=$(find raw -name '*.raw' | wc -l)
t_eq "several files (one per 1 MiB slice)" yes "$([ "$nfiles" -ge 4 ] && echo yes || echo "no ($nfiles)")"
t_eq "HPCAP's names: <dir>/<t - t%1800>/<t>_hpcap0_0.raw" "$nfiles" \
	"$(find raw -name '*.raw' | grep -cE '^raw/[0-9]+/[0-9]+_hpcap0_0\.raw$')"
raw_files raw
t_run "every file passes checkraw" 0 "$bin/checkraw" -q "${FILES[@]}"

# --- --print --count: the first frames' times and lengths on stdout
replay -b 1M in.pcap 0 1
t_wait_queue 0 1
"$bin/hpcapdd_p" -q --print --count 10 0 1 null >print.txt 2>print.err
st=$?
kill "$REPLAY" 2>/dev/null
wait "$REPLAY" 2>/dev/null
t_eq "--print --count 10: exit status" 0 "$st"
tshark -r in.pcap -c 10 -T fields -e frame.time_epoch -e frame.cap_len -e frame.len 2>/dev/null >want10.txt
awk '{ printf "%s\t%s\t%s\n", $1, $2, $3 }' print.txt >got10.txt
t_same_file "--print: sec.nsec caplen len of the first 10 frames" want10.txt got10.txt

# --- a lossy listener with room to spare loses nothing
mkdir lossy
replay -b 64M in.pcap 1 0
t_wait_queue 1 0
t_run "--lossy" 0 "$bin/hpcapdd_p" --lossy 1 0 lossy
wait "$REPLAY"
raw_frames lossy lossy.pcap
t_same_file "--lossy (buffer larger than the capture): every frame" in.pcap lossy.pcap

# --- the per-frame pipeline: pcap files split by size, sidecars, a hook
mkdir pipe
cat >hook.sh <<'EOF'
#!/bin/sh
echo "$HPCAP_FILE_FRAMES $HPCAP_FILE_FORMAT ${1##*/}" >>"$(dirname "$0")/hooks.txt"
EOF
chmod +x hook.sh
replay -b 1M in.pcap 1 1
t_wait_queue 1 1
t_run "pipeline: pcap, --split-size, --sha256, --post" 0 "$bin/hpcapdd_p" -q --format pcap \
	--split-size 1M --name '%{seq}' --sha256 --post "$T_TMP/hook.sh" --post-queue 4096 1 1 pipe
wait "$REPLAY"
# Named by sequence number: in capture order, one after the other.
mergecap -a -F nsecpcap -w merged.pcap pipe/*.pcap
tview merged.pcap >got.txt
t_same_file "pipeline: the pcap files hold every frame, once, byte for byte" want.txt got.txt
t_eq "pipeline: frames in the files" 20000 \
	"$(for f in pipe/*.pcap; do tshark -r "$f" 2>/dev/null; done | wc -l)"
npcap=$(find pipe -name '*.pcap' | wc -l)
t_eq "pipeline: several files of at most 1 MiB" yes \
	"$([ "$npcap" -ge 4 ] && [ -z "$(find pipe -name '*.pcap' -size +1024k)" ] && echo yes || echo no)"
t_run "pipeline: every sidecar verifies (sha256sum -c)" 0 sh -c "cd pipe && cat *.sha256 | sha256sum -c --quiet"
t_eq "pipeline: no file left pending" "" "$(find pipe -name '*.pending')"
t_eq "pipeline: one hook per file, with its frames" "$npcap 20000" \
	"$(awk '{ n++; s += $1 } END { print n, s }' hooks.txt)"

# --- --linktype: a raw-IP capture replayed (--any-linktype) and written
# as pcap with its link type: the same file, byte for byte.
python3 - rawip.pcap <<'EOF'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 101))
    for i in range(50):
        body = struct.pack(">HHHH", 1000 + i, 53, 12, 0) + struct.pack(">I", i)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(body), i, 0, 64, 17, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + body
        f.write(struct.pack("<IIII", 1700000000 + i, 5, len(ip), len(ip)) + ip)
EOF
mkdir lt
replay -b 1M --any-linktype rawip.pcap 1 2
t_wait_queue 1 2
t_run "pipeline: --format pcap --linktype RAW" 0 "$bin/hpcapdd_p" -q --format pcap \
	--linktype RAW --name '%{seq}' 1 2 lt
wait "$REPLAY"
t_same_file "--linktype RAW: the raw-IP capture, byte for byte" rawip.pcap "$(find lt -name '*.pcap' | head -1)"
t_eq "--linktype RAW: tshark decodes IP" "10.0.0.1 10.0.0.2" \
	"$(tshark -r "$(find lt -name '*.pcap' | head -1)" -T fields -e ip.src -e ip.dst 2>/dev/null | sort -u | xargs)"

# --- SIGINT on a slow replay: exit 0, the last file closed properly
python3 "$root/tests/tools/gen_pcap.py" slow.pcap --count 400 --sizes 100
mkdir int
replay --speed 0.1 slow.pcap 2 0	# 0.4 s of capture in 4 s
t_wait_queue 2 0
"$bin/hpcapdd_p" -q 2 0 int 2>int.err &
cap=$!
pids+=("$cap")
sleep 1
kill -INT "$cap"
wait "$cap"
t_eq "SIGINT: exit status 0" 0 "$?"
kill "$REPLAY" 2>/dev/null
wait "$REPLAY" 2>/dev/null
raw_frames int int.pcap
got=$(tshark -r int.pcap 2>/dev/null | wc -l)
t_eq "SIGINT: some frames, fewer than all" yes "$([ "$got" -gt 0 ] && [ "$got" -lt 400 ] && echo yes || echo "no ($got)")"
t_run "SIGINT: the files pass checkraw" 0 "$bin/checkraw" -q "${FILES[@]}"

t_done
