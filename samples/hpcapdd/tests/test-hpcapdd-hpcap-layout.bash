#!/usr/bin/env bash
# test-hpcapdd-hpcap-layout.bash [BINDIR] - hpcapdd --hpcap-layout on
# shared-memory queues (pcap2hpcap replays, read like the module's): the
# files a second listener writes after joining a running capture, and the
# files after the first of a --split-size capture, start with a frame, so a
# reader that stops at the first padding record, as HPCAP's raw2pcap does
# (tests/tools/hpcap_era_read.py), sees every frame hpcapdd wrote: compared
# frame by frame with what was sent (the joining listener: the frames sent
# from its join to the end).  Without the option the same captures give
# such a reader fewer frames (the leading padding), which shows each case
# does what it claims.  hpcap's own readers read both layouts.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
. "$root/tests/lib.sh"
t_init hpcap-layout
bin=${1:-$root/build/bin}
command -v python3 >/dev/null || t_skip "python3 not installed"
cd "$T_TMP" || exit 1
t_queues
era=$root/tests/tools/hpcap_era_read.py

raws() { find "$1" -name '*.raw' | sort -V; }
# The frames HPCAP's reader sees in the RAW files of directory $1.
era_raw() { mapfile -t f < <(raws "$1"); python3 "$era" raw "${f[@]}"; }
# The frames hpcap's reader sees there (leading padding skipped).
hpcap_raw() {
	mapfile -t f < <(raws "$1")
	"$bin/hpcap2pcap" -q --raw "${f[@]}" >"$1.pcap" && python3 "$era" pcap "$1.pcap"
}

# 8000 frames (imix, about 2.8 MiB) over about 12 s of recorded time.
python3 "$root/tests/tools/gen_pcap.py" in.pcap --count 8000
python3 "$era" pcap in.pcap >sent.txt
sent=$(wc -l <sent.txt)

# --- A second listener joins a running capture.  The first listener
# (HPCAP's copy) starts the replay, paced at 4 times the recorded speed;
# two more join after a second, with and without the option.
"$bin/pcap2hpcap" -q -b 1M --file-size 1M --speed 4 in.pcap 2 0 &
pids+=($!)
replay=$!
t_wait_queue 2 0
mkdir first joined plain
"$bin/hpcapdd" -q 2 0 first >first.log 2>&1 &
pids+=($!)
hd1=$!
sleep 1
"$bin/hpcapdd" -q --hpcap-layout 2 0 joined >joined.log 2>&1 &
pids+=($!)
hd2=$!
"$bin/hpcapdd" -q 2 0 plain >plain.log 2>&1 &
pids+=($!)
hd3=$!
wait "$replay"
t_eq "the replay ends" 0 $?
for p in $hd1 $hd2 $hd3; do wait "$p" || t_fail "an hpcapdd exited $?"; done
t_eq "no frame lost by any listener" 3 "$(cat first.log joined.log plain.log | grep -c "hpcapdd: 0 frames lost")"
era_raw first >first.txt
t_same_file "the first listener (from the start) has every frame sent" sent.txt first.txt
era_raw joined >joined.txt
got=$(wc -l <joined.txt)
t_eq "the joined listener has some frames, not all (it joined mid-capture)" yes \
	"$([ "$got" -gt 0 ] && [ "$got" -lt "$sent" ] && echo yes || echo no)"
tail -n "$got" sent.txt >want.txt
t_same_file "--hpcap-layout, joined: HPCAP's reader sees every frame sent since the join, byte for byte" \
	want.txt joined.txt
hpcap_raw joined >joined-hpcap.txt
t_same_file "... and hpcap's reader the same frames" want.txt joined-hpcap.txt
mapfile -t jf < <(raws joined)
python3 "$era" raw "${jf[0]}" >joined-first.txt
t_eq "... its first file starts with a frame (no leading padding)" yes \
	"$([ -s joined-first.txt ] && echo yes || echo no)"
t_run "... every file passes checkraw" 0 "$bin/checkraw" joined
hpcap_raw plain >plain.txt
got=$(wc -l <plain.txt)
tail -n "$got" sent.txt >want.txt
t_same_file "without the option, joined: hpcap's reader sees every frame since the join" want.txt plain.txt
era_raw plain >plain-era.txt
t_eq "... but HPCAP's reader misses those of the first file (leading padding)" yes \
	"$([ "$(wc -l <plain-era.txt)" -lt "$got" ] && echo yes || echo no)"

# --- Size splits: every file after the first opens mid-slice.
split_run() { # split_run DIR [OPTION]
	"$bin/pcap2hpcap" -q -b 1M --file-size 1M in.pcap 2 1 &
	pids+=($!)
	replay=$!
	t_wait_queue 2 1
	mkdir "$1"
	t_run "--split-size 128K${2:+ $2}: exits 0" 0 "$bin/hpcapdd" -q --split-size 128K \
		--name '%{seq}' ${2:+"$2"} 2 1 "$1"
	wait "$replay"
}
split_run split --hpcap-layout
t_grep "... nothing lost" "hpcapdd: 0 frames lost" "$T_OUT"
t_eq "... many files" yes "$([ "$(raws split | wc -l)" -ge 12 ] && echo yes || echo no)"
era_raw split >split.txt
t_same_file "--split-size --hpcap-layout: HPCAP's reader sees every frame sent, byte for byte" sent.txt split.txt
hpcap_raw split >split-hpcap.txt
t_same_file "... and hpcap's reader the same frames" sent.txt split-hpcap.txt
t_eq "... no file bigger than 128K" "" "$(find split -name '*.raw' -size +128k)"
t_run "... every file passes checkraw" 0 "$bin/checkraw" split
split_run split-plain
era_raw split-plain >split-plain.txt
t_eq "without the option, HPCAP's reader misses frames (leading paddings)" yes \
	"$([ "$(wc -l <split-plain.txt)" -lt "$sent" ] && echo yes || echo no)"
t_done
