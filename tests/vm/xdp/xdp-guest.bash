#!/usr/bin/env bash
# xdp-guest.bash - runs INSIDE a QEMU guest (tests/vm/xdp/xdp-vm-tests.bash
# starts it): hpcap-xdp on real NIC drivers, set up as a user would, through
# params.cfg with mode0=xdp and install_hpcap.bash.  The guest has two
# emulated Intel 82576 NICs (igb) and one virtio-net NIC on one virtual
# wire; each case captures one port (the first igb, then the virtio-net
# one) while the second igb sends, and leaves for the host, in $RESULTS:
#   <case>-got.pcap   what hpcapdd wrote (raw2pcap of every queue)
#   <case>.src        the source MAC of the case's frames
#   <case>.lost       the frames hpcap-xdp counted lost (every cause)
#   <case>.mode       the XDP mode hpcap-xdp obtained (zc, copy, skb)
# The host then compares each capture with QEMU's dump of that port.
set -uo pipefail
top=$PWD
. "$top/tests/lib.sh"
t_init xdp-vm
BIN=$top/${BUILD:-build}/bin
M=$top/tests/vm/module
W=$T_TMP
export PATH=$BIN:$PATH
INSTALL=$top/install_hpcap.bash
read -r CAP_IGB SEND_IF <<<"${VM_NIC_IFACES:-eth0 eth1}"

ipv6_off
modprobe virtio_net
# the virtio-net interface, by its MAC
VIRTIO_IF=""
for _ in $(seq 50); do
	for d in /sys/class/net/*; do
		[ "$(cat "$d/address" 2>/dev/null)" = "${VM_VIRTIO_MACS:-none}" ] && VIRTIO_IF=${d##*/}
	done
	[ -n "$VIRTIO_IF" ] && break
	sleep 0.1
done
ipv6_off "$SEND_IF" ${VIRTIO_IF:+"$VIRTIO_IF"}
ip link set "$SEND_IF" up

# wait_carrier IF
wait_carrier() {
	for _ in $(seq 100); do
		[ "$(cat "/sys/class/net/$1/carrier" 2>/dev/null)" = 1 ] && return 0
		sleep 0.1
	done
	t_fail "carrier on $1" "none after 10 s"
	return 1
}
stat_q() { awk -v k="$2" '$1 == k { print $2 }' "/dev/shm/hpcap_0_$1.stats"; }
port_v() { awk -v k="$1" '$1 == k { print $2 }' /dev/shm/hpcap_0.port; }

