#!/usr/bin/env bash
# fault-tests.bash [TEST...] - the module's fault tests, run inside a QEMU
# guest (tests/vm/run-module-tests.bash --only fault) with the
# allocation-failure test build (scripts/build-module.bash --fault-test,
# build/kmod-fault/KVER/hpcap.ko: never installed) and two emulated 82576
# NICs, the first for hpcap, the second (on igb) to send.
#
#   generic    every allocation of an attach of a veth fails in turn
#   synth      the same for a synthetic source
#   native     every allocation of a probe, then of bringing the port up
#   reset      remove() with a reset that times out: no DMA memory is freed
#              while the NIC may still write to it
#   multidesc  the NIC told 1 KiB packet buffers: frames spanning
#              descriptors leave no record and are counted
#
# Each command runs once with its allocations recorded; then each
# allocation of the module's plan is made to fail in turn: the first and
# the last of every run at one place (FAULT_ALL=1 in the guest's
# environment: every allocation).  For every injected failure: the
# request fails with ENOMEM, the kernel
# log says why (a "hpcap:" line besides the injector's own), nothing is
# left behind (no adapter, no node, every allocation freed: the module's
# count of live allocations is back where it was), and afterwards the
# module works (a capture equals what was sent).
set -uo pipefail
top=$PWD
. "$top/tests/lib.sh"
t_init fault
KO=$top/build/kmod-fault/$(uname -r)/hpcap.ko
BIN=$top/${BUILD:-build}/bin
M=$top/tests/vm/module
W=$T_TMP
P=/sys/module/hpcap/parameters
CAP=0000:00:04.0		# the port hpcap captures
read -r _ SEND_IF <<<"${VM_NIC_IFACES:-eth0 eth1}"
export PATH=$BIN:$PATH

ipv6_off
modprobe veth
ip link set "$SEND_IF" up

load() {
	rmmod hpcap 2>/dev/null
	insmod "$KO" buf_size=1048576 file_size=1048576 "$@" ||
		{ t_fail "insmod (fault-test build) $*" "failed"; return 1; }
	[ -e $P/fault_at ] || { t_fail "the fault-test build has fault_at" "missing"; return 1; }
}

mkveth() {
	ip netns del peer 2>/dev/null
	ip link del va 2>/dev/null
	ip netns add peer
	ipv6_off --netns peer
	ip link add va type veth peer name vb
	ip link set vb netns peer
	ip link set va up
	ip netns exec peer ip link set vb up
}

live() { cat $P/fault_outstanding; }
nodes() { find /dev -maxdepth 1 -name 'hpcap_[0-9]*' | wc -l; }
# The kernel's lines since the last call (kept in $W/dmesg.log too), the
# injector's own left out.
new_log() { dmesg -c | tee -a "$W/dmesg.log" | grep -v 'hpcap-fault:'; }

# fault_loop NAME MIN CHECK-CLEAN UNDO -- COMMAND...: run COMMAND once
# with every allocation recorded (it must make at least MIN), UNDO it,
# then make each allocation of the module's plan fail in turn: the first
# and the last of every run made at one place (every place, every
# boundary; FAULT_ALL=1: every allocation).  After each failure: ENOMEM,
# a reason logged by hpcap itself (not the injector's line, nor the
# driver core's "probe ... failed"), live allocations back to before,
# CHECK-CLEAN true.  COMMAND is left done.
fault_loop() {
	local name=$1 min=$2 clean=$3 undo=$4 n base out st bad="" total plan
	shift 5
	new_log >/dev/null
	echo -1 > $P/fault_at
	out=$("$@" 2>&1) || { t_fail "$name: runs when nothing fails" "$out"; echo 0 > $P/fault_at; return; }
	total=$(cat $P/fault_seen)
	plan=$(cat $P/fault_plan)
	[ "${FAULT_ALL:-0}" = 1 ] && plan=$(seq "$total")
	echo 0 > $P/fault_at
	$undo
	base=$(live)
	for n in $plan; do
		new_log >/dev/null
		echo "$n" > $P/fault_at
		st=0
		out=$("$@" 2>&1) || st=$?
		[ "$(cat $P/fault_hit)" = 1 ] || bad="$bad $n:no-fault"
		[ "$st" != 0 ] || { bad="$bad $n:succeeded"; echo 0 > $P/fault_at; $undo; }
		grep -q "Cannot allocate memory" <<<"$out" || bad="$bad $n:not-ENOMEM($out)"
		new_log | grep -v 'probe of .* failed' | grep -q hpcap || bad="$bad $n:no-reason-logged"
		[ "$(live)" = "$base" ] || bad="$bad $n:leak($(live)-$base)"
		$clean || bad="$bad $n:left-behind"
	done
	echo 0 > $P/fault_at
	t_run "$name: $total allocations (at least $min)" 0 test "$total" -ge "$min"
	t_eq "$name: made to fail at each of $(wc -w <<<"$plan") places and boundaries: each clean (ENOMEM, reason logged, no leak, nothing left)" "" "$bad"
	t_run "$name: works once nothing fails" 0 "$@"
}

