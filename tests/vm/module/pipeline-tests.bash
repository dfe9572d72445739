#!/usr/bin/env bash
# pipeline-tests.bash [TEST...] - the pipeline options of hpcapdd and
# hpcapdd_p (doc/pipeline.md), run inside a QEMU guest like
# guest-tests.bash: the generic source on a veth pair, send_frames.py on the
# peer end, every capture read back and compared with what was sent.
#
#   split_time   block copy, --split-time 1s --sha256 --post: files on the
#                clock, every frame once across boundaries, hook once per
#                file (the last one too), sidecars verify
#   sigint       the same stopped by SIGINT in the middle of the traffic:
#                the files hold exactly a prefix of what was sent
#   split_size   block copy, --split-size: no file larger, checkraw passes
#   pcap_zstd    per-frame: --format pcap --zstd --split-time, `zstd -d`
#   bpf          -f EXPR (hpcapdd pcap, hpcapdd_p pcapng+zstd) = tcpdump -r
#   per_packet   hpcapdd_p RAW with --split-size and a hook
#
# Each check prints one "ok"/"fail" line; exit 1 if any failed.
set -uo pipefail
top=$PWD
. "$top/tests/lib.sh"
t_init pipeline
KO=$top/build/kmod/$(uname -r)/hpcap.ko
BIN=$top/${BUILD:-build}/bin
M=$top/tests/vm/module
W=$T_TMP
export PATH=$BIN:$PATH

ipv6_off
modprobe veth

setup() { # module parameters...
	rmmod hpcap 2>/dev/null
	insmod "$KO" "$@" || { t_fail "insmod $*" "failed"; return 1; }
	ip netns del peer 2>/dev/null
	ip link del va 2>/dev/null
	ip netns add peer
	ipv6_off --netns peer
	ip link add va type veth peer name vb
	ip link set vb netns peer
	ip link set va mtu 9000 up
	ip netns exec peer ip link set vb mtu 9000 up
	echo va > /sys/class/hpcap/attach
}

send() { ip netns exec peer python3 "$M/send_frames.py" vb "$@" >/dev/null; }

# The hook: one line per file, "PATH FRAMES REASON".
hook=$W/hook.sh
printf '#!/bin/sh\necho "$1 $HPCAP_FILE_FRAMES $HPCAP_FILE_REASON" >> "$HOOKLOG"\n' > "$hook"
chmod +x "$hook"

# run_tool NAME TOOL ARGS... - starts TOOL ARGS 0 0 $W/NAME in the background
run_tool() {
	local name=$1 tool=$2
	shift 2
	mkdir -p "$W/$name"
	HOOKLOG=$W/$name.hooks "$tool" -q "$@" 0 0 "$W/$name" 2> "$W/$name.log" & PID=$!
	sleep 0.5
}
stop_tool() { kill -INT "$PID"; wait "$PID"; STATUS=$?; }

# result LINE WHAT - an ok/fail line from a checker
result() {
	case "$1" in
	files* | frames* | hooks* | ok*) t_ok "$2 ($1)" ;;
	*) t_fail "$2" "${1#fail }" ;;
	esac
}