# run_case NAME IFACE SRC-MAC WANT-MODES: install, capture, uninstall
run_case() {
	local name=$1 ifc=$2 src=$3 want=$4 d=$W/$1 nq q pids=() mode lost st
	mkdir -p "$d"
	echo "$src" >"$RESULTS/$name.src"
	ip link set "$ifc" up
	wait_carrier "$ifc" || return
	wait_carrier "$SEND_IF" || return
	# As a user writes it: the port, its mode, the first core.
	cat >"$d/params.cfg" <<CFG
ifs=$ifc
mode0=xdp
core0=0
bufsize0=16M
monitor_enabled=0
CFG
	t_run "$name: install_hpcap.bash with mode0=xdp on $ifc ($(basename "$(readlink "/sys/class/net/$ifc/device/driver")")): exit 0" \
		0 "$INSTALL" -c "$d/params.cfg"
	t_grep "$name: install says how hpcap-xdp captures" "$ifc: hpcap-xdp as adapter 0 \(direct, pid [0-9]+\): [a-z]+ mode" "$T_OUT"
	[ -r /dev/shm/hpcap_0.port ] || { t_fail "$name: hpcap-xdp's port file" "missing"; return; }
	mode=$(port_v xdp_mode)
	echo "$mode" >"$RESULTS/$name.mode"
	echo "note $name: $ifc captured in $mode mode ($(port_v attach) attach, stamps: $(port_v timestamp); $(awk '$1 == "notes" { $1 = ""; print }' /dev/shm/hpcap_0.port))"
	t_grep "$name: the XDP mode obtained ($mode) is one expected here ($want)" "^($want)\$" "$mode"
	t_eq "$name: its XDP program is on $ifc" yes "$(ip link show "$ifc" | grep -q 'prog/xdp' && echo yes || echo no)"
	t_eq "$name: hpcap-status --json shows the port as xdp, $mode mode" "xdp $mode" \
		"$("$top/scripts/hpcap-status.bash" --json -i 0.2 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); i=[x for x in d["interfaces"] if x["adapter"]==0][0]; print(i["source"], i["xdp_mode"])' 2>&1)"
	nq=$(port_v queues | tr ',' ' ' | wc -w)
	# One hpcapdd per queue, through the /dev links hpcap-xdp made.
	for ((q = 0; q < nq; q++)); do
		mkdir -p "$d/cap/q$q"
		hpcapdd -q 0 "$q" "$d/cap/q$q" 2>>"$d/dd.err" &
		pids+=($!)
	done
	for _ in $(seq 100); do
		st=0
		for ((q = 0; q < nq; q++)); do [ "$(stat_q "$q" listeners)" -ge 1 ] 2>/dev/null || st=1; done
		[ "$st" = 0 ] && break
		sleep 0.1
	done
	t_eq "$name: hpcapdd reads each of the $nq queue(s)" 0 "$st"
	# IPv4/UDP in 16 flows (RSS may spread them) at IMIX sizes, then 802.1Q
	# tagged frames, which must arrive with their tag.  Paced: the emulated
	# NIC drops, unseen by the guest, what the guest does not take in time.
	taskset -c 1 python3 "$M/send_frames.py" "$SEND_IF" --src "$src" --count "${XDP_VM_FRAMES:-4000}" \
		--sizes imix --flows 16 --seed 31 --pps "${XDP_VM_PPS:-1500}" >/dev/null
	taskset -c 1 python3 "$M/send_frames.py" "$SEND_IF" --src "$src" --count 300 --sizes 64-1514 \
		--vlan 100 --seed 32 --start-seq 100000 --pps "${XDP_VM_PPS:-1500}" >/dev/null
	sleep 1.5
	kill -INT "${pids[@]}" 2>/dev/null
	st=0
	for q in "${pids[@]}"; do wait "$q" || st=$?; done
	t_eq "$name: hpcapdd ends cleanly" 0 "$st"
	t_run "$name: checkraw passes every file" 0 checkraw -q "$d/cap"
	raw2pcap -q "$d/cap" "$RESULTS/$name-got.pcap" 2>>"$d/dd.err"
	lost=0
	for ((q = 0; q < nq; q++)); do
		lost=$((lost + $(stat_q "$q" client_lost_frames) + $(stat_q "$q" noclient_frames) + $(stat_q "$q" xdp_lost_frames)))
	done
	lost=$((lost + $(port_v nic_rx_missed)))
	echo "$lost" >"$RESULTS/$name.lost"
	echo "note $name: captured per queue: $(for ((q = 0; q < nq; q++)); do printf "%s " "$(stat_q "$q" captured_frames)"; done); counted lost $lost; stamps from the NIC $(stat_q 0 ts_nic_frames), the kernel $(stat_q 0 ts_kernel_frames), at dequeue $(stat_q 0 ts_user_frames) (queue 0)"
	t_run "$name: --uninstall: exit 0" 0 "$INSTALL" --uninstall
	t_eq "$name: --uninstall: the XDP program is off $ifc" no "$(ip link show "$ifc" | grep -q 'prog/xdp' && echo yes || echo no)"
	t_eq "$name: --uninstall: promiscuous mode off again" no "$(ip link show "$ifc" | grep -q PROMISC && echo yes || echo no)"
	t_eq "$name: --uninstall: no hpcap-xdp left" "" "$(pgrep -x hpcap-xdp)"
	t_eq "$name: --uninstall: no queue file left" "" "$(ls /dev/shm/hpcap_* /dev/hpcap_* 2>/dev/null)"
	ip link set "$ifc" down
}

# igb: native XDP in copy mode on 6.1 and 6.12 (zero-copy from 6.14).
run_case igb "$CAP_IGB" 02:00:00:00:02:aa copy
# virtio-net: native XDP; zero-copy where the kernel lets an AF_XDP socket
# bind with XDP_ZEROCOPY (the mode obtained is reported).
if [ -n "$VIRTIO_IF" ]; then
	run_case virtio "$VIRTIO_IF" 02:00:00:00:02:bb 'zc|copy'
else
	t_fail "virtio-net interface" "no interface with MAC ${VM_VIRTIO_MACS:-?}"
fi
t_done