no_adapter() { [ -z "$(cat /sys/class/hpcap/adapters)" ] && [ "$(nodes)" = 0 ]; }

# (bash's echo says which error a write got; dash's says "I/O error")
attach() { echo "$*" > /sys/class/hpcap/attach; }
detach() { echo "$1" > /sys/class/hpcap/detach; }

# capture NAME -- hpcapdd on 0 0 in the background (pid in $DD)
start_dd() { mkdir -p "$W/$1"; hpcapdd -q 0 0 "$W/$1" 2> "$W/$1.log" & DD=$!; sleep 0.5; }
stop_dd() { sleep 0.5; kill -INT "$DD"; wait "$DD"; }
check_capture() { # name sent.pcap [compare options]
	local name=$1 sent=$2 line
	shift 2
	raw2pcap -q "$W/$name" "$W/$name.pcap" 2>/dev/null
	line=$(python3 "$M/compare.py" "$sent" "$W/$name.pcap" --name "$name: capture = sent" "$@")
	case "$line" in ok*) t_ok "${line#ok   }" ;; *) t_fail "${line#fail }" "see above" ;; esac
}

test_generic() {
	load && mkveth || return
	fault_loop "generic attach" 260 no_adapter "detach va" -- attach va
	t_eq "generic attach: the adapter" "0 va generic-mirror 1 65523" "$(cat /sys/class/hpcap/adapters)"
	start_dd generic
	ip netns exec peer python3 "$M/send_frames.py" vb --count 500 --sizes 60-1514 \
		--pcap "$W/generic-sent.pcap" >/dev/null
	stop_dd
	check_capture generic "$W/generic-sent.pcap"
	local base
	detach va
	base=$(live)
	t_eq "generic: detach frees every allocation (live allocations)" 0 "$base"
	t_run "generic: rmmod" 0 rmmod hpcap
}

test_synth() {
	load || return
	fault_loop "synthetic attach" 260 no_adapter "detach s0" -- attach synth s0 sizes=64,1500
	"$top/${BUILD:-build}/tests-vm/listener" --frames 5000 0 0 > "$W/synth.out"
	read -r _ frames _ bad _ < "$W/synth.out"
	t_eq "synthetic: works once nothing fails (frames checked, damaged)" "5000 0" "$frames $bad"
	detach s0
	t_eq "synthetic: detach frees every allocation (live allocations)" 0 "$(live)"
	t_run "synthetic: rmmod" 0 rmmod hpcap
}

# The port to hpcap (bind), or back to nobody (unbind).
bind() { echo "$CAP" > /sys/bus/pci/drivers/hpcap/bind; }
unbind() { echo "$CAP" > /sys/bus/pci/drivers/hpcap/unbind; }
unbound() { [ ! -e /sys/bus/pci/devices/$CAP/driver ] && no_adapter && [ ! -e /sys/class/net/hpcap0 ]; }
port_down() { ! grep -q up /sys/class/net/hpcap0/operstate 2>/dev/null && [ -z "$(pgrep hpcap0_rx)" ]; }

native_prepare() {
	load "$@" && {
		[ -e /sys/bus/pci/devices/$CAP/driver ] && echo "$CAP" > /sys/bus/pci/devices/$CAP/driver/unbind
		echo hpcap > /sys/bus/pci/devices/$CAP/driver_override
	}
}