# Every FILE.sha256 under DIR checks, run where sha256sum expects it.
sidecars_ok() {
	local f n=0
	# (no process substitution: the guest has no /dev/fd; names have no
	# spaces)
	# shellcheck disable=SC2044
	for f in $(find "$1" -name '*.sha256'); do
		(cd "$(dirname "$f")" && sha256sum --quiet -c "$(basename "$f")") || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

check_all() { # name sent.pcap [cat options]
	local name=$1 sent=$2
	shift 2
	result "$(python3 "$M/pipeline_check.py" cat "$W/$name" "$W/$name.pcap" "$@")" \
		"$name: files complete, in their periods"
	result "$(python3 "$M/compare.py" "$sent" "$W/$name.pcap" --name x)" \
		"$name: files together = frames sent, each once"
	result "$(python3 "$M/pipeline_check.py" hooks "$W/$name.hooks" "$W/$name")" \
		"$name: post hook once per file, the last one too"
}

test_split_time() {
	setup buf_size=4194304 file_size=1048576 || return
	run_tool st hpcapdd --split-time 1s --name '%H%M%S' --sha256 --post "$hook"
	send --count 4000 --sizes 60-1514 --pps 1600 --pcap "$W/st-sent.pcap" --seed 21
	sleep 0.3
	stop_tool
	t_eq "split_time: exit status" 0 "$STATUS"
	t_run "split_time: checkraw" 0 checkraw -q "$W/st"
	check_all st "$W/st-sent.pcap" --period-ms 1000
	local n
	n=$(find "$W/st" -name '*.raw' | wc -l)
	t_run "split_time: at least 3 files ($n)" 0 test "$n" -ge 3
	t_run "split_time: sidecars verify" 0 sidecars_ok "$W/st"
	t_eq "split_time: one sidecar per file" "$n" "$(find "$W/st" -name '*.sha256' | wc -l)"
}

test_sigint() {
	setup buf_size=4194304 file_size=1048576 || return
	run_tool si hpcapdd --split-time 500ms --name '%H%M%S_%{seq}' --post "$hook"
	send --count 8000 --sizes 60-1514 --pps 2000 --pcap "$W/si-sent.pcap" --seed 22 & S=$!
	# SIGINT once a good part (not all) of the traffic went through.
	for _ in $(seq 300); do
		[ "$(awk '$1 == "captured_frames" { print $2 }' /sys/class/hpcap/hpcap_0_0/stats)" -ge 2000 ] && break
		sleep 0.05
	done
	stop_tool
	wait $S
	t_eq "sigint: exit status" 0 "$STATUS"
	t_run "sigint: checkraw" 0 checkraw -q "$W/si"
	result "$(python3 "$M/pipeline_check.py" cat "$W/si" "$W/si.pcap" --period-ms 500)" \
		"sigint: files complete, in their periods"
	result "$(python3 "$M/pipeline_check.py" seqs "$W/si.pcap")" \
		"sigint: exactly a prefix of the frames sent, none lost or twice"
	result "$(python3 "$M/pipeline_check.py" hooks "$W/si.hooks" "$W/si")" \
		"sigint: post hook once per file, the last one too"
	local got
	got=$(python3 "$M/pipeline_check.py" seqs "$W/si.pcap" | awk '{ print $2 }')
	t_run "sigint: stopped mid-traffic ($got of 8000 frames)" 0 test "${got:-0}" -ge 2000 -a "${got:-0}" -lt 8000
}

test_split_size() {
	setup buf_size=4194304 file_size=1048576 || return
	run_tool ss hpcapdd --split-size 256K --post "$hook"
	send --count 3000 --sizes 60-1514 --pcap "$W/ss-sent.pcap" --seed 23
	sleep 0.3
	stop_tool
	t_eq "split_size: exit status" 0 "$STATUS"
	t_run "split_size: checkraw" 0 checkraw -q "$W/ss"
	check_all ss "$W/ss-sent.pcap" --max-bytes 262144
	local n
	n=$(find "$W/ss" -name '*.raw' | wc -l)
	t_run "split_size: more than the 3 files of 1 MiB slices ($n)" 0 test "$n" -ge 8
}

test_pcap_zstd() {
	setup buf_size=4194304 file_size=1048576 || return
	run_tool pz hpcapdd --format pcap --zstd --zstd-frame 64K --split-time 1s --sha256 --post "$hook"
	send --count 3000 --sizes 60-1514 --pps 1500 --pcap "$W/pz-sent.pcap" --seed 24
	sleep 0.3
	stop_tool
	t_eq "pcap_zstd: exit status" 0 "$STATUS"
	check_all pz "$W/pz-sent.pcap" --period-ms 1000
	t_run "pcap_zstd: stock zstd -t on every file" 0 sh -c "for f in \$(find '$W/pz' -name '*.zst'); do zstd -q -t \"\$f\" || exit 1; done"
	t_run "pcap_zstd: sidecars verify" 0 sidecars_ok "$W/pz"
	local f
	f=$(find "$W/pz" -name '*.pcap.zst' | sort | head -1)
	t_run "pcap_zstd: tshark reads a decompressed file" 0 sh -c "zstd -q -dc '$f' > '$W/pz1.pcap' && tshark -r '$W/pz1.pcap' -c 1 >/dev/null"
}

test_bpf() {
	setup buf_size=4194304 file_size=1048576 || return
	local expr='udp src port 1031 or (udp and greater 1000)'
	run_tool bf hpcapdd --format pcap -f "$expr" --post "$hook"
	send --count 2000 --sizes 60-1514 --flows 8 --pcap "$W/bf-sent.pcap" --seed 25
	send --count 300 --sizes 60-1514 --start-seq 5000 --pcap "$W/bf-sent2.pcap" --seed 26
	sleep 0.3
	stop_tool
	t_eq "bpf: exit status" 0 "$STATUS"
	mergecap -F pcap -w "$W/bf-all.pcap" "$W/bf-sent.pcap" "$W/bf-sent2.pcap" 2>/dev/null
	editcap -F nsecpcap "$W/bf-all.pcap" "$W/bf-all-ns.pcap" 2>/dev/null
	tcpdump -r "$W/bf-all-ns.pcap" -w "$W/bf-ref.pcap" "$expr" 2>/dev/null
	editcap -F nsecpcap "$W/bf-ref.pcap" "$W/bf-ref-ns.pcap" 2>/dev/null
	python3 "$M/pipeline_check.py" cat "$W/bf" "$W/bf.pcap" >/dev/null
	result "$(python3 "$M/compare.py" "$W/bf-ref-ns.pcap" "$W/bf.pcap" --name x)" \
		"bpf: hpcapdd -f keeps exactly what tcpdump -r keeps"
	t_run "bpf: the filter dropped frames" 0 grep -qE "dropped [1-9][0-9]* frames" "$W/bf.log"
	# hpcapdd_p, pcapng compressed.
	run_tool bp hpcapdd_p --format pcapng --zstd -f "$expr"
	send --count 2000 --sizes 60-1514 --flows 8 --pcap "$W/bp-sent.pcap" --seed 27
	sleep 0.3
	stop_tool
	tcpdump -r "$W/bp-sent.pcap" -w "$W/bp-ref.pcap" "$expr" 2>/dev/null
	editcap -F nsecpcap "$W/bp-ref.pcap" "$W/bp-ref-ns.pcap" 2>/dev/null
	python3 "$M/pipeline_check.py" cat "$W/bp" "$W/bp.pcap" >/dev/null
	result "$(python3 "$M/compare.py" "$W/bp-ref-ns.pcap" "$W/bp.pcap" --name x)" \
		"bpf: hpcapdd_p -f (pcapng, zstd) keeps exactly what tcpdump -r keeps"
}

test_per_packet() {
	setup buf_size=4194304 file_size=1048576 || return
	run_tool pp hpcapdd_p --split-size 200K --name 'pp/%{seq}' --sha256 --post "$hook"
	send --count 2000 --sizes 60-1514 --pcap "$W/pp-sent.pcap" --seed 28
	sleep 0.3
	stop_tool
	t_eq "per_packet: exit status" 0 "$STATUS"
	t_run "per_packet: checkraw" 0 checkraw -q "$W/pp"
	check_all pp "$W/pp-sent.pcap" --max-bytes 204800
	t_run "per_packet: sidecars verify" 0 sidecars_ok "$W/pp"
}

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(split_time sigint split_size pcap_zstd bpf per_packet)
for t in "${tests[@]}"; do
	echo "--- $t ($(uname -r))"
	"test_$t"
done
rmmod hpcap 2>/dev/null
t_eq "no kernel warning or bug" 0 "$(dmesg | grep -cE 'WARNING|BUG|Oops|general protection')"
t_done