wait_carrier() {
	for _ in $(seq 50); do
		[ "$(cat /sys/class/net/hpcap0/carrier 2>/dev/null)" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}

# send NAME MAC-SUFFIX [send_frames options] from the igb port
send() {
	local name=$1 mac=02:00:00:00:02:$2
	shift 2
	python3 "$M/send_frames.py" "$SEND_IF" --src "$mac" --pcap "$W/$name-sent.pcap" "$@" >/dev/null
}

test_native() {
	native_prepare nrxq=2 dup=1 || return
	fault_loop "native probe" 500 unbound unbind -- bind
	t_eq "native probe: bound" hpcap "$(basename "$(readlink /sys/bus/pci/devices/$CAP/driver)")"
	fault_loop "native port up" 2 port_down "ip link set hpcap0 down" -- ip link set hpcap0 up
	t_run "native: carrier" 0 wait_carrier
	start_dd native
	send native 01 --count 500 --sizes 60-1514 --seed 41
	stop_dd
	check_capture native "$W/native-sent.pcap" --src 02:00:00:00:02:01
	unbind
	t_eq "native: unbind frees every allocation (live allocations)" 0 "$(live)"
	t_eq "native: no DMA memory freed while the NIC could write to it" 0 "$(cat $P/fault_dma_live)"
	t_run "native: rmmod" 0 rmmod hpcap
}

test_reset() {
	native_prepare || return
	if ! { bind && ip link set hpcap0 up && wait_carrier; }; then t_fail "reset: port up" "failed"; return; fi
	send reset 02 --count 200 --sizes 60-1514 --seed 42
	echo 1 > $P/test_reset_timeout
	new_log >/dev/null
	unbind
	t_grep "reset timeout in remove(): said so" "reset failed \(-110\); bus mastering turned off" "$(new_log)"
	t_eq "reset timeout: no DMA memory freed while the NIC could write to it" 0 "$(cat $P/fault_dma_live)"
	t_eq "reset timeout: every allocation freed" 0 "$(live)"
	t_run "reset: rmmod" 0 rmmod hpcap
}

test_multidesc() {
	native_prepare test_rx_bsize=1024 || return
	if ! { bind && ip link set hpcap0 up && wait_carrier; }; then t_fail "multidesc: port up" "failed"; return; fi
	start_dd multidesc
	# Frames that fit 1 KiB, 300 frames that need two buffers, then
	# fitting ones again: only the fitting ones are recorded.
	send md1 03 --count 300 --sizes 60-1024 --seed 43
	send md2 04 --count 300 --sizes 1500 --seed 44
	send md3 03 --count 300 --sizes 60-1024 --seed 45 --start-seq 300
	stop_dd
	python3 - "$W/md1-sent.pcap" "$W/md3-sent.pcap" "$W/multidesc-sent.pcap" <<'PY'
import sys
a, b = (open(p, "rb").read() for p in sys.argv[1:3])
open(sys.argv[3], "wb").write(a + b[24:])
PY
	check_capture multidesc "$W/multidesc-sent.pcap" --src 02:00:00:00:02:03
	t_eq "multidesc: no record but the 600 frames that fit (no tails)" 600 \
		"$(tshark -r "$W/multidesc.pcap" 2>/dev/null | wc -l)"
	t_eq "multidesc: ethtool rx_fragmented_dropped = frames that spanned" 300 \
		"$(ethtool -S hpcap0 | awk '$1 == "rx_fragmented_dropped:" { print $2 }')"
	t_eq "multidesc: source_stats frag_frames" 300 \
		"$(awk '$1 == "frag_frames" { print $2 }' /sys/class/hpcap/hpcap_0_0/source_stats)"
	unbind
	t_run "multidesc: rmmod" 0 rmmod hpcap
}

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(generic synth native reset multidesc)
for t in "${tests[@]}"; do
	echo "--- fault $t ($(uname -r))"
	"test_$t"
done
rmmod hpcap 2>/dev/null
new_log >/dev/null
cp "$W/dmesg.log" "${RESULTS:-$W}/dmesg-fault.log" 2>/dev/null
t_eq "no kernel warning or bug" 0 "$(grep -cE 'WARNING|BUG|Oops|general protection' "$W/dmesg.log")"
t_done
